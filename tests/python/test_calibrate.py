"""simulacra.calibrate with a Python function as the simulator: the
conjugate Gaussian model's exact posterior N(12/11, 1/11) (prior N(0, 1),
ten N(mu, 1) observations with mean 1.2) by ABC-SMC and NPE, a growth rate
and a reporting rate from a Poisson series, determinism, and errors."""

import math

import numpy as np
import pandas as pd
import pytest

import simulacra

EXACT_MEAN, EXACT_SD = 12 / 11, math.sqrt(1 / 11)


def gaussian(params):
    out = []
    for mu, seed in zip(params["mu"], params["seed"]):
        out.append(np.random.default_rng(int(seed)).normal(mu, 1.0, 10).mean())
    return pd.DataFrame({"ybar": out})


def moments(fit, name):
    w = fit.posterior["weight"].to_numpy()
    x = fit.posterior[name].to_numpy()
    m = float((w * x).sum())
    return m, float(np.sqrt((w * (x - m) ** 2).sum()))


def test_abc_smc_finds_the_conjugate_posterior():
    fit = simulacra.calibrate(gaussian, prior={"mu": "normal(0, 1)"}, observed={"ybar": 1.2},
                              budget=4000, population=400, seed=5, quiet=True)
    m, sd = moments(fit, "mu")
    assert fit.method == "abc-smc" and fit.simulations <= 4000
    assert abs(m - EXACT_MEAN) < 0.1, m
    assert abs(sd / EXACT_SD - 1) < 0.25, sd
    assert abs(fit.posterior["weight"].sum() - 1) < 1e-9
    assert len(fit.generations) >= 2
    assert fit.parameters.loc["mu", "identified"]
    assert fit.parameters.loc["mu", "q05"] < EXACT_MEAN < fit.parameters.loc["mu", "q95"]


def test_npe_finds_the_conjugate_posterior():
    fit = simulacra.calibrate(gaussian, prior={"mu": "normal(0, 1)"}, observed={"ybar": 1.2},
                              method="npe", budget=3000, seed=5, quiet=True)
    m, sd = moments(fit, "mu")
    assert abs(m - EXACT_MEAN) < 0.06, m
    assert abs(sd / EXACT_SD - 1) < 0.15, sd
    assert fit.posterior["distance"].isna().all()


def test_same_seed_same_posterior():
    kw = dict(prior={"mu": "normal(0, 1)"}, observed={"ybar": 1.2}, budget=600, population=100, quiet=True)
    a = simulacra.calibrate(gaussian, seed=3, **kw).posterior
    b = simulacra.calibrate(gaussian, seed=3, **kw).posterior
    c = simulacra.calibrate(gaussian, seed=4, **kw).posterior
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_series_with_a_poisson_model_and_a_fitted_reporting_rate():
    # Cases grow as 20 exp(r t) over 15 days, a fraction rho of them reported;
    # the observed series is the expected one at r = 0.2, rho = 0.5 (binomial
    # thinning is the observation model, so the simulator returns true counts).
    days = np.arange(15)

    def growth(params):
        return np.array([20 * np.exp(r * days) for r in params["r"]])

    observed = np.round(0.5 * 20 * np.exp(0.2 * days))
    fit = simulacra.calibrate(growth, prior={"r": "uniform(0.05, 0.4)", "rho": "uniform(0.1, 1)"},
                              observed={"cases": observed}, models={"cases": "binomial(rho)"},
                              budget=3000, population=200, seed=2, quiet=True)
    med = fit.median()
    assert abs(med["r"] / 0.2 - 1) < 0.05, med
    assert abs(med["rho"] / 0.5 - 1) < 0.15, med


def test_errors_name_the_problem():
    prior, observed = {"mu": "normal(0, 1)"}, {"ybar": 1.2}
    with pytest.raises(simulacra.Error, match="unknown distribution|beta"):
        simulacra.calibrate(gaussian, prior={"mu": "beta(1, 2)"}, observed=observed, quiet=True)
    with pytest.raises(simulacra.Error, match="lacks column"):
        simulacra.calibrate(lambda p: pd.DataFrame({"y": p["mu"]}), prior=prior, observed=observed,
                            budget=400, population=50, quiet=True)
    with pytest.raises(simulacra.Error, match="rows"):
        simulacra.calibrate(lambda p: np.zeros((1, 1)), prior=prior, observed=observed, budget=400,
                            population=50, quiet=True)
    with pytest.raises(simulacra.Error, match="method"):
        simulacra.calibrate(gaussian, prior=prior, observed=observed, method="mcmc", quiet=True)
    with pytest.raises(simulacra.Error, match="seed"):
        simulacra.calibrate(gaussian, prior={"seed": "uniform(0, 1)"}, observed=observed, quiet=True)

    def broken(params):
        raise ValueError("the model diverged")

    with pytest.raises(ValueError, match="diverged"):
        simulacra.calibrate(broken, prior=prior, observed=observed, budget=400, population=50, quiet=True)
