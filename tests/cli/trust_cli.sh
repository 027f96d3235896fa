#!/usr/bin/env bash
# Hostile input, signals and full disks: every case ends in a clear message
# and exit status (2 for bad input or a failed write, 128 + signal when
# interrupted), never a crash, and leaves nothing under a final name nor any
# temporary behind.
# usage: trust_cli.sh SIMULACRA SCENARIOS_DIR
set -uo pipefail
BIN="$1"; SCEN="$2"
T="$(mktemp -d)"
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# expect STATUS PATTERN CMD...: runs CMD, checks its exit status and that
# stderr matches the extended regex PATTERN.
expect() {
  local want="$1" pattern="$2"; shift 2
  "$@" >"$T/out" 2>"$T/err"
  local rc=$?
  [ "$rc" -eq "$want" ] || { cat "$T/err" >&2; fail "$* exited $rc, expected $want"; }
  grep -Eq -- "$pattern" "$T/err" || { cat "$T/err" >&2; fail "$*: stderr lacks /$pattern/"; }
}

# No temporary of any kind ("*.tmp-<pid>", ".*.tmp-<pid>") under a folder.
no_temporaries() {
  local left
  left="$(find "$1" -name '*.tmp-*' 2>/dev/null)"
  [ -z "$left" ] || fail "temporaries left: $left"
}

phold() {  # a PHOLD scenario named $1 recording events; $2 extra top-level lines
  printf 'name: %s\nseed: 3\nduration: 40s\nengine: {threads: 1}\n%s\npopulations:\n  - name: ph\n    type: phold\n    params: {lps: 256, start_events: 2, remote: 0.5, record: true}\n' "$1" "${2:-}"
}

# --- 1. A scenario's name never chooses a path ------------------------------
mkdir -p "$T/inside/out"
for name in '../escape' '/tmp/abs-escape' 'a/b' 'back\slash' '.hidden' '..' 'runs.csv' 'checkpoints'; do
  phold "$name" > "$T/inside/hostile.yaml"
  expect 2 "hostile.yaml:1:7: name = .*: .*(must not hold '/'|start with '.'|output folder's own)" \
    "$BIN" run "$T/inside/hostile.yaml" -o "$T/inside/out" --quiet
done
expect 2 "--set name=\.\./escape: name = \.\./escape: starts with '\.'" \
  "$BIN" run "$T/inside/hostile.yaml" -o "$T/inside/out" --set name=../escape
[ -z "$(ls -A "$T/inside/out")" ] || fail "a hostile name wrote into the output folder"
[ ! -e "$T/inside/escape.h5" ] && [ ! -e "$T/inside/escape" ] && [ ! -e /tmp/abs-escape.h5 ] || fail "escaped -o"

# --- 2. Stale temporaries of ended processes are removed --------------------
sh -c 'exit 0' & dead=$!; wait "$dead"
mkdir -p "$T/stale/x.tmp-$dead" "$T/stale/checkpoints"
touch "$T/stale/.x.h5.tmp-$dead" "$T/stale/.runs.csv.tmp-$dead" "$T/stale/checkpoints/.c.tmp-$dead" \
      "$T/stale/.live.h5.tmp-$$" "$T/stale/keep.tmp-x"
phold ok > "$T/ok.yaml"
expect 0 "removed 3 temporaries left in .*stale by ended processes" "$BIN" run "$T/ok.yaml" -o "$T/stale"
[ ! -e "$T/stale/x.tmp-$dead" ] && [ ! -e "$T/stale/.x.h5.tmp-$dead" ] && [ ! -e "$T/stale/checkpoints/.c.tmp-$dead" ] \
  || fail "stale temporaries stayed"
[ -e "$T/stale/.live.h5.tmp-$$" ] && [ -e "$T/stale/keep.tmp-x" ] && [ -f "$T/stale/ok.h5" ] \
  || fail "a live process's temporary, another file or the dataset is missing"
rm -rf "$T/stale"

# --- 3. SIGINT / SIGTERM mid-run: clean stop, 130 / 143 ---------------------
set -m  # job control: a background job keeps SIGINT (shells ignore it otherwise)
for sig in INT TERM; do
  out="$T/sig$sig"
  phold long "replicates: 2" | sed 's/duration: 40s/duration: 100000s/' > "$T/long.yaml"
  "$BIN" run "$T/long.yaml" -o "$out" --jobs 1 2>"$T/err" >/dev/null &
  pid=$!
  for _ in $(seq 200); do  # until the first run has its temporary file
    [ -n "$(find "$out" -name '*.tmp-*' 2>/dev/null)" ] && break
    sleep 0.05
  done
  [ -n "$(find "$out" -name '*.tmp-*' 2>/dev/null)" ] || fail "the run never started writing"
  kill -s "$sig" "$pid"
  wait "$pid"; rc=$?
  want=$([ "$sig" = INT ] && echo 130 || echo 143)
  [ "$rc" -eq "$want" ] || { cat "$T/err" >&2; fail "SIG$sig: exit $rc, expected $want"; }
  grep -q "SIG$sig: 0 of 2 runs finished and kept, 1 abandoned (partial files removed), 1 not started" "$T/err" \
    || { cat "$T/err" >&2; fail "SIG$sig: no account of what was lost"; }
  no_temporaries "$out"
  [ -z "$(find "$out" -name '*.h5' 2>/dev/null)" ] || fail "SIG$sig left a dataset under a final name"
done
set +m

# --- 4. A file size limit (as a full disk): exit 2, nothing under a final name
big="$T/fsize"
err="$( (ulimit -f 64; "$BIN" run "$T/ok.yaml" -o "$big" --format hdf5 --quiet) 2>&1 >/dev/null )"; rc=$?
[ "$rc" -eq 2 ] || fail "run past ulimit -f: exit $rc, expected 2 ($err)"
echo "$err" | grep -Eq "error: .*ok\.h5: .*File too large" || fail "run past ulimit -f: message '$err'"
[ ! -e "$big/ok.h5" ] && [ ! -e "$big/runs.csv" ] || fail "run past ulimit -f left a final file"
no_temporaries "$big"
err="$( (ulimit -f 64; "$BIN" run "$T/ok.yaml" -o "$big" --format csv --quiet) 2>&1 >/dev/null )"; rc=$?
[ "$rc" -eq 2 ] || fail "CSV run past ulimit -f: exit $rc, expected 2 ($err)"
[ ! -e "$big/ok" ] || fail "CSV run past ulimit -f left its folder"
no_temporaries "$big"

awk 'BEGIN { print "age,income,town"; for (i = 0; i < 3000; i++) printf "%d,%.2f,t%d\n", 20 + i % 50, 1000 + i * 1.5, i % 40 }' \
  > "$T/people.csv"
err="$( (ulimit -f 4; "$BIN" fit "$T/people.csv" -o "$T/model.h5") 2>&1 >/dev/null )"; rc=$?
[ "$rc" -eq 2 ] || fail "fit past ulimit -f: exit $rc, expected 2 ($err)"
echo "$err" | grep -q "model.h5: cannot write model file (File too large); nothing was written" \
  || fail "fit past ulimit -f: message '$err'"
[ ! -e "$T/model.h5" ] || fail "fit past ulimit -f left a model file"
no_temporaries "$T"
"$BIN" fit "$T/people.csv" -o "$T/model.h5" >/dev/null || fail "fit without a limit"
err="$( (ulimit -f 4; "$BIN" sample "$T/model.h5" -n 20000 -o "$T/synth.csv") 2>&1 >/dev/null )"; rc=$?
[ "$rc" -eq 2 ] || fail "sample past ulimit -f: exit $rc, expected 2 ($err)"
[ ! -e "$T/synth.csv" ] || fail "sample past ulimit -f left a CSV file"
no_temporaries "$T"

# --- 5. Absurd sizes are refused before anything runs -----------------------
expect 2 "replicates = 1000000000: expected .*100000" "$BIN" validate "$T/ok.yaml" --set replicates=1000000000
expect 2 "duration = 1e32d: expected a duration <= 1000000000000 s" "$BIN" validate "$T/ok.yaml" --set duration=1e32d
expect 2 "duration = 99999999999999999999999999999999d: expected" \
  "$BIN" validate "$T/ok.yaml" --set duration=99999999999999999999999999999999d
expect 2 "engine.threads = 4294967295: expected" "$BIN" validate "$T/ok.yaml" --set engine.threads=4294967295
expect 2 "engine.partitions = 4294967295: expected" "$BIN" validate "$T/ok.yaml" --set engine.partitions=4294967295
expect 2 "--threads 4294967295: expected at most 1024 threads" "$BIN" run "$T/ok.yaml" -o "$T/none" --threads 4294967295
expect 2 "--threads 4294967295: expected at most 1024" "$BIN" bench phold --lps 64 --end 5 --threads 4294967295
expect 0 "--threads 1000 capped at [0-9]+ \(the machine has" "$BIN" run "$T/ok.yaml" -o "$T/capped" --threads 1000 --format none
expect 2 "-n 1000000000000: at most 100000000 rows" "$BIN" sample "$T/model.h5" -n 1000000000000 -o "$T/s.csv"
expect 2 "simulacra run: out of memory: the scenario needs more than --max-memory 1\.0 GiB" \
  "$BIN" run "$SCEN/epidemic/town.yaml" -o "$T/none" --max-memory 1G --set 'populations[0].params.persons=2000000000'
expect 2 "--max-memory '12': expected a size" "$BIN" run "$T/ok.yaml" -o "$T/none" --max-memory 12
axis() { seq -s, 1 "$1" | sed 's/^/[/; s/$/]/'; }
{ phold sweep; echo "sweep: {seed: $(axis 3000), populations.ph.params.lps: $(axis 3000)}"; } > "$T/sweep.yaml"
expect 2 "sweep: expands to 9e\+06 runs .*more than the limit of 100000" "$BIN" validate "$T/sweep.yaml"
[ ! -e "$T/none" ] || fail "a refused run created its output folder"

# A sweep of 1,000 values validates in well under a second (it was quadratic).
{ phold sweep; echo "sweep: {seed: $(axis 1000)}"; } > "$T/sweep.yaml"
start=$(date +%s%N)
"$BIN" validate "$T/sweep.yaml" >/dev/null || fail "validating a 1,000-value sweep"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$ms" -lt 1000 ] || fail "validating a 1,000-value sweep took $ms ms"
echo "ok: hostile names, stale temporaries, signals, file size limits, absurd sizes, 1,000-value sweep in $ms ms"
