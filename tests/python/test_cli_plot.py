"""`simulacra plot|report|plot-learned|report-learned`, the C++ program's
commands that run `python3 -m simulacra` with the module of its own build:
they work without PYTHONPATH, pass arguments and exit statuses through, and
say clearly (exit 2) when python3 or matplotlib is missing."""

import os
import re
import subprocess

import pytest

from conftest import BIN, SOURCE_DIR, cli_run, scenario

PNG = b"\x89PNG\r\n\x1a\n"
TRADERS = os.path.join(SOURCE_DIR, "scenarios", "market", "models", "traders.csv")


def simulacra_cmd(*args, **env):
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # the program finds its module itself
    clean.update(env)
    return subprocess.run([BIN] + list(args), capture_output=True, text=True, env=clean)


@pytest.fixture(scope="module")
def grid_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("grid")
    runs = cli_run(scenario("traffic/sumo_grid.yaml"), out, ["duration=10min"])
    return os.path.join(out, runs["label"][0] + ".h5")


def test_plot_writes_png(grid_file, tmp_path):
    out = tmp_path / "network.png"
    r = simulacra_cmd("plot", grid_file, "--kind", "network", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert out.read_bytes()[:8] == PNG
    r = simulacra_cmd("plot", grid_file, "--kind", "spacetime", "-o", str(tmp_path / "st.png"))
    assert r.returncode == 2 and "simulacra plot" in r.stderr and "--link" in r.stderr


def test_missing_dataset_exits_2(tmp_path):
    r = simulacra_cmd("plot", str(tmp_path / "missing.h5"), "--kind", "network", "-o", str(tmp_path / "m.png"))
    assert r.returncode == 2
    assert r.stderr.startswith("simulacra plot: ") and "missing.h5" in r.stderr
    assert not (tmp_path / "m.png").exists()


def test_report_of_traffic_dataset(grid_file, tmp_path):
    out = tmp_path / "report.html"
    r = simulacra_cmd("report", grid_file, "-o", str(out))
    assert r.returncode == 0, r.stderr
    captions = re.findall(r"<figcaption>([^<]*)</figcaption>", out.read_text())
    assert len(captions) == 3 and any("road network" in c for c in captions)


def test_learned_commands(tmp_path):
    model, synth = tmp_path / "m.h5", tmp_path / "s.csv"
    subprocess.run([BIN, "fit", TRADERS, "-o", str(model)], check=True, capture_output=True)
    subprocess.run([BIN, "sample", str(model), "-n", "600", "-o", str(synth)], check=True, capture_output=True)
    r = simulacra_cmd("plot-learned", TRADERS, str(synth), "--kind", "correlations", "-o", str(tmp_path / "c.png"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "c.png").read_bytes()[:8] == PNG
    r = simulacra_cmd("report-learned", TRADERS, str(synth), "--no-evaluate", "-o", str(tmp_path / "p.html"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "p.html").read_text().count('<img class="plot"') == 2


def test_help_lists_the_commands():
    r = simulacra_cmd("--help")
    for name in ("plot", "report", "plot-learned", "report-learned"):
        assert re.search(r"^  %s +\S" % name, r.stdout, re.M), name
    r = simulacra_cmd("plot", "--help")
    assert r.returncode == 0 and "usage: simulacra plot" in r.stdout and "network" in r.stdout


def test_no_python_exits_2(tmp_path):
    r = simulacra_cmd("plot", "x.h5", "--kind", "network", "-o", str(tmp_path / "x.png"),
                      SIMULACRA_PYTHON=str(tmp_path / "no-python3"))
    assert r.returncode == 2 and "no-python3" in r.stderr and "matplotlib" in r.stderr


def test_no_matplotlib_exits_2(tmp_path):
    # A matplotlib that cannot be imported, first on the path.
    fake = tmp_path / "fake" / "matplotlib"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ModuleNotFoundError('No module named matplotlib', name='matplotlib')\n")
    r = simulacra_cmd("report", "x.h5", "-o", str(tmp_path / "r.html"), PYTHONPATH=str(tmp_path / "fake"))
    assert r.returncode == 2
    assert "matplotlib is not installed" in r.stderr and "python3-matplotlib" in r.stderr
    assert "Traceback" not in r.stderr
