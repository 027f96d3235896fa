#!/usr/bin/env bash
# Table targets: a "real" infections table (time and layer of every
# infection of the 3,000-person calibration town run with beta = 0.03, seed
# 99) gives back beta through the KS and TV distances of the simulated
# infections tables; bad table targets are refused with exit 2 and nothing
# written.
set -euo pipefail
BIN="$1"; DATA="$2"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
S="$DATA/calibration_town.yaml"
"$BIN" run "$S" --set seed=99 --set 'outputs.formats=[csv]' -o "$OUT/real" > /dev/null
python3 - "$OUT/real/calibration-town/town.infections.csv" "$OUT" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) > 500, len(rows)
with open(sys.argv[2] + "/infections.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["time", "layer"])
    for r in rows:
        w.writerow([r["time"], r["layer"]])
with open(sys.argv[2] + "/bad_column.csv", "w") as f:
    f.write("time,place\n1,home\n")
with open(sys.argv[2] + "/text_for_number.csv", "w") as f:
    f.write("layer\n1\n2\n")
PY
FIT="populations[0].params.beta=loguniform(0.005,0.2)"

refused() {
  local want="$1"; shift
  set +e
  msg="$("$BIN" calibrate "$S" -o "$OUT/bad" --fit "$FIT" "$@" 2>&1)"
  rc=$?
  set -e
  if [ "$rc" -ne 2 ]; then echo "expected exit 2 for $*, got $rc: $msg" >&2; exit 1; fi
  if ! grep -qF -- "$want" <<< "$msg"; then echo "expected '$want' for $*, got: $msg" >&2; exit 1; fi
  if [ -e "$OUT/bad" ]; then echo "output written for $*" >&2; exit 1; fi
}
refused "no table 'town.infection'" --target "town.infection ~ table($OUT/infections.csv)"
refused "column 'place' is not in table town.infections" --target "town.infections ~ table($OUT/bad_column.csv)"
refused "holds text" --target "town.infections ~ table($OUT/text_for_number.csv)"
refused "takes no aggregation" --target "town.infections ~ table($OUT/infections.csv) | poisson"
refused "missing.csv" --target "town.infections ~ table($OUT/missing.csv)"
refused "missing --observed" --target "town.infections ~ table($OUT/infections.csv)" --target "town.cumulative_infections ~ cases"

"$BIN" calibrate "$S" --target "town.infections ~ table($OUT/infections.csv)" --fit "$FIT" \
  --budget 1000 --population 100 --predictive 0 --seed 3 -o "$OUT/fit" --quiet
python3 - "$OUT/fit/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
p = r["parameters"][0]
print(f"beta from the infections table: median {p['median']:.4g}, 90% [{p['q05']:.4g}, {p['q95']:.4g}], truth 0.03")
assert abs(p["median"] / 0.03 - 1) < 0.15, p
assert p["q05"] <= 0.03 <= p["q95"], p
assert p["identified"], p
PY
