#!/usr/bin/env python3
"""An external simulator for `simulacra calibrate --simulator`: the conjugate
Gaussian model. Reads parameter rows `mu,seed` on stdin; for each, draws ten
N(mu, 1) observations from a generator seeded by `seed` and prints their mean
(`ybar`, a sufficient statistic) and, to show a summary that carries no
information, `noise` (a N(0, 1) draw that does not depend on mu)."""
import csv
import random
import sys

rows = csv.DictReader(sys.stdin)
out = sys.stdout
out.write("ybar,noise\n")
for row in rows:
    rng = random.Random(int(row["seed"]))
    mu = float(row["mu"])
    ybar = sum(rng.gauss(mu, 1.0) for _ in range(10)) / 10.0
    out.write(f"{ybar!r},{rng.gauss(0.0, 1.0)!r}\n")
