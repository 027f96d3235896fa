#!/usr/bin/env bash
# Traffic benchmark at issue 5's reference configurations: a 10 x 10
# signalised grid (200 m blocks, 2 lanes each way), step 1 s, IDM + MOBIL,
# 10,000 vehicles inserted over one hour (SUMO 1.15: ~45 s, ~50,000 vehicle
# updates/s) on 1 and 2 threads; the same grid at 50,000 vehicles per hour;
# and a day-long city: 50 x 50 grid, 1,000,000 trips with a two-peak daily
# profile (several minutes). Generated signal plans are paired (opposite
# approaches green together, as SUMO's netgenerate builds them). Prints each
# run's figures (vehicle updates per second, peak RSS).
set -euo pipefail
BIN="${1:-build}/bench/traffic/traffic_bench"
run() { echo "\$ traffic_bench $*"; "$BIN" "$@"; echo; }
# The reference hour takes well under a second, so scheduling noise shows:
# three runs on each thread count.
for threads in 1 2; do
  for _ in 1 2 3; do run --nx 10 --rate 10000 --hours 1 --blocks 16 --threads "$threads"; done
done
run --nx 10 --rate 50000 --hours 1 --blocks 16 --threads 2
# A day in a 50 x 50 city (scenarios/traffic/city_day.yaml's network and
# demand): 1,000,000 trips over 24 h with a two-peak profile, 2 threads.
run --nx 50 --rate 41667 --hours 24 --blocks 64 --threads 2 --profile day
