"""ds.plot: what each plot draws is the data it claims to (checked against
the tables computed independently here), intervention periods come from the
scenario's timeline, and every figure renders to a PNG."""

import numpy as np
import pytest

import simulacra
from conftest import scenario

TOWN = {"populations[0].params.persons": 2000}


@pytest.fixture(scope="module")
def town():
    return simulacra.run(scenario("epidemic/town.yaml"), set=TOWN)


@pytest.fixture(scope="module")
def town_runs():
    return simulacra.run(scenario("epidemic/town.yaml"), set=TOWN, replicates=3, progress=False)


def saved(ax, tmp_path, name):
    path = tmp_path / name
    ax.figure.savefig(path)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10000
    import matplotlib.pyplot as plt
    plt.close(ax.figure)


def test_epicurve_one_run(town, tmp_path):
    daily = town["town.daily"]
    ax = town.plot.epicurve()
    lines = {l.get_label(): l for l in ax.lines}
    for state in ("recovered", "symptomatic", "vaccinated"):
        expected = daily.groupby("day")[state].sum()
        np.testing.assert_array_equal(lines[state].get_xdata(), expected.index.to_numpy())
        np.testing.assert_array_equal(lines[state].get_ydata(), expected.to_numpy())
    assert "susceptible" not in lines
    saved(ax, tmp_path, "epicurve.png")


def test_epicurve_bands(town_runs, tmp_path):
    daily = town_runs["town.daily"]
    data = town_runs.plot.epicurve_data(states=["recovered"], band=(0.0, 1.0))["recovered"]
    per_run = daily.groupby(["run", "day"])["recovered"].sum().unstack("run")
    np.testing.assert_array_equal(data["median"], per_run.median(axis=1))
    np.testing.assert_array_equal(data["low"], per_run.min(axis=1))
    np.testing.assert_array_equal(data["high"], per_run.max(axis=1))
    assert (data["high"] > data["low"]).any()  # the runs differ: there is a band
    ax = town_runs.plot.epicurve()
    assert len(ax.collections) >= 9  # a band per state, plus the shaded periods
    saved(ax, tmp_path, "bands.png")


def test_epicurve_by_age(town, tmp_path):
    daily = town["town.daily"]
    data = town.plot.epicurve_data(by="age_band")
    assert set(data) == set(daily["age_band"].astype(str))
    first = daily[daily["age_band"] == "80+"].groupby("day")["new_infections"].sum()
    np.testing.assert_array_equal(data["80+"]["median"], first.to_numpy())
    saved(town.plot.epicurve(by="age_band"), tmp_path, "age.png")


def test_interventions_from_timeline(town):
    # town.yaml: schools close on day 30, reopen on day 75; vaccination from day 60 to the end (180 days).
    assert town.plot.interventions() == [("schools closed", 30, 75), ("vaccination", 60, 180)]


def test_traffic_plots(tmp_path):
    ds = simulacra.run(scenario("traffic/ring_stop_and_go.yaml"))
    ax = ds.plot.fundamental()
    stats = ds["ring.link_stats"]
    np.testing.assert_array_equal(ax.collections[0].get_offsets(), stats[["density", "flow"]].to_numpy())
    saved(ax, tmp_path, "fd.png")
    traj = ds["ring.trajectories"]
    link = int(traj["link"].iloc[0])
    ax = ds.plot.spacetime(link)
    assert len(ax.collections[0].get_offsets()) == (traj["link"] == link).sum()
    saved(ax, tmp_path, "st.png")
    with pytest.raises(ValueError):
        ds.plot.spacetime(-5)
    with pytest.raises(ValueError):
        ds.plot.epicurve()  # not an epidemic


def test_market_plots(tmp_path):
    ds = simulacra.run(scenario("market/spoofing_day.yaml"), set={"duration": "1h"})
    ax = ds.plot.price()
    trades = ds["market.trades"]
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), trades[trades["symbol"] == 0]["price"])
    orders = ds["market.orders"]
    labelled = orders["order_id"].isin(ds["market.labels"]["order_id"])
    assert labelled.sum() > 0
    assert len(ax.collections[0].get_offsets()) == (labelled & (orders["symbol"] == 0)).sum()
    saved(ax, tmp_path, "price.png")
    ax = ds.plot.depth(1800)
    snaps = ds["market.book_snapshots"]
    at = snaps[snaps["time"] <= 1800]["time"].max()
    book = snaps[(snaps["time"] == at) & (snaps["symbol"] == 0)].sort_values("level")
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), book["bid_size"].cumsum())
    saved(ax, tmp_path, "depth.png")
