"""simulacra.Session: step by step gives the rows of a straight run;
branches are deterministic and independent; live changes take effect (the
jump chain's up-fraction follows lambda / (lambda + mu))."""

import numpy as np
import pandas as pd
import pytest

import simulacra
from conftest import scenario

TOWN = scenario("epidemic/town.yaml")
SMALL = {"populations[0].params.persons": 1500, "duration": "80d"}

CHAIN = ("name: chain\nseed: 11\nduration: 5000s\n"
         "populations:\n  - {name: bd, type: birth_death, params: {lambda: 1, mu: 1, start: 400}}\n")


def test_steps_give_the_straight_run():
    s = simulacra.Session(TOWN, set=SMALL)
    assert s.now == 0 and s.end == 80 * 86400
    days = 0
    while s.advance("7d"):
        days += 7
    assert s.over and s.now == s.end
    stepped = s.finish()
    straight = simulacra.run(TOWN, set=SMALL)
    assert stepped.provenance["trace_hash"] == straight.provenance["trace_hash"]
    for name in straight.table_names:
        pd.testing.assert_frame_equal(stepped[name], straight[name])


def test_observe_matches_tables():
    s = simulacra.Session(TOWN, set=SMALL)
    s.advance("10d")
    obs = s.observe()
    assert "town.attack_rate" in obs and set(obs) == set(s.observable_names)
    ds = s.finish()
    infections = ds["town.infections"]
    persons = 1500
    # attack rate at day 10 = infections before day 10 / persons
    assert obs["town.attack_rate"] == pytest.approx((infections["time"] < 10).sum() / persons)


def test_branches():
    s = simulacra.Session(TOWN, set=SMALL)
    s.advance("12d")
    a, b, a_again = s.branch(5), s.branch(6), s.branch(5)
    rows = []
    for x in (a, b, a_again):
        x.advance_to("50d")
        rows.append(x.finish()["town.infections"])
    pd.testing.assert_frame_equal(rows[0], rows[2])
    assert not rows[0].equals(rows[1])
    # A branch's dataset starts at the branch point.
    assert rows[0]["time"].min() >= 12
    # The parent is unchanged by its branches: it still gives the straight run.
    s.advance_to("80d")
    parent = s.finish()
    straight = simulacra.run(TOWN, set=SMALL)
    pd.testing.assert_frame_equal(parent["town.infections"], straight["town.infections"])


def test_default_branch_numbers():
    s = simulacra.Session(CHAIN)
    s.advance(100)
    first, second = s.branch(), s.branch()
    again = simulacra.Session(CHAIN)
    again.advance(100)
    first_again = again.branch(0)
    for x in (first, second, first_again):
        x.advance(500)
    f, g, h = (x.finish()["bd.path"] for x in (first, second, first_again))
    pd.testing.assert_frame_equal(f, h)
    assert not f.equals(g)


def up_fraction(levels):
    steps = np.diff(levels)
    assert set(np.unique(steps)) <= {-1, 1}
    return (steps > 0).mean()


def test_live_change_follows_closed_form():
    s = simulacra.Session(CHAIN)
    s.advance("2000s")
    s.set("populations[0].params.lambda", 3)
    s.advance_to("5000s")
    path = s.finish()["bd.path"]
    before = path[path["time"] <= 2000]["level"].to_numpy()
    after = path[path["time"] >= 2000]["level"].to_numpy()
    assert len(before) > 1900 and len(after) > 2900
    assert abs(up_fraction(before) - 0.5) < 4 * np.sqrt(0.25 / len(before))
    assert abs(up_fraction(after) - 0.75) < 4 * np.sqrt(0.75 * 0.25 / len(after))


def test_set_by_name_and_short_path():
    for path in ("populations.bd.params.mu", "bd.mu"):
        s = simulacra.Session(CHAIN)
        s.set(path, 3)
        s.advance(3000)
        levels = s.finish()["bd.path"]["level"].to_numpy()
        assert abs(up_fraction(levels) - 0.25) < 0.05


def test_set_errors():
    s = simulacra.Session(CHAIN)
    with pytest.raises(simulacra.ScenarioError):
        s.set("populations[0].params.start", 3)  # not live
    with pytest.raises(simulacra.ScenarioError):
        s.set("populations[0].params.lambda", -1)  # out of range
    with pytest.raises(simulacra.ScenarioError):
        s.set("populations[3].params.lambda", 1)
    with pytest.raises(simulacra.ScenarioError):
        s.set("nonsense", 1)


def test_advance_until():
    s = simulacra.Session(TOWN, set=SMALL)
    held = s.advance_until("town.attack_rate > 0.05", "1d")
    assert held
    assert s.observe()["town.attack_rate"] > 0.05
    assert s.now % 86400 == 0 and s.now < s.end
    with pytest.raises(simulacra.ExpressionError) as e:
        s.advance_until("town.atack_rate > 0.1", "1d")
    assert "town.attack_rate" in str(e.value)


def test_finished_session_refuses():
    s = simulacra.Session(CHAIN)
    s.finish()
    with pytest.raises(RuntimeError):
        s.advance(1)
