#!/usr/bin/env bash
# `simulacra calibrate` as a user drives it: bad input refused with exit 2 and
# nothing written; beta recovered from a synthetic series made with beta = 0.03.
set -euo pipefail
BIN="$1"; DATA="$2"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
S="$DATA/calibration_town.yaml"
OBS="$DATA/data/calibration_cases.csv"
printf 'time,cases\n2,10\n4,\n6,14\n' > "$OUT/gap.csv"

refused() {
  local want="$1"; shift
  set +e
  msg="$("$BIN" calibrate "$S" -o "$OUT/bad" "$@" 2>&1)"
  rc=$?
  set -e
  if [ "$rc" -ne 2 ]; then echo "expected exit 2 for $*, got $rc: $msg" >&2; exit 1; fi
  if ! grep -qF -- "$want" <<< "$msg"; then echo "expected '$want' for $*, got: $msg" >&2; exit 1; fi
  if [ -e "$OUT/bad" ]; then echo "output written for $*" >&2; exit 1; fi
}
ok_fit="populations[0].params.beta=loguniform(0.005,0.2)"
refused "populations[0].params.bta" --observed "$OBS" --target "town.cumulative_infections ~ cases" --fit "populations[0].params.bta=uniform(0,1)"
refused "which the scenario refuses" --observed "$OBS" --target "town.cumulative_infections ~ cases" --fit "populations[0].params.beta=uniform(-0.1,0.3)"
refused "unknown column 'case'" --observed "$OBS" --target "town.cumulative_infections ~ case" --fit "$ok_fit"
refused "did you mean" --observed "$OBS" --target "town.cumulativ_infections ~ cases" --fit "$ok_fit"
refused "gap.csv:3" --observed "$OUT/gap.csv" --target "town.cumulative_infections ~ cases" --fit "$ok_fit"
refused "unknown distribution" --observed "$OBS" --target "town.cumulative_infections ~ cases" --fit "populations[0].params.beta=beta(1,2)"

"$BIN" calibrate "$S" --observed "$OBS" --target "town.cumulative_infections ~ cases" --fit "$ok_fit" \
  --budget 1500 --population 100 -o "$OUT/ok" --quiet
python3 - "$OUT/ok" <<'PY'
import csv, json, os, sys
d = sys.argv[1]
rep = json.load(open(os.path.join(d, "report.json")))
p = rep["parameters"][0]
assert p["q05"] <= 0.03 <= p["q95"], p
assert abs(p["median"] / 0.03 - 1) < 0.2, p
assert p["identified"], p
rows = list(csv.DictReader(open(os.path.join(d, "posterior.csv"))))
assert len(rows) == 100 and abs(sum(float(r["weight"]) for r in rows) - 1) < 1e-6
assert "beta: " in open(os.path.join(d, "calibrated.yaml")).read()
print("calibrate: beta median", p["median"], "90%", p["q05"], p["q95"])
PY
"$BIN" validate "$OUT/ok/calibrated.yaml"
