#!/usr/bin/env bash
# PHOLD at the reference configurations of issue 2 (ROSS's parameter meaning:
# remote 0.25, lookahead 0.1, mean 1.0). Prints each run's figures.
set -euo pipefail
BIN="${1:-build}/bin/simulacra"
run() { echo "\$ simulacra bench phold $*"; "$BIN" bench phold "$@"; echo; }
run --lps 1024 --start-events 1 --end 20000 --scheduler sequential
run --lps 1024 --start-events 16 --end 1250 --scheduler sequential
run --lps 65536 --start-events 1 --end 300 --scheduler sequential
run --lps 65536 --start-events 16 --end 20 --threads 1
run --lps 65536 --start-events 16 --end 20 --threads 2
