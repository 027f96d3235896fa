#!/usr/bin/env bash
# Epidemic benchmark at the scale (issue 4): 1,000,000 persons for
# 200 days, on 1 and 2 threads (same trace hash expected). Reference:
# OpenABM-Covid19 needs ~1.9 CPU-s per simulated day, 10 s set-up, 3.8 GB.
set -euo pipefail
BIN="${1:-build}/bin/bench_epidemic"
run() { echo "\$ bench_epidemic $*"; "$BIN" "$@"; echo; }
run 1000000 200 1 64
run 1000000 200 2 64
