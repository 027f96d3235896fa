#!/usr/bin/env bash
# Synthetic recovery (issue 12's bar): the 10,000-person recovery town's daily
# new infections (beta = 0.05, community contacts cut on day 30, seed 99) give
# back beta and the day by sequential NPE and by ABC-SMC, each within 5,000
# simulations — medians within 10 % of the truth and 90 % intervals covering it.
set -euo pipefail
BIN="$1"; DATA="$2"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
check() {  # report.json
python3 - "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["simulations"] <= 5000, r["simulations"]
truth = {"populations[0].params.beta": 0.05, "timeline[0].at": 30.0}
for p in r["parameters"]:
    t = truth[p["name"]]
    print(f"{r['method']} {p['name']}: median {p['median']:.4g} ({100 * (p['median'] / t - 1):+.1f}%), 90% [{p['q05']:.4g}, {p['q95']:.4g}], truth {t:g}")
    assert abs(p["median"] / t - 1) < 0.10, p
    assert p["q05"] <= t <= p["q95"], p
PY
}
ARGS=(--observed "$DATA/data/recovery_cases.csv" --target "town.new_infections_last_day ~ cases | poisson"
      --fit "populations[0].params.beta=loguniform(0.01,0.2)" --fit "timeline[0].at=uniform(10d,60d)"
      --budget 5000 --predictive 0 --seed 7 --quiet)
"$BIN" calibrate "$DATA/recovery_town.yaml" "${ARGS[@]}" --method npe --rounds 4 --summary-net 0 -o "$OUT/npe"
check "$OUT/npe/report.json"
"$BIN" calibrate "$DATA/recovery_town.yaml" "${ARGS[@]}" --method abc-smc --population 200 -o "$OUT/abc"
check "$OUT/abc/report.json"
