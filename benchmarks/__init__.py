"""Benchmarks for pyneuro (asv; see bench_engine.py) and the Brian2 comparison scripts. Not part of the package."""
