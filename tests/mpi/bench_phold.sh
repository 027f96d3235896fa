#!/usr/bin/env bash
# `simulacra bench phold` partitioned over 2 and 4 ranks commits the events of
# one process, with its trace hash, and reports its windows and traffic.
# usage: bench_phold.sh SIMULACRA
set -euo pipefail
BIN="$1"
HERE="$(cd "$(dirname "$0")" && pwd)"
ARGS=(--lps 512 --start-events 4 --end 40 --remote 0.25 --lookahead 0.1 --mean 1.0)
one="$("$BIN" bench phold "${ARGS[@]}")"
want="$(grep -e '^committed_events' -e '^trace_hash' <<< "$one")"
test "$(grep -c . <<< "$want")" -eq 2
for n in 2 4; do
  out="$("$HERE/mpirun.sh" "$n" "$BIN" bench phold "${ARGS[@]}" --threads 2)"
  got="$(grep -e '^committed_events' -e '^trace_hash' <<< "$out")"
  if [ "$got" != "$want" ]; then printf 'one process:\n%s\n%d ranks:\n%s\n' "$want" "$n" "$got" >&2; exit 1; fi
  grep -q "^ranks  *$n " <<< "$out"
  grep -q '^bytes_per_window  *[1-9]' <<< "$out"
  test "$(grep -c '^trace_hash' <<< "$out")" -eq 1  # rank 0 alone prints
  echo "$n ranks: $got"
done
