"""Shared fixtures of the Python tests: where the source tree and the
`simulacra` program are (ctest passes them in the environment), running the
CLI as a user would, and reading its CSV output with pandas alone — an
independent reader to check the module against."""

import json
import os
import subprocess

import pandas as pd
import pytest

SOURCE_DIR = os.environ.get("SIMULACRA_SOURCE_DIR",
                            os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
BIN = os.environ.get("SIMULACRA_BIN", os.path.join(SOURCE_DIR, "build", "bin", "simulacra"))


def scenario(rel):
    return os.path.join(SOURCE_DIR, "scenarios", rel)


def cli_run(scenario_path, out, sets=(), extra=()):
    """`simulacra run` into `out`, in HDF5 and CSV; returns runs.csv."""
    cmd = [BIN, "run", scenario_path, "-o", str(out), "--format", "hdf5,csv", "--quiet"]
    for s in sets:
        cmd += ["--set", s]
    cmd += list(extra)
    subprocess.run(cmd, check=True)
    return pd.read_csv(os.path.join(out, "runs.csv"), dtype={"sweep_values": str}, keep_default_na=False)


def cli_csv_table(folder, label, table):
    """A table from the CLI's CSV output, as docs/datasets.md says to read it."""
    return pd.read_csv(os.path.join(folder, label, table + ".csv"), float_precision="round_trip")


def cli_provenance(folder, label):
    with open(os.path.join(folder, label, "provenance.json")) as f:
        return json.load(f)


def assert_same_rows(df, csv_df, types):
    """Every column of `df` equal to the CLI's CSV, value for value; string
    columns compared as str (the CSV reader turns "" into NaN)."""
    assert list(df.columns) == list(csv_df.columns)
    assert len(df) == len(csv_df)
    for col in df.columns:
        if types[col] == "string":
            assert list(df[col].astype(str)) == list(csv_df[col].fillna("").astype(str)), col
        elif types[col] == "float64":
            pd.testing.assert_series_equal(df[col].reset_index(drop=True), csv_df[col].astype("float64"),
                                           check_names=False, check_exact=True)
        elif types[col] == "bool":
            assert df[col].dtype == bool, col
            assert (df[col].to_numpy() == csv_df[col].astype(bool).to_numpy()).all(), col
        else:
            assert df[col].dtype == "int64", col
            assert (df[col].to_numpy() == csv_df[col].to_numpy()).all(), col


@pytest.fixture(scope="session")
def town_sets():
    """The town at test scale (small, with every intervention of its timeline)."""
    return ["populations[0].params.persons=3000", "duration=80d"]
