"""Typed errors: a bad scenario raises simulacra.ScenarioError with every
issue's file, line, column and key path, the CLI's message as str()."""

import subprocess

import pytest

import simulacra
from conftest import BIN, scenario

BAD = """name: bad
seed: 1
duration: 10s
populations:
  - name: bd
    type: birth_death
    params: {lambda: 1, mu: -2, strat: 1}
"""


def test_scenario_error_positions(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(BAD)
    with pytest.raises(simulacra.ScenarioError) as e:
        simulacra.run(str(path))
    err = e.value
    assert isinstance(err, simulacra.Error)
    assert len(err.issues) == 2  # every problem, not just the first
    mu = next(i for i in err.issues if i["key_path"] == "populations[0].params.mu")
    strat = next(i for i in err.issues if "'strat'" in i["message"])
    assert (mu["file"], mu["line"]) == (str(path), 7)
    assert mu["column"] == BAD.splitlines()[6].index("-2") + 1
    assert strat["key_path"] == "populations[0].params" and strat["line"] == 7
    assert "did you mean 'start'" in strat["message"]
    assert err.file == str(path) and err.line == 7
    # The message is what the CLI prints.
    cli = subprocess.run([BIN, "validate", str(path)], capture_output=True, text=True)
    assert cli.returncode == 2
    for line in str(err).splitlines():
        assert line in cli.stderr


def test_bad_override():
    with pytest.raises(simulacra.ScenarioError) as e:
        simulacra.run(scenario("engine/birth_death.yaml"), set={"populations[0].params.lamda": 2})
    assert "lambda" in str(e.value)


def test_bad_time():
    s = simulacra.Session(scenario("engine/birth_death.yaml"))
    with pytest.raises(simulacra.Error):
        s.advance("ten days")


def test_missing_file():
    with pytest.raises(simulacra.ScenarioError):
        simulacra.run("/nonexistent/scenario.yaml")


def test_session_run_out_of_range():
    with pytest.raises(simulacra.ScenarioError) as e:
        simulacra.Session(scenario("engine/birth_death.yaml"), run=4)
    assert "1 run" in str(e.value)
