"""The learned generators from Python: fit a copula, Bayesian network or
neural generator to a DataFrame, sample from it (conditionally), and
evaluate a synthetic table against the real one.

A DataFrame goes to the C++ side as the CSV text pandas writes, read by
the same reader as `simulacra fit`, so fit(df) is `simulacra fit` on
df.to_csv(index=False) — same model, same samples for the same seed."""

import numpy as np
import pandas as pd

from . import _core


def _csv(df, what):
    if not isinstance(df, pd.DataFrame):
        raise TypeError("%s: expected a pandas DataFrame, got %s" % (what, type(df).__name__))
    return df.to_csv(index=False)


def _kinds(df, types):
    """Column kinds: categorical and bool columns are categorical, and so is
    text that reads as numbers (zip codes "01234"); other text is left to
    detection (ids, e-mails, phone numbers, dates, categories), as `simulacra
    fit` detects it. `types` overrides."""
    out = {}
    for name, dtype in df.dtypes.items():
        if dtype == bool or isinstance(dtype, pd.CategoricalDtype):
            out[str(name)] = "categorical"
        elif dtype == object:
            values = df[name].dropna()
            if len(values) == 0 or pd.to_numeric(values, errors="coerce").notna().all():
                out[str(name)] = "categorical"
    out.update(types or {})
    return out


def _frame(columns):
    data = {}
    for c in columns:
        if c["kind"] in ("categorical", "id"):
            data[c["name"]] = pd.Categorical.from_codes(c["values"].astype(np.int64),
                                                        categories=pd.Index(c["levels"], dtype=object))
        elif c["kind"] == "datetime":  # seconds since 1970, NaN for an empty cell
            data[c["name"]] = pd.to_datetime(c["values"], unit="s")
        elif c["integral"] and np.isnan(c["values"]).any():  # empty cells: pandas' nullable integers
            data[c["name"]] = pd.Series(c["values"]).round().astype("Int64")
        elif c["integral"]:
            data[c["name"]] = c["values"].astype(np.int64)
        else:
            data[c["name"]] = c["values"]
    return pd.DataFrame(data, copy=False)


class Model:
    """A fitted generator. sample(n, where={col: value}, seed=1) gives a
    DataFrame: numeric columns float64 (int64 when the real column held only
    whole numbers), categorical ones pandas categoricals; save(path) writes
    the model file `simulacra sample` and populations' `attributes:` read."""

    def __init__(self, core):
        self._m = core

    @property
    def kind(self):
        return self._m.kind

    @property
    def columns(self):
        """[(name, "numeric" | "categorical", levels)]."""
        return list(self._m.columns)

    def sample(self, n, where=None, seed=1):
        """n rows; `where` fixes columns to values and the other columns
        follow the model's conditional distribution given them. The same
        seed gives the rows `simulacra sample --seed` gives. Raises
        DataError for an unknown column or a value the column cannot take."""
        pairs = [(str(k), str(v)) for k, v in (where or {}).items()]
        return _frame(self._m.sample(int(n), int(seed), pairs))

    def save(self, path):
        self._m.save(str(path))

    def __repr__(self):
        return "<simulacra.Model %s: %s>" % (self.kind, ", ".join(c[0] for c in self.columns))


def fit(df, model="copula", types=None, by=None, epsilon=0.0, bins=20, epochs=0, batch_size=64, seed=1,
        progress=True):
    """Fits a generator to the rows of `df`: model "copula" (by: the
    categorical column to stratify on, "none" for no strata, None to let it
    choose), "bayesnet" (epsilon: differential-privacy budget, 0 no noise;
    bins per numeric column) or "neural" (epochs, batch_size, seed). types:
    {column: "numeric" | "categorical" | "id" | "datetime"} to force a kind
    (ids are sampled fresh, datetime64 columns come back as datetime64, NaN
    in a numeric column is an empty cell modelled by its own indicator). progress: the
    neural fit's epochs, loss and time to go on standard error (True; a
    live line on a terminal, else a line every 5 s), False for none, or a
    function f(epoch, epochs, loss) called after every epoch. Raises
    DataError."""
    if model == "bayesnet" and (epsilon < 0 or bins < 2):
        raise _core.DataError("bayesnet: epsilon must be >= 0 and bins at least 2")
    if model == "neural" and batch_size < 1:
        raise _core.DataError("neural: batch_size must be at least 1")
    core = _core.fit(_csv(df, "fit"), _kinds(df, types), model, "" if by is None else by,
                     float(epsilon), int(bins), int(epochs), int(batch_size), int(seed), progress)
    return Model(core)


def load_model(path):
    """A model file written by Model.save or `simulacra fit`. Raises ModelFileError."""
    return Model(_core.load_model(str(path)))


class Evaluation:
    """What `simulacra evaluate` reports: str() is its text, to_dict() the
    figures (per-column scores, mean 1-KS / 1-TV, correlation difference,
    two-sample classifier AUC, privacy distances and copy shares)."""

    def __init__(self, figures, text, json_text):
        self._figures, self._text, self._json = figures, text, json_text

    def to_dict(self):
        return dict(self._figures)

    def to_json(self):
        """The JSON `simulacra evaluate --json` writes."""
        return self._json

    def __getitem__(self, key):
        return self._figures[key]

    def __str__(self):
        return self._text

    def __repr__(self):
        return "<simulacra.Evaluation mean 1-KS %.3f, mean 1-TV %.3f, AUC %.3f>" % (
            self["mean_ks"], self["mean_tv"], self["classifier_auc"])


def evaluate(real, synthetic, holdout=None, seed=1, types=None):
    """Compares a synthetic DataFrame with the real one (and a holdout of
    real rows not used for fitting, for the privacy figures' chance level).
    The other tables are read with the real table's column kinds. Raises
    DataError for missing or extra columns."""
    out = _core.evaluate(_csv(real, "real"), _kinds(real, types), _csv(synthetic, "synthetic"),
                         "" if holdout is None else _csv(holdout, "holdout"), int(seed))
    return Evaluation(*out)


__all__ = ["fit", "load_model", "evaluate", "Model", "Evaluation"]
