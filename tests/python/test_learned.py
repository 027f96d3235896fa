"""simulacra.fit / Model.sample / evaluate against `simulacra fit`,
`sample` and `evaluate` on the same table, and closed forms of the metrics
(a table against itself)."""

import json
import subprocess

import numpy as np
import pandas as pd
import pytest

import simulacra
from conftest import BIN, SOURCE_DIR

PERSONS = SOURCE_DIR + "/scenarios/epidemic/models/persons.csv"


@pytest.fixture(scope="module")
def persons():
    return pd.read_csv(PERSONS)


@pytest.mark.parametrize("kind", ["copula", "bayesnet"])
def test_same_samples_as_cli(kind, persons, tmp_path):
    model = tmp_path / "m.h5"
    subprocess.run([BIN, "fit", PERSONS, "--model", kind, "-o", str(model)], check=True, capture_output=True)
    subprocess.run([BIN, "sample", str(model), "-n", "500", "--seed", "7", "-o", str(tmp_path / "s.csv")],
                   check=True, capture_output=True)
    cli = pd.read_csv(tmp_path / "s.csv")
    m = simulacra.fit(persons, model=kind)
    assert m.kind == kind
    mine = m.sample(500, seed=7)
    assert list(mine.dtypes) == [np.int64, np.int64]  # whole-number columns stay whole
    pd.testing.assert_frame_equal(mine, cli)
    # The CLI's model file loads and samples the same.
    pd.testing.assert_frame_equal(simulacra.load_model(model).sample(500, seed=7), cli)
    assert not mine.equals(m.sample(500, seed=8))


def test_save_and_where(persons, tmp_path):
    m = simulacra.fit(persons)
    m.save(tmp_path / "m.h5")
    again = simulacra.load_model(tmp_path / "m.h5")
    pd.testing.assert_frame_equal(again.sample(200, seed=3), m.sample(200, seed=3))
    fixed = m.sample(300, where={"household_size": 4}, seed=1)
    assert (fixed["household_size"] == 4).all()
    with pytest.raises(simulacra.DataError):
        m.sample(10, where={"no_such_column": 1})


def test_categorical_columns():
    rng = np.random.default_rng(5)
    code = rng.choice(["1", "2", "3"], size=400, p=[0.6, 0.3, 0.1])  # numeric-looking text
    df = pd.DataFrame({"code": code, "x": rng.normal(size=400)})
    m = simulacra.fit(df, model="bayesnet")
    assert [c[1] for c in m.columns] == ["categorical", "numeric"]
    s = m.sample(4000, seed=2)
    assert isinstance(s["code"].dtype, pd.CategoricalDtype)
    share = s["code"].astype(str).value_counts(normalize=True)
    real = pd.Series(code).value_counts(normalize=True)
    for level in ("1", "2", "3"):
        assert abs(share[level] - real[level]) < 0.05


def test_ids_dates_and_empty_cells():
    rng = np.random.default_rng(3)
    n = 2000
    region = rng.choice(["north", "south"], n)
    score = rng.normal(600, 50, n).round(1)
    score[rng.random(n) < np.where(region == "north", 0.3, 0.05)] = np.nan
    df = pd.DataFrame({"customer_id": ["C%05d" % i for i in range(n)],
                       "signup": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
                       "region": region, "score": score})
    m = simulacra.fit(df)
    assert [c[0] for c in m.columns] == ["signup", "region", "score", "score.missing"]  # the model's columns
    s = m.sample(4000, seed=2)
    assert list(s.columns) == list(df.columns)
    ids = s["customer_id"].astype(str)
    assert ids.is_unique and not set(ids) & set(df["customer_id"])
    assert ids.str.fullmatch(r"C\d{5}").all()
    assert s["signup"].dtype.kind == "M"
    assert df["signup"].min() <= s["signup"].min() and s["signup"].max() <= df["signup"].max()
    assert abs(s["score"].isna().mean() - df["score"].isna().mean()) < 0.02
    north = s["region"].astype(str) == "north"
    assert s["score"][north].isna().mean() > 3 * s["score"][~north].isna().mean()


def test_evaluate_matches_cli(persons, tmp_path):
    synth = simulacra.fit(persons).sample(1000, seed=4)
    synth.to_csv(tmp_path / "synth.csv", index=False)
    subprocess.run([BIN, "evaluate", PERSONS, str(tmp_path / "synth.csv"), "--json", str(tmp_path / "e.json")],
                   check=True, capture_output=True)
    e = simulacra.evaluate(persons, synth)
    assert json.loads(e.to_json()) == json.load(open(tmp_path / "e.json"))
    assert e["synthetic_rows"] == 1000 and e["real_rows"] == len(persons)
    assert set(e["columns"]) == {"age", "household_size"}


def test_evaluate_identical_tables(persons):
    e = simulacra.evaluate(persons, persons).to_dict()
    assert e["mean_ks"] == 1.0 and e["correlation_diff"] == 0.0
    assert e["exact_copy_share"] == 1.0
    assert all(score == 1.0 for _, score in e["columns"].values())


def test_evaluate_missing_column(persons):
    with pytest.raises(simulacra.DataError):
        simulacra.evaluate(persons, persons[["age"]])


def test_neural_fit_reports_epochs_and_loss(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.normal(size=300)
    df = pd.DataFrame({"a": x, "b": 2 * x + rng.normal(scale=0.5, size=300), "c": rng.choice(["u", "v"], 300)})
    seen = []
    simulacra.fit(df, model="neural", epochs=12, progress=lambda done, total, loss: seen.append((done, total, loss)))
    assert [s[0] for s in seen] == list(range(1, 13))
    assert all(s[1] == 12 and np.isfinite(s[2]) for s in seen)
    # The CLI prints the same on standard error, and nothing with --quiet.
    csv = tmp_path / "t.csv"
    df.to_csv(csv, index=False)
    out = subprocess.run([BIN, "fit", str(csv), "--model", "neural", "--epochs", "12", "-o", str(tmp_path / "m.h5")],
                         capture_output=True, text=True, check=True)
    assert "epochs 12/12 (100%), loss " in out.stderr, out.stderr
    quiet = subprocess.run([BIN, "fit", str(csv), "--model", "neural", "--epochs", "12", "--quiet",
                            "-o", str(tmp_path / "q.h5")], capture_output=True, text=True, check=True)
    assert "epochs" not in quiet.stderr
