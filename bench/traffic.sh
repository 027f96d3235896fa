#!/usr/bin/env bash
# Traffic benchmark at issue 5's reference configurations: a 10 x 10
# signalised grid (200 m blocks, 2 lanes each way), step 1 s, IDM + MOBIL,
# 10,000 vehicles inserted over one hour (SUMO 1.15: ~45 s, ~50,000 vehicle
# updates/s) on 1 and 2 threads; the same grid at 50,000 vehicles per hour;
# and a day-long city: 50 x 50 grid, 1,000,000 trips with a two-peak daily
# profile. Prints each run's figures (vehicle updates per second, peak RSS).
set -euo pipefail
BIN="${1:-build}/bench/traffic/traffic_bench"
run() { echo "\$ traffic_bench $*"; "$BIN" "$@"; echo; }
run --nx 10 --rate 10000 --hours 1 --blocks 16 --threads 1
run --nx 10 --rate 10000 --hours 1 --blocks 16 --threads 2
run --nx 10 --rate 50000 --hours 1 --blocks 16 --threads 2
# One hour of a 50 x 50 city at 1,000,000 trips a day's mean rate. The full
# day with the two-peak profile saturates the signals at the morning peak and
# takes far longer (see docs/traffic.md), so make bench stays bounded.
run --nx 50 --rate 41667 --hours 1 --blocks 64 --threads 2
