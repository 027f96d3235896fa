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
refused "never moved" --event "bd.level >= 10" --method is --tilt bd.lambda --score "1" --stage-samples 50 --samples 50
refused "not a live parameter" --event "bd.level >= 10" --method is --tilt bd.start
refused "expected populations[i].params.KEY" --event "bd.level >= 10" --method is --tilt nowhere
refused "needs --levels" --event "bd.level >= 10" --method splitting
refused "levels must increase" --event "bd.level >= 10" --method splitting --levels 5,3
refused "give levels below 0" --event "bd.level >= 10" --method splitting --levels 3,6
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
        # The dataset carries its own weight and label in a samples table.
        inner = list(csv.DictReader(open(os.path.join(d, r["dataset"], "samples.csv"))))
        assert len(inner) == 1, inner
        assert inner[0]["run"] == r["run"] and inner[0]["label"] == "event", inner
        assert inner[0]["event"] in ("1", "true"), inner
        assert float(inner[0]["weight"]) == float(r["weight"]), (inner, r)
        assert inner[0]["branch_path"] == r["branch_path"], (inner, r)
print("rare: estimate", est["probability"], "truth", truth, "weights ok")
PY
"$BIN" rare "$S" --event "bd.level >= 12" --samples 200 --batches 4 -o "$OUT/bal" --format csv --quiet --balance 0.5 \
  --method splitting --score bd.level --levels 3,6,9
head -1 "$OUT/bal/samples.csv" | grep -q balanced_weight
# Half the written datasets are event runs; their samples tables' weights
# (balancing undone) still sum to the estimate.
python3 - "$OUT/bal" <<'PY'
import csv, json, os, sys
d = sys.argv[1]
est = json.load(open(os.path.join(d, "estimate.json")))
rows = [r for r in csv.DictReader(open(os.path.join(d, "samples.csv"))) if r["dataset"]]
inner = [next(csv.DictReader(open(os.path.join(d, r["dataset"], "samples.csv")))) for r in rows]
events = [x for x in inner if x["label"] == "event"]
assert abs(len(events) / len(inner) - 0.5) < 0.05, (len(events), len(inner))
w = sum(float(x["weight"]) for x in events)
assert abs(w / est["probability"] - 1) < 1e-6, (w, est["probability"])
for r, x in zip(rows, inner):
    assert float(x["weight"]) == float(r["balanced_weight"]) and float(x["sampling_weight"]) == float(r["weight"])
print("balanced:", len(events), "event datasets of", len(inner))
PY
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
