#!/usr/bin/env bash
# `make run`: the default job. Until scenario files exist it is a small PHOLD run.
set -euo pipefail
BUILD="${1:-build}"
echo "run: simulacra bench phold --lps 1024 --start-events 1 --end 2000 --threads 2"
"$BUILD/bin/simulacra" bench phold --lps 1024 --start-events 1 --end 2000 --threads 2
echo "run: done (PHOLD writes no dataset; figures above)"
