#!/usr/bin/env bash
# mpirun for the tests: N ranks on this machine, more ranks than cores
# allowed, root allowed (CI and containers run as root), no network probing.
# Usage: tests/mpi/mpirun.sh N command [args...]
set -euo pipefail
n="$1"
shift
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl="self,vader" OMPI_MCA_rmaps_base_oversubscribe=1
# Waiting ranks give their core to working ones (2 cores run 4 ranks).
export OMPI_MCA_mpi_yield_when_idle=1
exec mpirun -np "$n" --oversubscribe "$@"
