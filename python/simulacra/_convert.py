"""Turning what the C++ core returns into pandas objects, and the small
conversions the package shares (scenario sources, override values)."""

import os

import numpy as np
import pandas as pd

# Symbols of time units the engine writes (quantity.hpp), in seconds.
TIME_UNITS = {"ms": 1e-3, "s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}


def scenario_source(scenario):
    """(text, is_text): a path to a scenario file, or YAML text itself (any
    string holding a newline)."""
    if isinstance(scenario, os.PathLike):
        return os.fspath(scenario), False
    if not isinstance(scenario, str):
        raise TypeError("scenario: expected a file path or YAML text, got %s" % type(scenario).__name__)
    return scenario, "\n" in scenario


def yaml_value(value):
    """A Python value as the YAML text --set would take."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(yaml_value(v) for v in value) + "]"
    raise TypeError("cannot give %r as a scenario value" % (value,))


def overrides(set):
    """--set pairs from a dict {path: value} (or an iterable of pairs)."""
    if set is None:
        return []
    items = set.items() if hasattr(set, "items") else set
    return [(str(path), yaml_value(value)) for path, value in items]


def string_column(values, categories, strings):
    """A string column from codes into categories: a pandas Categorical, or
    an object array of str. `strings`: "auto" (categorical when there are at
    most half as many distinct values as rows), "category" or "str"."""
    if strings not in ("auto", "category", "str"):
        raise ValueError("strings: expected 'auto', 'category' or 'str', got %r" % (strings,))
    n = len(values)
    if strings == "category" or (strings == "auto" and n > 0 and 2 * len(categories) <= n):
        return pd.Categorical.from_codes(values, categories=pd.Index(categories, dtype=object))
    return np.asarray(categories, dtype=object)[values] if n else np.empty(0, dtype=object)


def frame(table, strings):
    """A DataFrame over a table dict from the core. Numeric and bool arrays
    are used as they are (no copy); string columns are decoded."""
    columns = {}
    for c in table["columns"]:
        if c["type"] == "string":
            columns[c["name"]] = string_column(c["values"], c["categories"], strings)
        else:
            columns[c["name"]] = c["values"]
    # copy=False: pandas keeps each array as its own block instead of
    # consolidating same-typed columns into a new 2-D array.
    df = pd.DataFrame(columns, copy=False)
    if not columns:
        df = pd.DataFrame(index=pd.RangeIndex(table["rows"]))
    return df


def parse_sweep_values(text):
    """'a=1; b=x' (the provenance's sweep_values) -> [("a", "1"), ("b", "x")]."""
    pairs = []
    for part in text.split("; ") if text else []:
        path, _, value = part.partition("=")
        pairs.append((path, value))
    return pairs


def sweep_column_names(paths):
    """Column names for sweep paths: the last key ('beta' for
    'populations[0].params.beta') when that is unambiguous, else the path."""
    last = [p.rsplit(".", 1)[-1] for p in paths]
    return {p: (short if last.count(short) == 1 else p) for p, short in zip(paths, last)}


def typed(values):
    """Sweep values (YAML text) as numbers when they all are."""
    s = pd.Series(values, dtype=object)
    try:
        return pd.to_numeric(s)
    except (ValueError, TypeError):
        return s.astype(str)
