#!/usr/bin/env bash
# Python module costs (issue 14), as `bash bench/python.sh [BUILD]`:
#  1. the 100,000-person town (scenarios/epidemic/town.yaml) by the CLI into
#     HDF5 and by simulacra.run into DataFrames: CPU seconds (user + sys) of
#     each, and the overhead of Python (import included); then the same at
#     PERSONS persons;
#  2. a PERSONS-person town (default 1,000,000) written by the CLI,
#     then its infections table into pandas by simulacra.open: seconds and rows.
set -euo pipefail
BUILD="${1:-build}"
BIN="$BUILD/bin/simulacra"
PERSONS="${PERSONS:-1000000}"
PY=/usr/bin/python3
export PYTHONPATH="$BUILD/python"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
cpu() {  # command... -> CPU seconds (user + sys) on stdout
  /usr/bin/time -f "%U %S" -o "$OUT/time" "$@" > /dev/null
  awk '{printf "%.2f", $1 + $2}' "$OUT/time"
}
echo "1. town.yaml, 100,000 persons, one run"
for i in 1 2 3; do
  rm -rf "$OUT/cli"
  c=$(cpu "$BIN" run scenarios/epidemic/town.yaml -o "$OUT/cli" --quiet)
  p=$(cpu "$PY" -c 'import simulacra; ds = simulacra.run("scenarios/epidemic/town.yaml", progress=False); [ds[t] for t in ds.table_names]')
  i0=$(cpu "$PY" -c 'import simulacra')
  echo "  trial $i: CLI to HDF5 $c CPU-s; simulacra.run into DataFrames $p CPU-s ($(awk -v a="$p" -v b="$c" 'BEGIN{printf "%+.1f%%", 100*(a/b-1)}') of the CLI; python3 -c 'import simulacra' alone $i0 CPU-s)"
done
echo "1b. the same town with $PERSONS persons, where Python's start no longer dominates"
for i in 1 2; do
  rm -rf "$OUT/cli"
  c=$(cpu "$BIN" run scenarios/epidemic/town.yaml --set "populations[0].params.persons=$PERSONS" -o "$OUT/cli" --quiet)
  p=$(cpu "$PY" -c "import simulacra; ds = simulacra.run('scenarios/epidemic/town.yaml', set={'populations[0].params.persons': $PERSONS}, progress=False); [ds[t] for t in ds.table_names]")
  echo "  trial $i: CLI to HDF5 $c CPU-s; simulacra.run into DataFrames $p CPU-s ($(awk -v a="$p" -v b="$c" 'BEGIN{printf "%+.1f%%", 100*(a/b-1)}') of the CLI, import included)"
done
rm -rf "$OUT/cli"
echo "2. $PERSONS persons: the infections table into pandas"
"$BIN" run scenarios/epidemic/town.yaml --set "populations[0].params.persons=$PERSONS" \
  --set 'outputs.tables=[town.infections]' -o "$OUT/big" --quiet
H5=$(ls "$OUT"/big/*.h5 | head -1)
"$PY" - "$H5" <<'PY'
import sys, time
t0 = time.perf_counter()
import simulacra
t1 = time.perf_counter()
ds = simulacra.open(sys.argv[1])
df = ds["town.infections"]
t2 = time.perf_counter()
print(f"  simulacra.open(...)['town.infections']: {len(df):,} rows x {df.shape[1]} columns in {t2 - t1:.2f} s "
      f"({(t2 - t1) / max(len(df), 1) * 1e9:.0f} ns/row; import {t1 - t0:.2f} s); "
      f"{df.memory_usage(deep=True).sum() / 1e6:.0f} MB in pandas")
PY
