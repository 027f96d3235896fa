"""simulacra.calibrate: ABC-SMC, neural posterior estimation and Bayesian
optimisation over a simulator written in Python — the machinery of
`simulacra calibrate` (docs/calibration.md) with a function in place of a
scenario or an external command.

    import numpy as np, simulacra

    def simulator(params):                 # a DataFrame: one row per run, a column per parameter, and `seed`
        rng = [np.random.default_rng(s) for s in params["seed"]]
        return pd.DataFrame({"ybar": [r.normal(mu, 1, 10).mean() for r, mu in zip(rng, params["mu"])]})

    fit = simulacra.calibrate(simulator, prior={"mu": "normal(0, 1)"}, observed={"ybar": 1.2},
                              method="abc-smc", budget=3000, seed=5)
    fit.posterior                           # DataFrame: mu, weight
    fit.parameters                          # median, 90 % interval, identified, per parameter
"""

import numpy as np
import pandas as pd

from . import _core

_METHODS = ("abc-smc", "npe", "bo")


class Calibration:
    """What simulacra.calibrate returns.

    posterior   DataFrame: one row per draw (ABC-SMC: particle), a column
                per parameter in original units, then `weight` (summing to 1)
                and `distance` (ABC-SMC; NaN for NPE and BO)
    parameters  DataFrame: per parameter its median, q05, q95 (the 90 %
                interval), mean, sd, width_vs_prior and identified (False
                when the interval is barely narrower than the prior's)
    targets     DataFrame: per target its scale and share of the final
                distance (ABC-SMC)
    generations DataFrame: ABC-SMC's tolerance, simulations, accepted and
                effective sample size per generation
    method, simulations, wall_seconds
    """

    def __init__(self, raw):
        self.method = raw["method"]
        self.simulations = int(raw["simulations"])
        self.wall_seconds = float(raw["wall_seconds"])
        names = list(raw["names"])
        self.posterior = pd.DataFrame(np.asarray(raw["particles"], dtype=float).reshape(-1, len(names)),
                                      columns=names)
        self.posterior["weight"] = np.asarray(raw["weights"], dtype=float)
        self.posterior["distance"] = np.asarray(raw["distances"], dtype=float)
        self.parameters = pd.DataFrame(raw["parameters"]).set_index("name")
        self.targets = pd.DataFrame(raw["targets"]).set_index("name")
        self.generations = pd.DataFrame(raw["generations"],
                                        columns=["tolerance", "simulations", "accepted", "ess"])

    def median(self):
        """Each parameter's posterior median, as a dict."""
        return {k: float(v) for k, v in self.parameters["median"].items()}

    def __repr__(self):
        parts = [f"{n} {r['median']:.4g} [{r['q05']:.4g}, {r['q95']:.4g}]" for n, r in self.parameters.iterrows()]
        return (f"Calibration({self.method}, {self.simulations} simulations, {self.wall_seconds:.1f} s: "
                + "; ".join(parts) + ")")


def _summary_rows(out, names, n):
    """The simulator's answer as n rows of float summaries in `names` order."""
    if isinstance(out, pd.DataFrame):
        missing = [c for c in names if c not in out.columns]
        if missing:
            raise _core.DataError(f"calibrate: the simulator's DataFrame lacks column(s) {', '.join(missing)} "
                                  f"(it has {', '.join(map(str, out.columns))})")
        columns = []
        for c in names:
            col = out[c]
            if isinstance(col, pd.DataFrame):  # a series target: several columns share the name
                columns.extend(col.to_numpy(dtype=float).T)
            else:
                columns.append(col.to_numpy(dtype=float))
        arr = np.column_stack(columns) if columns else np.empty((len(out), 0))
    else:
        arr = np.asarray(out, dtype=float)
        if arr.ndim == 1:
            arr = arr.reshape(-1, 1)
    if arr.ndim != 2 or arr.shape[0] != n:
        raise _core.DataError(f"calibrate: the simulator returned {arr.shape[0] if arr.ndim else 0} rows "
                              f"for {n} parameter rows")
    return arr.tolist()


def calibrate(simulator, prior, observed, *, models=None, method="abc-smc", budget=None, population=200,
              draws=2000, rounds=1, replicates=1, seed=1, quiet=False):
    """Fits `prior`'s parameters so that simulator's summaries match `observed`.

    simulator   a function of a DataFrame (one row per run: a column per
                parameter in `prior`'s order, in original units, then `seed`,
                an int to seed that run with) returning a DataFrame with a
                column per key of `observed` (a series target as that many
                columns of the same name, or an array of shape (rows, k)),
                one row per input row, in order. It is called with batches
                of rows, from this thread.
    prior       {name: prior text}: uniform(a,b), loguniform(a,b),
                normal(m,s), lognormal(m,s), truncated(PRIOR,lo,hi),
                integer(PRIOR), randint(a,b) — as `--fit` takes them.
    observed    {summary name: value or sequence of values}; each key one
                target, in order.
    models      {summary name: observation model}: exact (default),
                poisson, negbin(k) or binomial(rho) (rho may be a key of
                `prior`).
    method      "abc-smc", "npe" or "bo"; budget: simulator runs in all
                (default 5000, BO 200); population: ABC-SMC's particles;
                draws: NPE/BO posterior draws; rounds: sequential NPE rounds;
                replicates: runs per parameter vector, summaries averaged.
    seed        the same seed gives the same posterior.
    Returns a Calibration. Raises simulacra.Error for bad priors, models or
    answers of the simulator; what the simulator raises passes through.
    """
    if method not in _METHODS:
        raise _core.Error(f"calibrate: method '{method}': expected abc-smc, npe or bo")
    if not prior:
        raise _core.Error("calibrate: nothing to fit (prior is empty)")
    if not observed:
        raise _core.Error("calibrate: nothing to match (observed is empty)")
    names = list(prior)
    if "seed" in names:
        raise _core.Error("calibrate: 'seed' cannot name a parameter (it is the simulator's seed column)")
    models = dict(models or {})
    unknown = [k for k in models if k not in observed]
    if unknown:
        raise _core.Error(f"calibrate: models name {', '.join(unknown)}, which observed does not hold")
    target_names = list(observed)
    values = [np.atleast_1d(np.asarray(observed[k], dtype=float)).tolist() for k in target_names]
    budget = int(budget) if budget is not None else (200 if method == "bo" else 5000)

    def simulate(thetas, seeds):
        frame = pd.DataFrame(np.asarray(thetas, dtype=float).reshape(-1, len(names)), columns=names)
        frame["seed"] = np.asarray(seeds, dtype=np.uint64)
        out = simulator(frame)
        return _summary_rows(out, target_names, len(frame))

    raw = _core.calibrate(simulate, names, [str(prior[k]) for k in names], target_names, values,
                          [str(models.get(k, "exact")) for k in target_names], method, budget, int(population),
                          int(draws), int(rounds), int(replicates), int(seed), bool(quiet))
    return Calibration(raw)
