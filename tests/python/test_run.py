"""simulacra.run against `simulacra run`: same scenario and seed, same rows,
same trace hash; types as documented; replicates and sweeps as runs."""

import numpy as np
import pandas as pd
import pytest

import simulacra
from conftest import assert_same_rows, cli_csv_table, cli_provenance, cli_run, scenario

TOWN = scenario("epidemic/town.yaml")


@pytest.fixture(scope="module")
def town(tmp_path_factory, town_sets):
    out = tmp_path_factory.mktemp("town")
    runs = cli_run(TOWN, out, town_sets)
    sets = dict(s.split("=", 1) for s in town_sets)
    return out, runs, simulacra.run(TOWN, set=sets)


def test_same_rows_as_cli(town):
    out, runs, ds = town
    label = runs["label"][0]
    assert ds.table_names == ["town.infections", "town.transitions", "town.persons", "town.daily"]
    for name in ds.table_names:
        assert_same_rows(ds[name], cli_csv_table(out, label, name), ds.column_types(name))
    assert len(ds["town.infections"]) > 100  # an epidemic happened: the comparison compared something


def test_same_provenance_as_cli(town):
    out, runs, ds = town
    prov = cli_provenance(out, runs["label"][0])
    assert ds.provenance["trace_hash"] == prov["trace_hash"] == runs["trace_hash"][0]
    assert ds.provenance["scenario"] == prov["scenario"]
    assert ds.provenance["interface"] == "python"
    for key in ("seed", "committed_events", "time_unit", "duration_s", "run_label"):
        assert ds.provenance[key] == prov[key], key


def test_column_types(town):
    _, _, ds = town
    inf = ds["town.infections"]
    assert inf["infectee"].dtype == np.int64
    assert inf["time"].dtype == np.float64
    assert isinstance(inf["layer"].dtype, pd.CategoricalDtype)  # few distinct values, many rows
    assert all(isinstance(v, str) for v in inf["layer"].cat.categories)
    assert set(inf["layer"].cat.categories) <= {"household", "school", "work", "community", "importation", "seed"}
    daily = ds["town.daily"]
    assert daily["vaccination"].dtype == bool
    # The vaccination campaign starts on day 60.
    assert not daily.loc[daily["day"] < 60, "vaccination"].any()
    assert daily.loc[daily["day"] > 60, "vaccination"].all()
    # Schools close on day 30: the school contacts drop then.
    assert daily.loc[daily["day"] == 35, "school_contacts"].max() < daily.loc[daily["day"] == 5, "school_contacts"].min()


def test_strings_as_str(town_sets):
    sets = dict(s.split("=", 1) for s in town_sets)
    ds = simulacra.run(TOWN, set=sets, strings="str")
    col = ds["town.infections"]["layer"]
    assert col.dtype == object and all(type(v) is str for v in col)


def test_times_and_units(town):
    _, _, ds = town
    assert ds.provenance["time_unit"] == "d"
    assert ds.units["town.infections"]["time"] == "d"
    td = ds.table("town.infections", timedelta=True)
    secs = td["time"].dt.total_seconds().to_numpy()
    np.testing.assert_allclose(secs, ds["town.infections"]["time"].to_numpy() * 86400.0, rtol=1e-12)


def test_arrays_not_copied(town):
    _, _, ds = town
    df = ds["town.persons"]
    assert df is ds["town.persons"]  # built once
    # Each numeric column is a view of the vector the run filled (what the C++
    # core handed over), not a pandas copy or a consolidated block.
    handed = {c["name"]: c["values"] for t in ds._runs[0]["dataset"]["tables"] if t["name"] == "town.persons"
              for c in t["columns"]}
    for col in ("id", "age", "household", "school", "workplace"):
        assert np.shares_memory(df[col].to_numpy(), handed[col]), col


def test_threads_do_not_change_rows(town_sets):
    sets = dict(s.split("=", 1) for s in town_sets)
    one = simulacra.run(TOWN, set=sets, threads=1)
    two = simulacra.run(TOWN, set=sets, threads=2)
    assert one.provenance["trace_hash"] == two.provenance["trace_hash"]
    pd.testing.assert_frame_equal(one["town.infections"], two["town.infections"])


def test_replicates_as_runs(tmp_path):
    sets = {"populations[0].params.persons": 500, "duration": "80d"}
    ds = simulacra.run(TOWN, set=sets, replicates=3)
    cli = cli_run(TOWN, tmp_path, ["%s=%s" % kv for kv in sets.items()] + ["replicates=3"])
    runs = ds.runs
    assert list(runs["run"]) == [0, 1, 2]
    assert list(runs["replicate"]) == [0, 1, 2]
    assert [int(s) for s in runs["seed"]] == list(cli["seed"])
    assert list(runs["trace_hash"]) == list(cli["trace_hash"])
    inf = ds["town.infections"]
    assert list(inf.columns[:1]) == ["run"]
    for run, label in zip(cli["run"], cli["label"]):
        part = inf[inf["run"] == run].drop(columns="run").reset_index(drop=True)
        assert_same_rows(part, cli_csv_table(tmp_path, label, "town.infections"), ds.column_types("town.infections"))


def test_sweep_values_in_columns():
    text = open(scenario("engine/birth_death.yaml")).read() + "sweep:\n  populations.bd.params.mu: [1, 3]\n"
    ds = simulacra.run(text, set={"duration": "50s"})
    runs = ds.runs
    assert list(runs["mu"]) == [1, 3]
    assert runs["mu"].dtype.kind in "if"
    path = ds["bd.path"]
    assert set(path["mu"]) == {1, 3}
    assert (path.groupby("run")["mu"].nunique() == 1).all()


def test_gamblers_ruin_closed_form():
    # lambda = mu: from level 1, the chain reaches 5 before 0 with probability 1/5.
    text = ("name: ruin\nseed: 3\nduration: 1000s\nreplicates: 1000\n"
            "populations:\n  - {name: bd, type: birth_death, params: {lambda: 1, mu: 1, start: 1}}\n"
            "stop_when: {condition: \"bd.level <= 0 or bd.level >= 5\", every: 1s}\n")
    ds = simulacra.run(text, progress=False)
    last = ds["bd.path"].groupby("run")["level"].last()
    assert len(last) == 1000 and set(last) <= {0, 5}
    p = (last == 5).mean()
    assert abs(p - 0.2) < 4 * np.sqrt(0.2 * 0.8 / 1000), p


def test_observables_table():
    text = open(scenario("engine/birth_death.yaml")).read().replace(
        "stop_when:", "observe: {every: 1s}\nstop_when:")
    ds = simulacra.run(text, set={"populations[0].params.start": 3})
    obs = ds.observables
    assert list(obs.columns) == ["time", "name", "value"]
    level = obs[obs["name"] == "bd.level"].reset_index(drop=True)
    assert len(level) > 1
    path = ds["bd.path"]
    # The level observed at time t is the path's last level before t.
    for t, v in zip(level["time"], level["value"]):
        before = path[path["time"] < t]["level"]
        assert v == (before.iloc[-1] if len(before) else 3)


def test_no_observables_is_empty():
    ds = simulacra.run(scenario("engine/birth_death.yaml"))
    assert list(ds.observables.columns) == ["time", "name", "value"] and len(ds.observables) == 0
