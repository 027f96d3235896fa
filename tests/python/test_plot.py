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


@pytest.fixture(scope="module")
def sumo_grid():
    # Read from a SUMO .net.xml (networks/grid4x3.net.xml): 34 links, statistics every 5 minutes.
    return simulacra.run(scenario("traffic/sumo_grid.yaml"), set={"duration": "10min"})


def mean_flow_per_link(stats):
    """veh/h over the run when every statistics interval has the same length."""
    return stats.groupby("link")["flow"].mean()


def test_network_draws_every_link_by_its_flow(sumo_grid, tmp_path):
    links, stats = sumo_grid["city.links"], sumo_grid["city.link_stats"]
    assert (links["name"] != "").all()  # the SUMO file's edges
    assert sorted(stats["time"].unique()) == [300.0, 600.0]
    ax = sumo_grid.plot.network()
    lines = ax.collections[0]
    segments = lines.get_segments()
    assert len(segments) == len(links) == 34
    # Each line joins its link's end nodes (two-way streets shifted apart by a few metres).
    for seg, (_, l) in zip(segments, links.iterrows()):
        np.testing.assert_allclose(seg[1] - seg[0], [l["x_to"] - l["x_from"], l["y_to"] - l["y_from"]], atol=1e-9)
        assert np.hypot(*(seg[0] - [l["x_from"], l["y_from"]])) < 10.0
    flows = mean_flow_per_link(stats).reindex(links["link"]).to_numpy()
    widths = np.asarray(lines.get_linewidths())
    assert np.argmax(widths) == np.argmax(flows) and (flows == flows.max()).sum() == 1
    # Wider is busier, throughout.
    order = np.argsort(flows, kind="stable")
    assert (np.diff(widths[order]) >= 0).all() and widths.min() < widths.max() / 3
    np.testing.assert_allclose(sumo_grid.plot.link_flows()["flow"], flows, rtol=1e-12)
    assert len(ax.texts) == 34  # link ids, few enough to write
    saved(ax, tmp_path, "network.png")


def test_network_interval_and_runs(sumo_grid):
    stats = sumo_grid["city.link_stats"]
    first = stats[stats["time"] == 300.0].set_index("link")["flow"]
    got = sumo_grid.plot.link_flows(interval=(0, 300)).set_index("link")["flow"]
    np.testing.assert_allclose(got, first.reindex(got.index), rtol=1e-12)
    with pytest.raises(ValueError, match="interval"):
        sumo_grid.plot.link_flows(interval=(900, 1200))
    ds = simulacra.run(scenario("traffic/ring_stop_and_go.yaml"), set={"duration": "5min"}, replicates=2,
                       progress=False)
    stats = ds["ring.link_stats"]
    per_run = stats.groupby(["run", "link"])["flow"].mean().unstack("run")
    assert not np.allclose(per_run[0], per_run[1])  # the runs differ
    np.testing.assert_allclose(ds.plot.link_flows()["flow"], per_run.mean(axis=1), rtol=1e-12)
    np.testing.assert_allclose(ds.plot.link_flows(run=1)["flow"], per_run[1], rtol=1e-12)
    assert len(ds.plot.network(run=1).collections[0].get_segments()) == 8
    with pytest.raises(ValueError, match="run 5"):
        ds.plot.network(run=5)


def test_network_needs_links(town):
    with pytest.raises(ValueError, match="links"):
        town.plot.network()
