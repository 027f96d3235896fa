#!/usr/bin/env bash
# Experiment layer costs (issue 11): observe(), branch() and a checkpoint of
# the 1,000,000-person town at day 150 and the day-long city at 8:00, beside
# the time the run took to get there. Goals: a branch under 10 % of that time;
# a checkpoint of the town under 1 s and 200 MB.
set -euo pipefail
BIN="${1:-build}/bin/bench_experiment"
run() { echo "\$ bench_experiment $*"; "$BIN" "$@"; echo; }
run scenarios/epidemic/city.yaml 150d
run scenarios/traffic/city_day.yaml 8h --threads 2
run scenarios/market/reference_day.yaml 3h
