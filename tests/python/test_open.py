"""simulacra.open and read_runs on what `simulacra run` wrote: the HDF5
files read back equal the CLI's CSV output, runs with their sweep values."""

import os

import pandas as pd
import pytest

import simulacra
from conftest import assert_same_rows, cli_csv_table, cli_provenance, cli_run, scenario


def test_open_equals_csv(tmp_path, town_sets):
    runs = cli_run(scenario("epidemic/town.yaml"), tmp_path, town_sets)
    label = runs["label"][0]
    ds = simulacra.open(os.path.join(tmp_path, label + ".h5"))
    for name in ds.table_names:
        assert_same_rows(ds[name], cli_csv_table(tmp_path, label, name), ds.column_types(name))
    prov = cli_provenance(tmp_path, label)
    assert ds.provenance == prov
    assert ds.runs["seed"][0] == int(prov["seed"])
    assert ds.units["town.daily"]["day"] == "d"
    assert ds.row_meanings["town.infections"].startswith("one infection")


def test_open_same_as_run(tmp_path):
    sets = {"populations[0].params.persons": 800, "duration": "80d"}
    runs = cli_run(scenario("epidemic/town.yaml"), tmp_path, ["%s=%s" % kv for kv in sets.items()])
    opened = simulacra.open(os.path.join(tmp_path, runs["label"][0] + ".h5"))
    ran = simulacra.run(scenario("epidemic/town.yaml"), set=sets)
    for name in ran.table_names:
        pd.testing.assert_frame_equal(opened[name], ran[name], check_categorical=False)


def test_read_runs_of_sweep(tmp_path):
    path = tmp_path / "sweep.yaml"
    path.write_text(open(scenario("engine/birth_death.yaml")).read() +
                    "replicates: 2\nsweep:\n  populations.bd.params.lambda: [1, 1.5]\n")
    cli = cli_run(str(path), tmp_path / "out", ["duration=40s"])
    ds = simulacra.read_runs(tmp_path / "out")
    runs = ds.runs
    assert len(runs) == 4
    assert list(runs["lambda"]) == [1, 1, 1.5, 1.5]
    assert list(runs["replicate"]) == [0, 1, 0, 1]
    assert list(runs["trace_hash"]) == list(cli["trace_hash"])
    table = ds["bd.path"]
    assert list(table.columns) == ["run", "lambda", "time", "level"]
    for run, label in zip(cli["run"], cli["label"]):
        part = table[table["run"] == run]
        csv = cli_csv_table(tmp_path / "out", label, "bd.path")
        assert list(part["level"]) == list(csv["level"])
        assert set(part["lambda"]) == {runs.loc[run, "lambda"]}
    # open() on the folder is read_runs.
    assert len(simulacra.open(tmp_path / "out")) == 4


def test_open_missing_file_is_data_error(tmp_path):
    with pytest.raises(simulacra.DataError) as e:
        simulacra.open(tmp_path / "nothing.h5")
    assert "nothing.h5" in str(e.value)


def test_open_not_a_dataset(tmp_path):
    p = tmp_path / "fake.h5"
    p.write_text("not hdf5")
    with pytest.raises(simulacra.DataError):
        simulacra.open(p)


def test_read_runs_without_listing(tmp_path):
    with pytest.raises(simulacra.DataError) as e:
        simulacra.read_runs(tmp_path)
    assert "runs.csv" in str(e.value)


def test_open_some_tables(tmp_path):
    runs = cli_run(scenario("engine/birth_death.yaml"), tmp_path, ["populations[0].params.start=5"])
    path = os.path.join(tmp_path, runs["label"][0] + ".h5")
    part = simulacra.open(path, tables=["bd.path"])
    assert part.table_names == ["bd.path"]
    pd.testing.assert_frame_equal(part["bd.path"], simulacra.open(path)["bd.path"])
    assert part["bd.path"]["level"].iloc[0] == 5
    with pytest.raises(simulacra.DataError) as e:
        simulacra.open(path, tables=["bd.nothing"])
    assert "bd.nothing" in str(e.value)
