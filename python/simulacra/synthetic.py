"""A synthetic table against the real one it imitates, drawn: each column's
marginal (real and synthetic overlaid), the two association matrices side
by side, and both with the figures of `simulacra evaluate` as one
self-contained HTML page.

    real = pd.read_csv("scenarios/market/models/traders.csv")
    synth = simulacra.fit(real).sample(len(real), seed=7)
    simulacra.plot_marginals(real, synth).savefig("marginals.png")
    simulacra.plot_correlations(real, synth).savefig("correlations.png")
    simulacra.synthetic.write_report(real, synth, "traders.html")

Columns are categorical when the learned models take them so (text, bool
and pandas categorical columns; `types` overrides, as in simulacra.fit)."""

import html
import math

import numpy as np
import pandas as pd

from .report import figure_html, page, write_whole

# A numeric column with at most this many distinct values is drawn as bars
# of its values' shares (household sizes, counts), not as a histogram.
_FEW_VALUES = 20
# Categorical columns show at most this many levels (the real table's most frequent).
_MAX_LEVELS = 30


def column_kinds(real, types=None):
    """{column: "numeric" | "categorical"} of the real table: text, bool
    and categorical columns are categorical, the others numeric; `types`
    ({column: kind}) overrides."""
    kinds = {}
    for name, dtype in real.dtypes.items():
        cat = dtype == object or dtype == bool or isinstance(dtype, pd.CategoricalDtype)
        kinds[str(name)] = "categorical" if cat else "numeric"
    for name, kind in (types or {}).items():
        if name not in kinds:
            raise ValueError("types: no column %r in the real table" % (name,))
        if kind not in ("numeric", "categorical"):
            raise ValueError("types: %s=%s: expected numeric or categorical" % (name, kind))
        kinds[name] = kind
    return kinds


def _check(real, synth, types):
    for what, df in (("real", real), ("synthetic", synth)):
        if not isinstance(df, pd.DataFrame):
            raise TypeError("%s: expected a pandas DataFrame, got %s" % (what, type(df).__name__))
    missing = [c for c in real.columns if c not in synth.columns]
    extra = [c for c in synth.columns if c not in real.columns]
    if missing or extra:
        raise ValueError("the synthetic table's columns differ from the real one's:%s%s" % (
            " missing " + ", ".join(map(str, missing)) if missing else "",
            " extra " + ", ".join(map(str, extra)) if extra else ""))
    if real.empty or synth.empty:
        raise ValueError("the %s table has no rows" % ("real" if real.empty else "synthetic"))
    kinds = column_kinds(real, types)
    for c, kind in kinds.items():
        if kind == "numeric":
            for what, df in (("real", real), ("synthetic", synth)):
                if not pd.api.types.is_numeric_dtype(df[c]):
                    raise ValueError("column %s of the %s table is not numeric (types={%r: 'categorical'}?)"
                                     % (c, what, c))
    return kinds


def shares(real_col, synth_col, max_levels=_MAX_LEVELS):
    """DataFrame(level, real, synthetic): each value's share of the rows in
    either table, the real table's most frequent `max_levels` values first
    (then values only the synthetic table has), as strings."""
    r = real_col.astype(str).value_counts(normalize=True)
    s = synth_col.astype(str).value_counts(normalize=True)
    levels = list(r.index) + [v for v in s.index if v not in r.index]
    levels = levels[:max_levels]
    return pd.DataFrame({"level": levels, "real": [float(r.get(v, 0.0)) for v in levels],
                         "synthetic": [float(s.get(v, 0.0)) for v in levels]})


def _cramers_v(a, b):
    table = pd.crosstab(a.astype(str), b.astype(str)).to_numpy(dtype=float)
    n = table.sum()
    k = min(table.shape) - 1
    if k == 0 or n == 0:
        return 0.0
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / n
    chi2 = ((table - expected) ** 2 / expected).sum()
    return math.sqrt(chi2 / (n * k))


def _correlation_ratio(categories, values):
    values = values.astype(float)
    total = ((values - values.mean()) ** 2).sum()
    if total == 0:
        return 0.0
    groups = values.groupby(categories.astype(str).to_numpy())
    between = (groups.count() * (groups.mean() - values.mean()) ** 2).sum()
    return math.sqrt(between / total)


def associations(df, kinds=None):
    """The association matrix of a table's columns (a DataFrame, columns on
    both axes): Pearson's correlation between numeric columns (-1 to 1),
    Cramér's V between categorical ones and the correlation ratio eta
    between a categorical and a numeric one (both 0 to 1). kinds: as
    column_kinds() gives (default: from df)."""
    kinds = kinds or column_kinds(df)
    cols = list(kinds)
    out = pd.DataFrame(np.eye(len(cols)), index=cols, columns=cols)
    for i, a in enumerate(cols):
        for b in cols[i + 1:]:
            ka, kb = kinds[a], kinds[b]
            if ka == kb == "numeric":
                x, y = df[a].astype(float), df[b].astype(float)
                v = float(np.corrcoef(x, y)[0, 1]) if x.std() > 0 and y.std() > 0 else 0.0
            elif ka == kb == "categorical":
                v = _cramers_v(df[a], df[b])
            elif ka == "categorical":
                v = _correlation_ratio(df[a], df[b])
            else:
                v = _correlation_ratio(df[b], df[a])
            out.loc[a, b] = out.loc[b, a] = v
    return out


def plot_marginals(real, synth, columns=None, types=None, bins=30, fig=None):
    """One axis per column: the real and the synthetic column overlaid, as
    density histograms over the same bins (numeric columns) or as bars of
    each value's share of rows (categorical columns, and numeric ones with
    at most 20 distinct values). Returns the Figure; fig.axes has one Axes
    per column, in column order. Raises ValueError when the tables' columns
    differ."""
    import matplotlib.pyplot as plt
    kinds = _check(real, synth, types)
    cols = list(columns or kinds)
    for c in cols:
        if c not in kinds:
            raise ValueError("no column %r in the real table" % (c,))
    ncols = min(3, len(cols))
    nrows = math.ceil(len(cols) / ncols)
    if fig is None:
        fig = plt.figure(figsize=(4.2 * ncols, 3.2 * nrows))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax in axes[len(cols):]:
        fig.delaxes(ax)
    for ax, c in zip(axes, cols):
        values = pd.concat([real[c], synth[c]], ignore_index=True)
        if kinds[c] == "numeric" and values.nunique() > _FEW_VALUES:
            edges = np.histogram_bin_edges(values.astype(float), bins=bins)
            ax.hist(real[c].astype(float), bins=edges, density=True, alpha=0.5, color="C0", label="real")
            ax.hist(synth[c].astype(float), bins=edges, density=True, histtype="step", linewidth=1.5,
                    color="C1", label="synthetic")
            ax.set_ylabel("density")
        else:
            if kinds[c] == "numeric":
                order = np.sort(values.unique())
                sh = shares(real[c], synth[c], max_levels=len(order)).set_index("level").reindex(
                    [str(v) for v in order]).reset_index()
            else:
                sh = shares(real[c], synth[c])
            x = np.arange(len(sh))
            ax.bar(x - 0.2, sh["real"], width=0.4, color="C0", alpha=0.7, label="real")
            ax.bar(x + 0.2, sh["synthetic"], width=0.4, color="C1", alpha=0.7, label="synthetic")
            ax.set_xticks(x)
            ax.set_xticklabels(sh["level"], rotation=45 if len(sh) > 6 else 0, ha="right" if len(sh) > 6 else "center",
                               fontsize=7)
            ax.set_ylabel("share of rows")
        ax.set_title(str(c), fontsize=10)
        ax.legend(fontsize="x-small")
    fig.suptitle("marginals: %d real rows, %d synthetic rows" % (len(real), len(synth)))
    fig.tight_layout()
    return fig


def plot_correlations(real, synth, types=None, annotate=None, fig=None):
    """The association matrices of the real and the synthetic table side by
    side (associations(): Pearson between numeric columns, Cramér's V and
    the correlation ratio with categorical ones), on one colour scale from
    -1 to 1, with the mean absolute difference of the off-diagonal entries
    in the title. annotate: write the values in the cells (default: at most
    12 columns). Returns the Figure; its first two Axes are the real and
    the synthetic matrix (images in ax.images[0])."""
    import matplotlib.pyplot as plt
    kinds = _check(real, synth, types)
    a_real, a_synth = associations(real, kinds), associations(synth, kinds)
    k = len(kinds)
    if fig is None:
        fig = plt.figure(figsize=(2 * (2.5 + 0.45 * k) + 1, 2.5 + 0.45 * k))
    axes = fig.subplots(1, 2)
    annotate = k <= 12 if annotate is None else annotate
    for ax, m, what in ((axes[0], a_real, "real"), (axes[1], a_synth, "synthetic")):
        img = ax.imshow(m.to_numpy(), vmin=-1, vmax=1, cmap="RdBu_r")
        ax.set_xticks(range(k))
        ax.set_yticks(range(k))
        ax.set_xticklabels(m.columns, rotation=45, ha="right", fontsize=8)
        ax.set_yticklabels(m.index if what == "real" else [], fontsize=8)  # the same rows on the right
        ax.set_title(what)
        if annotate:
            for i in range(k):
                for j in range(k):
                    v = m.iat[i, j]
                    ax.text(j, i, "%.2f" % v, ha="center", va="center", fontsize=7,
                            color="white" if abs(v) > 0.6 else "black")
    fig.colorbar(img, ax=list(axes), shrink=0.8, label="Pearson r / Cramér's V / eta")
    off = ~np.eye(k, dtype=bool)
    diff = float(np.abs(a_real.to_numpy() - a_synth.to_numpy())[off].mean()) if k > 1 else 0.0
    fig.suptitle("associations between columns (mean |difference| %.3f)" % diff)
    return fig


def _summary(real, synth, kinds):
    rows = []
    for c, kind in kinds.items():
        if kind == "numeric":
            r, s = real[c].astype(float), synth[c].astype(float)
            rows.append({"column": c, "kind": kind, "real": "mean %.4g, sd %.4g, [%.4g, %.4g]" % (
                r.mean(), r.std(), r.min(), r.max()), "synthetic": "mean %.4g, sd %.4g, [%.4g, %.4g]" % (
                s.mean(), s.std(), s.min(), s.max())})
        else:
            sh = shares(real[c], synth[c], max_levels=5)
            rows.append({"column": c, "kind": kind,
                         "real": "%d levels; " % real[c].nunique() + ", ".join(
                             "%s %.1f%%" % (lv, 100 * v) for lv, v in zip(sh["level"], sh["real"])),
                         "synthetic": "%d levels; " % synth[c].nunique() + ", ".join(
                             "%s %.1f%%" % (lv, 100 * v) for lv, v in zip(sh["level"], sh["synthetic"]))})
    return pd.DataFrame(rows)


def render(real, synth, types=None, title=None, sources=None, evaluation=True):
    """The page as HTML text: the tables' sizes (and `sources`, e.g. their
    file names), one summary line per column, the figures of `simulacra
    evaluate` (evaluation=False leaves them out), the marginals and the
    association matrices as inline PNGs."""
    kinds = _check(real, synth, types)
    title = title or "Real and synthetic table"
    body = ["<h1>%s</h1>" % html.escape(title)]
    names = sources or ("real", "synthetic")
    body.append("<p>%s: %d rows; %s: %d rows; %d columns.</p>" % (
        html.escape(str(names[0])), len(real), html.escape(str(names[1])), len(synth), len(kinds)))
    body += ["<h2>Columns</h2>", _summary(real, synth, kinds).to_html(index=False)]
    if evaluation:
        from .learned import evaluate
        body += ["<h2>Fidelity and privacy (simulacra evaluate)</h2>",
                 "<pre>%s</pre>" % html.escape(str(evaluate(real, synth[list(real.columns)], types=types)))]
    body.append("<h2>Plots</h2>")
    body.append(figure_html("marginals, real and synthetic",
                            lambda: plot_marginals(real, synth, types=types).axes[0]))
    body.append(figure_html("association matrices, real and synthetic",
                            lambda: plot_correlations(real, synth, types=types).axes[0]))
    return page(title, body)


def write_report(real, synth, path, types=None, title=None, sources=None, evaluation=True):
    """Writes render()'s page to `path` (whole: written aside, then renamed)."""
    write_whole(path, render(real, synth, types, title, sources, evaluation))


__all__ = ["associations", "column_kinds", "plot_correlations", "plot_marginals", "render", "shares",
           "write_report"]
