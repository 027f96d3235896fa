#!/usr/bin/env bash
# Neural posterior estimation and Bayesian optimisation (issue 12): NPE's
# posterior quality on the conjugate Gaussian model (classifier two-sample
# accuracy against exact draws; 0.5 is perfect) and training time at 1,000
# and 10,000 simulations; BO's evaluations to reach a stated tolerance on a
# noisy quadratic and noisy Branin. SIMS=1000,10000,100000 adds 100k.
set -euo pipefail
BIN="${1:-build}/bin/bench_npe_bo"
echo "\$ bench_npe_bo ${SIMS:-1000,10000}"
"$BIN" "${SIMS:-1000,10000}"
