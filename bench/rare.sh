#!/usr/bin/env bash
# Rare-event sampling (issue 13): probability estimate, relative error,
# simulated events, wall time and the gain over crude Monte Carlo at equal
# simulated events, for the M/M/1 chain (exact answer known) and real
# populations. `simulacra rare` writes estimate.json; this prints its figures.
set -euo pipefail
BIN="${1:-build}/bin/simulacra"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
case_() {
  local name="$1"; shift
  echo "\$ simulacra rare $*"
  "$BIN" rare "$@" -o "$OUT/$name" --datasets none --quiet
  python3 - "$OUT/$name/estimate.json" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))
print(f"  probability {e['probability']:.4g}  95% [{e['ci95'][0]:.3g}, {e['ci95'][1]:.3g}]  relative error {100*e['relative_error']:.1f}%")
print(f"  {e['simulated_events']} events simulated in {e['wall_seconds']:.1f} s wall; {e['event_runs']} event runs")
print(f"  crude Monte Carlo: {e['crude_mc_runs_same_error']:.3g} runs for this error; gain at equal events {e['gain_over_crude_mc']:.3g}x")
PY
  echo
}
echo "exact M/M/1 value for N = 30: 9.3132e-10"
case_ mm1 scenarios/engine/birth_death.yaml --event "bd.level >= 30" --samples 1000 --batches 10
case_ mm1_is scenarios/engine/birth_death.yaml --event "bd.level >= 30" --method is --tilt bd.lambda --samples 4000
case_ outbreak scenarios/epidemic/outbreak_watch.yaml --event "town.cumulative_infections >= 300" \
  --score "town.cumulative_infections + town.exposed + town.presymptomatic + town.symptomatic + town.asymptomatic" \
  --samples 1000 --batches 10
case_ market scenarios/market/reference_day.yaml --set populations[0].params.session_close=30min --set duration=31min \
  --event "drawdown >= 0.05" --every 10s --samples 400 --batches 8
case_ market_rarer scenarios/market/reference_day.yaml --set populations[0].params.session_close=30min --set duration=31min \
  --event "drawdown >= 0.065" --every 10s --samples 400 --batches 8
case_ merge scenarios/traffic/highway_merge_distracted.yaml --set duration=5min \
  --event "highway.collisions >= 1" --score "-highway.min_ttc_last_step" --every 1s --samples 200 --batches 4
