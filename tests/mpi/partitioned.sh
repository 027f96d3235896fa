#!/usr/bin/env bash
# One run partitioned over ranks writes the dataset the same command writes
# as one process: every CSV table and runs.csv byte for byte, every HDF5
# table (h5diff), and the provenance (trace hash included) but for what
# says how it ran: wall times, threads, partitions and ranks.
# usage: partitioned.sh SIMULACRA SCENARIO "RANKS..." "THREADS..." [--set ...]
set -euo pipefail
BIN="$1"; FILE="$2"; RANKS="$3"; THREADS="$4"; shift 4
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
ARGS=("$@")
line="$(grep -m1 '^# test-overrides:' "$FILE" || true)"
if [ -n "$line" ]; then
  read -r -a more <<< "${line#\# test-overrides:}"
  ARGS+=("${more[@]}")
fi

"$BIN" run "$FILE" -o "$OUT/one" --format hdf5,csv --quiet --threads 1 "${ARGS[@]}"
label="$(ls "$OUT/one" | grep -v runs.csv | grep -v '\.h5$' | head -1)"
test -f "$OUT/one/$label.h5"

same_provenance() {  # the keys and values of two provenance.json files, but for how they ran
  python3 - "$1" "$2" <<'EOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
how = {"wall_start", "wall_end", "wall_seconds", "threads", "partitions", "ranks"}
bad = sorted(k for k in set(a) | set(b) if k not in how and a.get(k) != b.get(k))
if bad:
    sys.exit("provenance differs in " + ", ".join(bad))
if b.get("ranks") is None:
    sys.exit("the partitioned run does not record its ranks")
EOF
}

for n in $RANKS; do
  for t in $THREADS; do
    dir="$OUT/r${n}t${t}"
    "$HERE/mpirun.sh" "$n" "$BIN" run "$FILE" -o "$dir" --format hdf5,csv --quiet --threads "$t" "${ARGS[@]}"
    diff "$OUT/one/runs.csv" "$dir/runs.csv"
    diff -r -x provenance.json "$OUT/one/$label" "$dir/$label"
    same_provenance "$OUT/one/$label/provenance.json" "$dir/$label/provenance.json"
    test "$(grep -o '"ranks": "[0-9]*"' "$dir/$label/provenance.json")" = "\"ranks\": \"$n\""
    # Every dataset of the HDF5 file; its provenance (attributes of /) is the
    # CSV folder's provenance.json, compared above.
    h5diff --exclude-attribute / "$OUT/one/$label.h5" "$dir/$label.h5"
    echo "$n ranks x $t threads: identical dataset, trace $(grep -o '"trace_hash": "[0-9a-f]*"' "$dir/$label/provenance.json")"
  done
done
