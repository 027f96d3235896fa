#!/usr/bin/env bash
# Flash-crash figures of scenarios/market/flash_crash.yaml, seeds 1-10, with
# and without limit up-limit down (5 % band): the mid's drop within 15 minutes
# of the sell program's start, minutes to that low, the share of the drop
# regained one hour after the start, the stop-loss and momentum market sells
# from the start to the low (and in as long a time before it), the pauses
# (halts rows), the makers' fewest limit orders in a minute of the 15 after
# the start over their usual rate, and the quoted spread in the fall over
# the 15 minutes before.
# Usage: bench/market_flash_crash.sh [build-dir]   (default: build)
set -euo pipefail
BIN="${1:-build}/tests/agents/market/test_market"
echo "\$ test_market \"flash crash: figures per seed\""
"$BIN" "flash crash: figures per seed" | grep -vE "^(=|All tests|$)"
