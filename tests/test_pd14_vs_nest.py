"""The microcircuit at scale 0.1 against NEST 3.10's seed-to-seed spread.

tests/data/nest_pd14_scale01_dc.json holds NEST's per-population rates for seeds 1-6 of the same model (written by
``benchmarks/nest_models.py pd14 --scale 0.1 --drive dc --seeds 1-6``: Potjans & Diesmann 2014 at 10% of the neurons
with full in-degrees, DC drive, 500 ms discarded, rates over the next 1000 ms).

A single seed is no test of agreement: the rates vary from seed to seed, in pyneuro more than in NEST (pyneuro,
seeds 1-6, standard deviations in Hz: L23E 1.02, L23I 1.63, L4E 0.16, L4I 0.84, L5E 1.39, L5I 0.96, L6E 0.12,
L6I 0.88; NEST: 0.56, 0.96, 0.16, 0.55, 0.93, 0.69, 0.07, 0.47). One seed of pyneuro's lay 3.2 NEST-SDs from NEST's
mean in L2/3e (seed 1: 4.29 Hz against 2.52 +- 0.56), while pyneuro's six-seed mean (3.12 Hz) lies within one. So
the test compares means: pyneuro's mean over seeds 1-3 must lie within 3 standard errors of the difference of the two
means (Welch's, from NEST's six seeds and pyneuro's spread above) of NEST's mean, in every population.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from pyneuro.networks import microcircuit
from pyneuro.networks.pd14 import POPULATIONS

REF = json.loads((Path(__file__).resolve().parent / "data" / "nest_pd14_scale01_dc.json").read_text())


#: pyneuro's seed-to-seed standard deviation per population (Hz), seeds 1-6 of this test's model (see the docstring)
PYNEURO_SD = {"L23E": 1.02, "L23I": 1.63, "L4E": 0.16, "L4I": 0.84, "L5E": 1.39, "L5I": 0.96, "L6E": 0.12, "L6I": 0.88}
SEEDS = (1, 2, 3)


def test_mean_rates_within_the_seed_spread_of_both():
    nest = np.array([[r["rates"][p] for p in POPULATIONS] for r in REF])
    assert nest.shape == (6, 8) and all(r["scale"] == 0.1 and r["drive"] == "dc" for r in REF)
    mean, sd = nest.mean(axis=0), nest.std(axis=0, ddof=1)
    got = []
    for seed in SEEDS:
        b = microcircuit(scale=0.1, drive="dc", threads=2, seed=seed)
        b.net.run(1500.0)
        rates = b.rates(500.0, 1500.0)
        got.append([rates[p] for p in POPULATIONS])
    ours = np.mean(got, axis=0)
    se = np.sqrt(sd**2 / len(nest) + np.array([PYNEURO_SD[p] for p in POPULATIONS]) ** 2 / len(SEEDS))
    z = (ours - mean) / se
    assert np.all(np.abs(z) < 3.0), dict(zip(POPULATIONS, np.round(z, 2)))
