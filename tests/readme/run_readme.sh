#!/usr/bin/env bash
# Runs every `build/bin/simulacra ...` and `mpirun ... build/bin/simulacra ...`
# command shown in README.md and docs/, in a scratch
# folder that links the source's scenarios/ and the build's bin/, so the README
# cannot show a command that does not work.
set -euo pipefail
SRC="$1"
BUILD="$2"
MPI="${3:-ON}"  # OFF: a build without MPI skips the mpirun lines
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
ln -s "$SRC/scenarios" "$WORK/scenarios"
mkdir -p "$WORK/build"
ln -s "$BUILD/bin" "$WORK/build/bin"
cd "$WORK"
# mpirun as tests/mpi/mpirun.sh runs it: as root too, more ranks than cores.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl="self,vader" OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1
n=0
while IFS= read -r line; do
  cmd="${line%%#*}"            # drop trailing comments
  if [ "$MPI" = OFF ] && [[ "$cmd" == mpirun* ]]; then continue; fi
  echo "+ $cmd"
  eval "$cmd" > /dev/null
  n=$((n + 1))
done < <(grep -hE '^(mpirun -np [0-9]+ )?build/bin/simulacra ' "$SRC/README.md" "$SRC"/docs/*.md)
test "$n" -ge 5
echo "ran $n README commands"
