"""The microcircuit at scale 0.1 against NEST 3.10's seed-to-seed spread.

tests/data/nest_pd14_scale01_dc.json holds NEST's per-population rates for seeds 1-6 of the same model (written by
``benchmarks/nest_models.py pd14 --scale 0.1 --drive dc --seeds 1-6``: Potjans & Diesmann 2014 at 10% of the neurons
with full in-degrees, DC drive, 500 ms discarded, rates over the next 1000 ms). pyneuro's microcircuit under NEST's
time convention must fall within NEST's spread in every population: within 3 standard deviations of NEST's mean
over seeds (the same statistic over pyneuro's own seeds is printed by benchmarks/compare_nest.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from pyneuro.networks import microcircuit
from pyneuro.networks.pd14 import POPULATIONS

REF = json.loads((Path(__file__).resolve().parent / "data" / "nest_pd14_scale01_dc.json").read_text())


def test_rates_within_nest_seed_spread():
    nest = np.array([[r["rates"][p] for p in POPULATIONS] for r in REF])
    assert nest.shape == (6, 8) and all(r["scale"] == 0.1 and r["drive"] == "dc" for r in REF)
    mean, sd = nest.mean(axis=0), nest.std(axis=0, ddof=1)
    b = microcircuit(scale=0.1, drive="dc", threads=2, seed=1)
    b.net.run(1500.0)
    rates = b.rates(500.0, 1500.0)
    got = np.array([rates[p] for p in POPULATIONS])
    z = (got - mean) / sd
    assert np.all(np.abs(z) < 3.0), dict(zip(POPULATIONS, np.round(z, 2)))
