#!/usr/bin/env python3
"""Writes trips.csv: a synthetic travel survey of one morning hour on the
6 x 6 grid of trips_from_model.yaml (one row per trip: departure in seconds
from 7:00, origin and destination as the grid's link ids). Deterministic
(seed 5). Two peaks: a school run around 7:15 from the western residential
streets to the two school streets in the middle, and the commute around 7:40
from the western and southern streets to the eastern downtown; a tenth of the
trips are errands at any time between homes, schools, downtown and the shops
around node (3, 1)."""
import random

random.seed(5)
NX = NY = 6
ROWS = 4000
HOUR = 3600.0

# Link ids as make_grid numbers them: for each node n = j*NX + i in order,
# east then west between n and n+1, north then south between n and n+NX.
LINK = {}
for j in range(NY):
    for i in range(NX):
        n = j * NX + i
        if i + 1 < NX:
            LINK[(n, n + 1)] = len(LINK)
            LINK[(n + 1, n)] = len(LINK)
        if j + 1 < NY:
            LINK[(n, n + NX)] = len(LINK)
            LINK[(n + NX, n)] = len(LINK)


def node(i, j):
    return j * NX + i


# Homes: eastbound streets leaving the western edge; southern homes: northbound
# streets leaving the southern edge (j = 0).
WEST_HOMES = [LINK[(node(0, j), node(1, j))] for j in range(NY)]
SOUTH_HOMES = [LINK[(node(i, 0), node(i, 1))] for i in range(1, NX - 1)]
# Schools: the two streets arriving at the central node (2, 3) from the west and south.
SCHOOLS = [LINK[(node(1, 3), node(2, 3))], LINK[(node(2, 2), node(2, 3))]]
# Downtown: eastbound streets arriving at the eastern edge.
DOWNTOWN = [LINK[(node(NX - 2, j), node(NX - 1, j))] for j in range(NY)]
# Shops: the four streets into and the four out of node (3, 1).
SHOPS = sorted(v for (a, b), v in LINK.items() if node(3, 1) in (a, b))


def clipped_gauss(mean, sd):
    while True:
        t = random.gauss(mean, sd)
        if 0.0 <= t < HOUR:
            return t


with open("trips.csv", "w") as out:
    out.write("departure,origin,destination\n")
    for _ in range(ROWS):
        u = random.random()
        if u < 0.35:  # school run, 7:15 +- 4 min
            t = clipped_gauss(900.0, 240.0)
            o, d = random.choice(WEST_HOMES), random.choice(SCHOOLS)
        elif u < 0.90:  # commute, 7:40 +- 6 min
            t = clipped_gauss(2400.0, 360.0)
            o = random.choice(WEST_HOMES if random.random() < 0.6 else SOUTH_HOMES)
            d = random.choice(DOWNTOWN)
        else:  # errands
            t = random.uniform(0.0, HOUR)
            o = random.choice(WEST_HOMES + SOUTH_HOMES + SHOPS)
            d = random.choice([x for x in SCHOOLS + DOWNTOWN + SHOPS if x != o])
        out.write(f"{t:.0f},{o},{d}\n")
