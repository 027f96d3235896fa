#!/usr/bin/env python3
"""Writes traders.csv: a synthetic table of traders (one row per trader: kind,
order_size in shares, interval = mean seconds between the trader's actions).
Deterministic (seed 11). Noise traders trade rarely and small, value traders
more often and larger, momentum traders often and mid-sized; sizes are
lognormal, intervals log-uniform."""
import math
import random

random.seed(11)
KINDS = {
    # kind: (rows, median order size, sigma of log size, interval min, max)
    "noise": (900, 80, 0.6, 600.0, 3600.0),
    "value": (240, 250, 0.5, 30.0, 600.0),
    "momentum": (60, 150, 0.4, 10.0, 60.0),
}

with open("traders.csv", "w") as out:
    out.write("kind,order_size,interval\n")
    for kind, (rows, median, sigma, lo, hi) in KINDS.items():
        for _ in range(rows):
            size = max(1, round(median * math.exp(random.gauss(0.0, sigma))))
            interval = lo * (hi / lo) ** random.random()
            out.write(f"{kind},{size},{interval:.1f}\n")
