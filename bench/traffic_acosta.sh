#!/usr/bin/env bash
# Bologna's Acosta, Simulacra against SUMO on the same files
# (scenarios/traffic/sumo/acosta.sumocfg: network, 8,622 private cars in an
# hour, vTypes, fixed-time programs, 58 induction loops): per loop and
# 30-minute interval, SUMO's nVehContrib against the detectors table's
# count, their correlation and mean absolute percentage difference; SUMO's
# teleports and vehicles left against our gridlock events and vehicles left.
# Skips SUMO (prints only Simulacra's figures) when the sumo binary is not
# installed (Debian package sumo; not a build dependency).
set -euo pipefail
BUILD="${1:-build}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CFG="$ROOT/scenarios/traffic/sumo/acosta.sumocfg"
ACOSTA=/usr/share/sumo/tools/sumolib/scenario/scenarios/RealWorld/acosta
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

echo "\$ simulacra run scenarios/traffic/acosta_sumocfg.yaml"
/usr/bin/time -f "simulacra: %e s wall, %U s user" \
  "$BUILD/bin/simulacra" run "$ROOT/scenarios/traffic/acosta_sumocfg.yaml" -o "$WORK/sim" --quiet
if command -v sumo > /dev/null; then
  # The loops write where the scenario's file says (e1_output.xml beside it,
  # not writable under /usr/share): a copy that writes into $WORK.
  sed "s|file=\"e1_output.xml\"|file=\"$WORK/e1.xml\"|" "$ACOSTA/acosta_detectors.add.xml" > "$WORK/detectors.add.xml"
  echo "\$ sumo -c scenarios/traffic/sumo/acosta.sumocfg (loops writing to a scratch file)"
  /usr/bin/time -o "$WORK/sumo.time" -f "sumo: %e s wall, %U s user" \
    sumo -c "$CFG" --additional-files "$ACOSTA/acosta_vtypes.add.xml,$ACOSTA/acosta_tls.add.xml,$WORK/detectors.add.xml" \
    --no-step-log --no-warnings --duration-log.statistics --statistic-output "$WORK/stats.xml" > "$WORK/sumo.log" 2>&1
  cat "$WORK/sumo.time"
else
  echo "sumo is not installed (apt-get install sumo): Simulacra's figures only"
fi
python3 - "$WORK" <<'PY'
import csv, glob, math, os, sys
import xml.etree.ElementTree as ET
work = sys.argv[1]
def table(name):
    paths = glob.glob(os.path.join(work, "sim", "**", "*" + name + ".csv"), recursive=True)
    with open(paths[0]) as f:
        return list(csv.DictReader(f))
ours = {}
unplaced = set()
for r in table("detectors"):
    if r["count"] in ("", "nan", "NaN"):
        unplaced.add(r["detector"])
        continue
    ours[(r["detector"], float(r["begin"]))] = float(r["count"])
trips = table("trips")
status = {}
for r in trips:
    status[r["status"]] = status.get(r["status"], 0) + 1
gridlocks = sum(1 for r in table("events") if r["event"] == "gridlock")
collisions = sum(1 for r in table("events") if r["event"] == "collision")
print(f"simulacra: {len(trips)} vehicles: " + ", ".join(f"{k} {v}" for k, v in sorted(status.items())) +
      f"; gridlock events {gridlocks}, collisions {collisions}; loops measured {len({k[0] for k in ours})}, "
      f"on edges joined into junctions (NaN) {len(unplaced)}")
e1 = os.path.join(work, "e1.xml")
if not os.path.exists(e1):
    sys.exit(0)
stats = ET.parse(os.path.join(work, "stats.xml")).getroot()
veh, tel = stats.find("vehicles").attrib, stats.find("teleports").attrib
print(f"sumo: loaded {veh['loaded']}, inserted {veh['inserted']}, running at the end {veh['running']}, "
      f"waiting to enter {veh['waiting']}; teleports {tel['total']} (jam {tel['jam']}, yield {tel['yield']}, "
      f"wrong lane {tel['wrongLane']})")
def compare(what, pairs):
    xs, ys = [p[0] for p in pairs], [p[1] for p in pairs]
    n = len(pairs)
    mx, my = sum(xs) / n, sum(ys) / n
    cov = sum((x - mx) * (y - my) for x, y in pairs)
    r = cov / math.sqrt(sum((x - mx) ** 2 for x in xs) * sum((y - my) ** 2 for y in ys))
    nz = [(x, y) for x, y in pairs if x > 0]
    mapd = 100.0 * sum(abs(y - x) / x for x, y in nz) / len(nz)
    big = [(x, y) for x, y in pairs if x >= 100]
    mapd_big = 100.0 * sum(abs(y - x) / x for x, y in big) / len(big)
    print(f"{what}: {n} pairs, sums SUMO {sum(xs):.0f} / Simulacra {sum(ys):.0f}, correlation {r:.3f}, "
          f"mean absolute percentage difference {mapd:.1f}% (over {len(nz)} with SUMO > 0; "
          f"{mapd_big:.1f}% over the {len(big)} with SUMO >= 100)")
sumo = {}
for i in ET.parse(e1).getroot().iter("interval"):
    sumo[(i.get("id"), float(i.get("begin")))] = float(i.get("nVehContrib"))
keys = [k for k in sumo if k in ours]
compare("per loop (lane) and 30-min interval", [(sumo[k], ours[k]) for k in keys])
# Loops named "site__lN" measure the lanes of one cross-section: summed,
# the comparison no longer depends on which lane a vehicle took.
site = lambda k: (k[0].split("__l")[0], k[1])
sums = {}
for k in keys:
    a, b = sums.get(site(k), (0.0, 0.0))
    sums[site(k)] = (a + sumo[k], b + ours[k])
compare("per cross-section (lanes summed) and interval", list(sums.values()))
PY
