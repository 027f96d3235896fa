#!/usr/bin/env bash
# Market benchmarks at the scale of issue 6: the matching engine alone, the
# RMSC04-composition day (1,116 agents) and a 100,000-agent day on 2 threads.
# Usage: bench/market.sh [build-dir]   (default: build)
set -euo pipefail
BIN="${1:-build}/bench/market/bench_market"
run() { echo "\$ bench_market $*"; "$BIN" "$@"; echo; }
run --book-orders 20000000 --skip-day
run --skip-book --sequential
run --skip-book --threads 1
run --skip-book --threads 2
run --skip-book --threads 2 --noise 89600 --value 9000 --momentum 1200 --makers 200 --trader-lps 64
