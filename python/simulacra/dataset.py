"""Dataset: the tables of one run or of many (replicates, sweep points) as
pandas DataFrames, with their provenance, units and the list of runs.
Made by run(), open() and read_runs(), and by Session.finish()."""

import builtins
import os

import numpy as np
import pandas as pd

from . import _convert, _core

# Columns of Dataset.runs before the sweep values, and after them.
_RUN_KEYS = ["run", "label", "sweep_point", "replicate", "seed"]
_RUN_RESULTS = ["trace_hash", "committed_events", "end_s", "stop_reason", "wall_seconds"]


class Dataset:
    """Tables of one or more runs of a scenario.

    ds[name] / ds.table(name) is a pandas DataFrame: int64, float64 and bool
    columns as NumPy arrays of those types, string columns as str (pandas
    categoricals when repeated, see `strings`). Values are as the HDF5 file
    holds them: time columns in the scenario's time_unit (ds.units gives
    every column's unit; table(name, timedelta=True) turns time columns
    into pandas Timedeltas). With several runs, each table is the runs'
    rows one run after another, with a leading `run` column and one column
    per sweep value.
    """

    def __init__(self, runs, strings="auto"):
        # runs: [{"plan": {...}, "dataset": {"tables": [...], "provenance": {...}}}]
        if not runs:
            raise ValueError("a Dataset needs at least one run")
        self._runs = runs
        self._strings = strings
        self._frames = {}
        first = runs[0]["dataset"]["tables"]
        self._schema = {t["name"]: t for t in first}
        self._names = [t["name"] for t in first]
        paths = [p for p, _ in runs[0]["plan"]["sweep"]]
        self._sweep_names = _convert.sweep_column_names(paths)
        self._plot = None

    # ----------------------------------------------------------------- tables
    @property
    def table_names(self):
        """Table names in the order the dataset declares them."""
        return list(self._names)

    def __contains__(self, name):
        return name in self._schema

    def __getitem__(self, name):
        return self.table(name)

    def __iter__(self):
        return iter(self._names)

    def table(self, name, timedelta=False):
        """Table `name` as a DataFrame (built once, then cached: modify a
        copy). timedelta=True returns a copy whose columns with a time unit
        are pandas Timedeltas. Raises KeyError naming the tables there are."""
        if name not in self._schema:
            raise KeyError("no table %r in this dataset; tables: %s" % (name, ", ".join(self._names)))
        if name not in self._frames:
            self._frames[name] = self._build(name)
        df = self._frames[name]
        if not timedelta:
            return df
        out = df.copy()
        for col, unit in self.units[name].items():
            if unit in _convert.TIME_UNITS:
                with np.errstate(invalid="ignore"):  # NaN (no value) becomes NaT
                    out[col] = pd.to_timedelta(out[col] * _convert.TIME_UNITS[unit], unit="s")
        return out

    @property
    def tables(self):
        """{name: DataFrame} for every table (builds all of them)."""
        return {name: self.table(name) for name in self._names}

    def _build(self, name):
        frames = []
        for r in self._runs:
            t = next((t for t in r["dataset"]["tables"] if t["name"] == name), None)
            if t is None:
                raise _core.DataError("run %s has no table %r" % (r["plan"]["label"], name))
            frames.append(_convert.frame(t, self._strings))
        if len(frames) == 1:
            return frames[0]
        for df, r in zip(frames, self._runs):
            df.insert(0, "run", r["plan"]["run"])
            for i, (path, value) in enumerate(r["plan"]["sweep"]):
                df.insert(1 + i, self._sweep_names[path], value)
        out = pd.concat(frames, ignore_index=True)
        for i, (path, _) in enumerate(self._runs[0]["plan"]["sweep"]):
            out[self._sweep_names[path]] = _convert.typed(out[self._sweep_names[path]])
        for col in out.columns:
            # Runs with different string values each made its own categories.
            if isinstance(frames[0][col].dtype, pd.CategoricalDtype) and out[col].dtype == object:
                out[col] = out[col].astype("category")
        return out

    # ------------------------------------------------------------ description
    @property
    def units(self):
        """{table: {column: unit}}; "" for dimensionless columns."""
        return {n: {c["name"]: c["unit"] for c in t["columns"]} for n, t in self._schema.items()}

    @property
    def docs(self):
        """{table: {column: one-line meaning}}."""
        return {n: {c["name"]: c["doc"] for c in t["columns"]} for n, t in self._schema.items()}

    @property
    def row_meanings(self):
        """{table: what one row is}."""
        return {n: t["row_meaning"] for n, t in self._schema.items()}

    def column_types(self, name):
        """{column: "int64" | "float64" | "string" | "bool"} of table `name`."""
        return {c["name"]: c["type"] for c in self._schema[name]["columns"]}

    # ------------------------------------------------------------- provenance
    @property
    def provenance(self):
        """The provenance keys whose values all runs share (for one run: its
        whole provenance: scenario text, seed, trace_hash, versions ...)."""
        provs = [r["dataset"]["provenance"] for r in self._runs]
        return {k: v for k, v in provs[0].items() if all(p.get(k) == v for p in provs[1:])}

    def run_provenance(self, run):
        """The whole provenance of run number `run` (a value of runs.run)."""
        for r in self._runs:
            if r["plan"]["run"] == run:
                return dict(r["dataset"]["provenance"])
        raise KeyError("no run %r in this dataset" % (run,))

    @property
    def runs(self):
        """One row per run: run, label, sweep_point, replicate, seed, one
        column per sweep value (named by its last key when unambiguous),
        trace_hash, committed_events, end_s, stop_reason, wall_seconds."""
        rows = []
        for r in self._runs:
            plan, prov = r["plan"], r["dataset"]["provenance"]
            row = {k: plan[k] for k in _RUN_KEYS}
            for path, value in plan["sweep"]:
                row[self._sweep_names[path]] = value
            row["trace_hash"] = prov.get("trace_hash", "")
            row["committed_events"] = int(prov.get("committed_events", 0))
            row["end_s"] = float(prov.get("end_s", "nan") or "nan")
            row["stop_reason"] = prov.get("stop_reason", "")
            row["wall_seconds"] = float(prov.get("wall_seconds", "nan") or "nan")
            rows.append(row)
        df = pd.DataFrame(rows)
        df["seed"] = df["seed"].astype("uint64")
        for path in self._sweep_names.values():
            df[path] = _convert.typed(df[path])
        return df

    @property
    def observables(self):
        """The recorded observables (scenario's `observe:`): time, name,
        value, one row per observable per observation (plus `run` with
        several runs). Empty (those columns) when nothing was recorded."""
        if "observables" in self._schema:
            return self.table("observables")
        return pd.DataFrame({"time": pd.Series(dtype=float), "name": pd.Series(dtype=object),
                             "value": pd.Series(dtype=float)})

    @property
    def plot(self):
        """Plots of this dataset (matplotlib): ds.plot.epicurve() ..."""
        if self._plot is None:
            from .plot import DatasetPlots
            self._plot = DatasetPlots(self)
        return self._plot

    def __len__(self):
        return len(self._runs)

    def __repr__(self):
        rows = ", ".join("%s (%d rows)" % (n, sum(t["rows"] for r in self._runs for t in r["dataset"]["tables"]
                                                  if t["name"] == n)) for n in self._names)
        return "<simulacra.Dataset %s: %d run%s; %s>" % (
            self._runs[0]["dataset"]["provenance"].get("scenario_name", "?"), len(self._runs),
            "" if len(self._runs) == 1 else "s", rows)


def run(scenario, set=None, threads=0, replicates=None, jobs=0, strings="auto", progress=True):
    """Runs every run of a scenario (its replicates and sweep points, as
    `simulacra run` does) and returns their tables in memory.

    scenario: a scenario file path, or YAML text. set: {path: value}
    overrides, as --set (values may be numbers, bools or YAML text with
    units: {"duration": "60d", "populations[0].params.beta": 0.02}).
    threads: engine threads per run (0: the scenario's engine.threads).
    replicates: overrides the scenario's replicates. jobs: runs at once (0:
    as many as the cores allow). progress: a progress line on standard
    error while several runs go. Same scenario and seed give the same rows
    as `simulacra run`, for any threads and jobs.

    Raises ScenarioError (with file, line, column and key_path) for a bad
    scenario or override, ConfigError, DataError, LookaheadError, or another
    simulacra.Error a population raises."""
    text, is_text = _convert.scenario_source(scenario)
    pairs = _convert.overrides(set)
    if replicates is not None:
        pairs.append(("replicates", str(int(replicates))))
    runs = _core.run(text, is_text, pairs, int(threads), int(jobs), bool(progress))
    return Dataset(runs, strings=strings)


def _plan_from_provenance(prov, run=0):
    return {
        "run": run,
        "label": prov.get("run_label", ""),
        "sweep_point": int(prov.get("sweep_point", 0) or 0),
        "replicate": int(prov.get("replicate", 0) or 0),
        "seed": int(prov.get("seed", 0) or 0),
        "sweep": _convert.parse_sweep_values(prov.get("sweep_values", "")),
    }


def open(path, tables=None, strings="auto"):
    """Reads a dataset the CLI wrote: an HDF5 file (OUT/<run>.h5), or an
    output folder (all its runs, as read_runs). tables: the names of the
    tables to read (default all). Raises DataError naming the file if it is
    not a readable Simulacra dataset or lacks a table asked for."""
    path = os.fspath(path)
    if os.path.isdir(path):
        return read_runs(path, tables=tables, strings=strings)
    data = _core.read_hdf5(path, list(tables or []))
    return Dataset([{"plan": _plan_from_provenance(data["provenance"]), "dataset": data}], strings=strings)


def read_runs(folder, tables=None, strings="auto"):
    """Every run `simulacra run` wrote into `folder` (listed by its
    runs.csv), as one Dataset: tables concatenated with `run` and sweep
    columns, `runs` with seeds, replicates and sweep values; `tables` as in
    open(). Needs the HDF5 files (outputs.formats with hdf5, the default).
    Raises DataError."""
    folder = os.fspath(folder)
    listing = os.path.join(folder, "runs.csv")
    if not os.path.isfile(listing):
        raise _core.DataError("%s: no runs.csv (not an output folder of `simulacra run`)" % folder)
    manifest = pd.read_csv(listing, dtype=str, keep_default_na=False)
    runs = []
    for _, row in manifest.iterrows():
        if row.get("status", "ok") != "ok":
            raise _core.DataError("%s: run %s did not finish (status %s)" % (listing, row["label"], row["status"]))
        if not row["hdf5"]:
            raise _core.DataError("%s: run %s has no HDF5 file (read_runs reads HDF5; run with --format hdf5)"
                                  % (listing, row["label"]))
        data = _core.read_hdf5(os.path.join(folder, row["hdf5"]), list(tables or []))
        plan = _plan_from_provenance(data["provenance"], run=int(row["run"]))
        plan["sweep"] = _convert.parse_sweep_values(row["sweep_values"])
        runs.append({"plan": plan, "dataset": data})
    if not runs:
        raise _core.DataError("%s lists no runs" % listing)
    return Dataset(runs, strings=strings)


# open() shadows the builtin inside this module; keep it reachable.
_builtin_open = builtins.open
