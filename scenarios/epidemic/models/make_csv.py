#!/usr/bin/env python3
"""Writes persons.csv: a synthetic census-like sample of persons (one row per
person: age, household_size) from 1,500 households. Deterministic (seed 7).
Households: singles (mostly older adults), couples, single parents, families
with children, and some three-generation households."""
import random

random.seed(7)
SIZES = [1, 2, 3, 4, 5, 6]
WEIGHTS = [0.29, 0.35, 0.16, 0.13, 0.05, 0.02]


def household(size):
    if size == 1:
        return [min(95, int(random.triangular(19, 95, 75)))]
    if size == 2:
        if random.random() < 0.12:  # single parent and child
            parent = random.randint(24, 55)
            return [parent, max(0, min(parent - 18, random.randint(0, 19)))]
        a = min(95, int(random.triangular(20, 92, 60)))
        return [a, max(18, min(95, a + random.randint(-6, 6)))]
    members = []
    grandparent = size >= 4 and random.random() < 0.15
    parents = 2 if random.random() < 0.85 else 1
    first = random.randint(24, 52)
    members.append(first)
    if parents == 2:
        members.append(max(18, first + random.randint(-5, 5)))
    if grandparent:
        members.append(first + random.randint(22, 32))
    while len(members) < size:
        members.append(max(0, min(first - 18, random.randint(0, 19))))
    return members


with open("persons.csv", "w") as out:
    out.write("age,household_size\n")
    for _ in range(1500):
        size = random.choices(SIZES, WEIGHTS)[0]
        for age in household(size):
            out.write(f"{age},{size}\n")
