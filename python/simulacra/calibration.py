"""What `simulacra calibrate` wrote, read back and drawn: the posterior, the
report, the observed series against posterior predictive bands, prior against
posterior marginals and the posterior's pairs, as a self-contained HTML page.

    cal = simulacra.calibration.read("out/calibrated")
    cal.posterior        # DataFrame: parameters, weight, distance
    cal.fit              # DataFrame: target, time, observed, q05 ... q95
    simulacra.calibration.write_report("out/calibrated", "report.html")
"""

import html
import json
import math
import os
import re

import numpy as np
import pandas as pd

from .report import figure_html, page, write_whole


class Calibration:
    """A calibration output folder: `posterior`, `report` (report.json as a
    dict), `fit` (fit.csv, or None when it was not written) and `folder`."""

    def __init__(self, folder):
        self.folder = folder
        try:
            with open(os.path.join(folder, "report.json"), encoding="utf-8") as f:
                self.report = json.load(f)
            self.posterior = pd.read_csv(os.path.join(folder, "posterior.csv"))
        except FileNotFoundError as e:
            raise ValueError("%s is not a folder `simulacra calibrate` wrote (%s)" % (folder, e.filename))
        fit = os.path.join(folder, "fit.csv")
        self.fit = pd.read_csv(fit) if os.path.exists(fit) else None

    @property
    def parameters(self):
        """One row per fitted parameter: name, prior, median, q05, q95 ..."""
        return pd.DataFrame(self.report["parameters"])


def read(folder):
    """Reads a calibration output folder. Raises ValueError if it is not one."""
    return Calibration(folder)


_PRIOR = re.compile(r"^\s*(\w+)\s*\((.*)\)\s*$")


def _split_args(text):
    depth, parts, cur = 0, [], ""
    for ch in text:
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        cur += ch
    parts.append(cur)
    return [p.strip() for p in parts]


_NUMBER = re.compile(r"^\s*([-+0-9.eE]+)\s*([A-Za-z]+|%)?\s*$")


def _num(text):
    """A prior's number; its unit (10d, 30%) is the unit of the draws."""
    m = _NUMBER.match(text)
    if not m:
        raise ValueError("prior argument %r is not a number" % text)
    return float(m.group(1))


def prior_draws(text, n=20000, seed=1):
    """Draws from a prior written in `--fit` notation (uniform, loguniform,
    normal, lognormal, truncated, integer, randint; numbers may carry a unit,
    the draws are in it), for plots."""
    rng = np.random.default_rng(seed)

    def draw(t, size):
        m = _PRIOR.match(t)
        if not m:
            raise ValueError("prior %r: expected NAME(ARGS)" % t)
        name, args = m.group(1), _split_args(m.group(2))
        if name == "truncated":
            lo, hi = _num(args[1]), _num(args[2])
            out = np.empty(0)
            for _ in range(200):
                x = draw(args[0], size)
                out = np.concatenate([out, x[(x >= lo) & (x <= hi)]])
                if len(out) >= size:
                    return out[:size]
            raise ValueError("prior %r puts almost no mass inside its bounds" % t)
        if name == "integer":
            return np.round(draw(args[0], size))
        a, b = _num(args[0]), _num(args[1])
        if name == "uniform":
            return rng.uniform(a, b, size)
        if name == "loguniform":
            return np.exp(rng.uniform(math.log(a), math.log(b), size))
        if name == "normal":
            return rng.normal(a, b, size)
        if name == "lognormal":
            return np.exp(rng.normal(a, b, size))
        if name == "randint":
            return rng.integers(int(a), int(b) + 1, size).astype(float)
        raise ValueError("prior %r: unknown distribution %r" % (t, name))

    return draw(text, n)


def _log_scale(prior):
    """A log prior, possibly inside truncated(...) or integer(...)."""
    return re.search(r"\blog(uniform|normal)\s*\(", prior) is not None


def figures(cal):
    """[(caption, draw)] of every figure that applies: one fit plot per series
    target, one marginal per parameter, and the pairs."""
    import matplotlib.pyplot as plt
    out = []
    if cal.fit is not None:
        for name, g in cal.fit.groupby("target", sort=False):
            series = g["time"].notna().all() and len(g) > 1
            if not series:
                continue

            def fit_plot(g=g, name=name):
                fig, ax = plt.subplots(figsize=(7, 3.5))
                t = g["time"].to_numpy()
                ax.fill_between(t, g["q05"], g["q95"], color="C0", alpha=0.2, label="90 % predictive")
                ax.fill_between(t, g["q25"], g["q75"], color="C0", alpha=0.4, label="50 % predictive")
                ax.plot(t, g["median"], color="C0", label="predictive median")
                ax.plot(t, g["observed"], "o", color="k", ms=3, label="observed")
                ax.set_xlabel("time")
                ax.set_title(name, fontsize=9)
                ax.legend(fontsize=8)
                return ax
            out.append(("%s: observed against the posterior predictive median and bands" % name, fit_plot))
    post = cal.posterior
    w = post["weight"].to_numpy(dtype=float)
    params = cal.report["parameters"]
    for p in params:
        def marginal(p=p):
            fig, ax = plt.subplots(figsize=(5, 3))
            x = post[p["name"]].to_numpy(dtype=float)
            prior = prior_draws(p["prior"])
            log = _log_scale(p["prior"]) and (prior > 0).all() and (x > 0).all()
            lo, hi = min(prior.min(), x.min()), max(prior.max(), x.max())
            bins = np.geomspace(lo, hi, 50) if log else np.linspace(lo, hi, 50)
            ax.hist(prior, bins=bins, density=True, alpha=0.4, color="grey", label="prior")
            ax.hist(x, bins=bins, weights=w, density=True, alpha=0.7, color="C1", label="posterior")
            if log:
                ax.set_xscale("log")
            ax.set_xlabel(p["name"])
            ax.legend(fontsize=8)
            return ax
        out.append(("%s: prior %s against the posterior (median %.4g)" % (p["name"], p["prior"], p["median"]), marginal))
    if len(params) >= 2:
        def pairs():
            names = [p["name"] for p in params]
            k = len(names)
            fig, axes = plt.subplots(k, k, figsize=(2.2 * k, 2.2 * k), squeeze=False)
            size = 40 * w / w.max()
            for i in range(k):
                for j in range(k):
                    ax = axes[i][j]
                    if i == j:
                        ax.hist(post[names[i]], bins=30, weights=w, color="C1")
                    elif i > j:
                        ax.scatter(post[names[j]], post[names[i]], s=size, alpha=0.4, color="C1")
                    else:
                        ax.axis("off")
                    if i == k - 1:
                        ax.set_xlabel(names[j], fontsize=8)
                    if j == 0 and i > 0:
                        ax.set_ylabel(names[i], fontsize=8)
                    ax.tick_params(labelsize=6)
            return axes[0][0]
        out.append(("posterior pairs (point size: weight)", pairs))
    return out


def render(cal):
    """The report as HTML text."""
    r = cal.report
    title = "Calibration of %s" % r.get("source", cal.folder)
    body = ["<h1>%s</h1>" % html.escape(title),
            "<p>Method %s, seed %s, %s simulations (%s per parameter vector) in %.1f s; %s posterior predictive.</p>"
            % (html.escape(str(r.get("method"))), r.get("seed"), r.get("simulations"), r.get("replicates"),
               float(r.get("wall_seconds", 0.0)), r.get("predictive_simulations", 0))]
    params = cal.parameters
    params["identified"] = params["identified"].map({True: "yes", False: "no: barely narrower than the prior"})
    body += ["<h2>Parameters</h2>", params.to_html(index=False, float_format=lambda v: "%.5g" % v)]
    if "estimate" in r:
        body.append("<p>Estimate (written into calibrated.yaml): %s</p>" % html.escape(
            ", ".join("%s = %.6g" % kv for kv in r["estimate"].items())))
    body += ["<h2>Targets</h2>", pd.DataFrame(r["targets"]).to_html(index=False, float_format=lambda v: "%.4g" % v)]
    if r.get("generations"):
        body += ["<h2>ABC-SMC generations</h2>",
                 pd.DataFrame(r["generations"]).to_html(float_format=lambda v: "%.4g" % v)]
    body.append("<h2>Plots</h2>")
    body += [figure_html(caption, draw) for caption, draw in figures(cal)]
    return page(title, body)


def write_report(folder, path):
    """Writes the HTML report of a calibration folder to `path` (whole)."""
    write_whole(path, render(read(folder)))
