#!/usr/bin/env bash
# `simulacra rare` as a user drives it: bad input is refused with exit 2 and
# nothing written; a good run writes estimate.json, samples.csv and datasets
# whose weights add up to the estimate.
set -euo pipefail
BIN="$1"; SRC="$2"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
S="$SRC/scenarios/engine/birth_death.yaml"

refused() {  # refused "what the message says" args...
  local want="$1"; shift
  set +e
  msg="$("$BIN" rare "$S" -o "$OUT/bad" "$@" 2>&1)"
  rc=$?
  set -e
  if [ "$rc" -ne 2 ]; then echo "expected exit 2 for $*, got $rc: $msg" >&2; exit 1; fi
  if ! grep -qF -- "$want" <<< "$msg"; then echo "expected '$want' for $*, got: $msg" >&2; exit 1; fi
  if [ -e "$OUT/bad" ]; then echo "output written for $*" >&2; exit 1; fi
}
refused "did you mean 'bd.level'" --event "bd.levle >= 10"
refused "never moved" --event "bd.level >= 10" --score "1" --samples 40 --batches 2
refused "gives no score" --event "bd.level >= 10 and t > 3"
refused "expected ams, splitting or is" --event "bd.level >= 10" --method mc
refused "needs --tilt" --event "bd.level >= 10" --method is
refused "not a live parameter" --event "bd.level >= 10" --method is --tilt bd.start
refused "expected populations[i].params.KEY" --event "bd.level >= 10" --method is --tilt nowhere
refused "needs --levels" --event "bd.level >= 10" --method splitting
refused "levels must increase" --event "bd.level >= 10" --method splitting --levels 5,3
refused "expected a share" --event "bd.level >= 10" --balance 1.5

"$BIN" rare "$S" --event "bd.level >= 12" --samples 200 --batches 4 -o "$OUT/ok" --format csv --quiet
test -s "$OUT/ok/estimate.json"
test "$(wc -l < "$OUT/ok/samples.csv")" -eq 201
# Event runs' weights sum to the estimate; every event dataset exists and ends at level 12.
python3 - "$OUT/ok" <<'PY'
import csv, json, os, sys
d = sys.argv[1]
est = json.load(open(os.path.join(d, "estimate.json")))
rows = list(csv.DictReader(open(os.path.join(d, "samples.csv"))))
w = sum(float(r["weight"]) for r in rows if r["event"] == "1")
assert abs(w / est["probability"] - 1) < 1e-6, (w, est["probability"])
truth = (0.5 ** 11) * 0.5 / (1 - 0.5 ** 12)
assert est["ci95"][0] <= truth <= est["ci95"][1] or abs(est["probability"] / truth - 1) < 0.5, (est, truth)
for r in rows:
    if r["event"] == "1":
        path = os.path.join(d, r["dataset"], "bd.path.csv")
        last = open(path).read().strip().splitlines()[-1]
        assert last.endswith(",12"), (path, last)
print("rare: estimate", est["probability"], "truth", truth, "weights ok")
PY
"$BIN" rare "$S" --event "bd.level >= 12" --samples 200 --batches 4 -o "$OUT/bal" --format csv --quiet --balance 0.5 \
  --method splitting --levels 3,6,9
head -1 "$OUT/bal/samples.csv" | grep -q balanced_weight
"$BIN" rare "$S" --event "bd.level >= 12" --method is --tilt "populations[0].params.lambda" --samples 2000 \
  --stage-samples 500 -o "$OUT/is" --datasets none --quiet
python3 - "$OUT/is" <<'PY'
import json, os, sys
e = json.load(open(os.path.join(sys.argv[1], "estimate.json")))
truth = (0.5 ** 11) * 0.5 / (1 - 0.5 ** 12)
assert abs(e["probability"] / truth - 1) < 0.1, (e["probability"], truth)
assert abs(e["mean_weight"] - 1) < 4 * e["mean_weight_se"] + 1e-3, e
print("importance sampling: estimate", e["probability"], "truth", truth, "tilt", e["tilt_value"])
PY
echo "rare CLI ok"
