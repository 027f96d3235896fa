#!/usr/bin/env bash
# fit -> sample -> evaluate -> inspect on a customer table as users have it
# (an id, a signup date, a region, an income with two decimals, a score with
# empty cells, an e-mail): the kinds fit prints, fresh ids in the real
# format, the missing rate kept, dates in range and format (not only
# observed ones), exact copies without ids; bad --type is exit 2 with
# file:line:column.
set -euo pipefail
BIN="$1"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
fail() { echo "FAIL: $*" >&2; exit 1; }

python3 - <<'PY'
import math, random
rnd = random.Random(7)
regions = ["east", "north", "south", "west"]
with open("customers.csv", "w") as f:
    f.write("customer_id,signup,region,income,score,email\n")
    for i in range(5000):
        r = rnd.randrange(4)
        # Days 1-20 of each month only: a sampled 21st-31st is not an observed
        # date (the gap gets the smoothed mass of its neighbours, ~1/n each).
        date = "2023-%02d-%02d" % (rnd.randrange(12) + 1, rnd.randrange(20) + 1)
        z = rnd.gauss(0, 1)
        income = round((34000 if r == 1 else 52000) * math.exp(0.35 * z), 2)
        score = "" if rnd.random() < (0.30 if r == 1 else 0.08) else "%.1f" % (600 + 60 * z + 30 * rnd.gauss(0, 1))
        f.write("C%06d,%s,%s,%.2f,%s,%s.%d@mail.org\n" % (1000 + i, date, regions[r], income, score,
                                                            rnd.choice(["ann", "bob", "eve"]), i))
PY

"$BIN" fit customers.csv -o model.h5 > fit.txt 2> fit.err || fail "fit: $(cat fit.err)"
cat fit.txt
for want in 'customer_id (id, fresh: "C" + numbers of 6 digits from 6000)' 'signup (datetime %Y-%m-%d)' \
            'region (categorical, 4 levels)' 'income (numeric, 2 decimals)' 'score (numeric, 1 decimal, ' \
            '% empty: modelled as score.missing)' 'email (id, e-mails, fresh: e-mails aaa.9999@example.com)'; do
  grep -qF -- "$want" fit.txt || fail "fit did not print '$want'"
done
grep -q "warning: column 'email' looks like e-mails (personal data)" fit.err || fail "no personal-data warning"

"$BIN" sample model.h5 -n 5000 -o synth.csv --seed 3 > sample.txt
cat sample.txt
python3 - <<'PY'
import csv, re
real = list(csv.DictReader(open("customers.csv")))
synth = list(csv.DictReader(open("synth.csv")))
assert len(synth) == 5000
ids = [r["customer_id"] for r in synth]
assert len(set(ids)) == len(ids), "ids repeat"
assert not set(ids) & {r["customer_id"] for r in real}, "a real id was sampled"
assert all(re.fullmatch(r"C\d{6}", i) for i in ids), "ids lost their format"
emails = [r["email"] for r in synth]
assert not set(emails) & {r["email"] for r in real}, "a real e-mail was sampled"
assert all(e.endswith("@example.com") for e in emails)
dates = [r["signup"] for r in synth]
assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", d) for d in dates), "dates lost their format"
lo, hi = min(r["signup"] for r in real), max(r["signup"] for r in real)
assert all(lo <= d <= hi for d in dates), "a date out of range"
unseen = sum(int(d[8:]) > 20 for d in dates)
print("sampled dates on a 21st-31st (never observed): %d of %d" % (unseen, len(dates)))
assert unseen >= 25, "only observed dates: %d" % unseen
assert all(re.fullmatch(r"-?\d+\.\d\d", r["income"]) for r in synth), "income lost its two decimals"
rate = lambda rows: sum(r["score"] == "" for r in rows) / len(rows)
north = lambda rows: [r for r in rows if r["region"] == "north"]
print("missing score: real %.4f synthetic %.4f; in the north real %.4f synthetic %.4f"
      % (rate(real), rate(synth), rate(north(real)), rate(north(synth))))
assert abs(rate(real) - rate(synth)) <= 0.02, "missing rate not kept"
assert abs(rate(north(real)) - rate(north(synth))) <= 0.05, "missingness lost its link to region"
PY

"$BIN" evaluate customers.csv synth.csv > eval.txt
cat eval.txt
grep -q "of synthetic rows (ids excluded: customer_id email)" eval.txt || fail "evaluate counted ids in exact copies"
grep -q "score.missing  1-TV" eval.txt || fail "evaluate did not compare the missing rate"

"$BIN" inspect model.h5 > inspect.txt
cat inspect.txt
grep -q "^model: copula" inspect.txt || fail "inspect: no model kind"
grep -qF "  signup (datetime %Y-%m-%d)" inspect.txt || fail "inspect: no column kinds"

# Dates as bounds and conditions, empty cells as a condition.
"$BIN" fit customers.csv -o june.h5 --max signup=2023-06-30 > /dev/null 2>&1
"$BIN" sample june.h5 -n 2000 -o june.csv --where score= > /dev/null
python3 - <<'PY'
import csv
rows = list(csv.DictReader(open("june.csv")))
assert max(r["signup"] for r in rows) <= "2023-06-30", "--max on a date ignored"
assert sum(r["signup"] == "2023-06-30" for r in rows) + sum(r["signup"][:7] == "2023-06" for r in rows) > 0
assert all(r["score"] == "" for r in rows), "--where score= (empty) ignored"
PY

# Overrides: forced kinds are used, and one that does not fit is exit 2 with the cell's position.
"$BIN" fit customers.csv -o forced.h5 --type customer_id=categorical --type signup=categorical > forced.txt
grep -qF "customer_id (categorical, 5000 levels)" forced.txt || fail "--type customer_id=categorical ignored"
set +e
"$BIN" fit customers.csv -o bad.h5 --type signup=numeric 2> bad.err; status=$?
set -e
[ "$status" -eq 2 ] || fail "--type signup=numeric: exit $status, expected 2"
grep -q "customers.csv:2:9: column 'signup' is numeric but '2023-" bad.err || fail "no position: $(cat bad.err)"
set +e
"$BIN" fit customers.csv -o bad.h5 --type region=datetime 2> bad.err; status=$?
set -e
[ "$status" -eq 2 ] || fail "--type region=datetime: exit $status, expected 2"
grep -q "customers.csv:2:20: column 'region' is datetime but '[a-z]*' is in none of the formats" bad.err \
  || fail "no position: $(cat bad.err)"
[ ! -e bad.h5 ] || fail "a refused fit wrote a model"
echo "learned kinds: ok"
