"""python3 -m simulacra report / plot: a self-contained HTML page whose
images are inline PNGs (rendered by headless Chromium when Debian's
chromium is installed), and figure files from the command line."""

import base64
import os
import re
import shutil
import subprocess
import sys

import pytest

import simulacra
from simulacra import report
from conftest import cli_run, scenario

CHROMIUM = shutil.which("chromium")


def module(*args):
    return subprocess.run([sys.executable, "-m", "simulacra"] + list(args), capture_output=True, text=True,
                          env=dict(os.environ))


@pytest.fixture(scope="module")
def town_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("town")
    runs = cli_run(scenario("epidemic/town.yaml"), out, ["populations[0].params.persons=2000"])
    return os.path.join(out, runs["label"][0] + ".h5")


def images(text):
    return re.findall(r'<img class="plot" alt="[^"]*" src="data:image/png;base64,([^"]+)"', text)


def rendered(path):
    dom = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
                          "file://" + str(path)], capture_output=True, text=True, timeout=120).stdout
    m = re.search(r'id="rendered">rendered (\d+) of (\d+)', dom)
    assert m, "the page's check did not run"
    return int(m.group(1)), int(m.group(2))


def test_report_of_cli_dataset(town_file, tmp_path):
    out = tmp_path / "report.html"
    r = module("report", town_file, "-o", str(out))
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    ds = simulacra.open(town_file)
    assert ds.provenance["trace_hash"] in text
    for name in ds.table_names:
        assert "<h3>%s</h3>" % name in text
    imgs = images(text)
    assert len(imgs) == 2  # epidemic curves by state and by age band
    for b64 in imgs:
        assert base64.b64decode(b64)[:8] == b"\x89PNG\r\n\x1a\n"
    # Self-contained: nothing is fetched from elsewhere.
    assert not re.search(r'(src|href)="(?!data:)', text)


@pytest.mark.parametrize("rel, sets, expected", [
    ("traffic/ring_stop_and_go.yaml", {}, 3),  # fundamental diagram, network with flows, space-time
    ("market/spoofing_day.yaml", {"duration": "1h"}, 2),
])
def test_report_other_domains(rel, sets, expected, tmp_path):
    ds = simulacra.run(scenario(rel), set=sets)
    report.write(ds, tmp_path / "r.html")
    text = (tmp_path / "r.html").read_text()
    assert len(images(text)) == expected
    assert ("road network, width and colour by flow" in text) == rel.startswith("traffic/")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)")
def test_report_renders_in_chromium(town_file, tmp_path):
    out = tmp_path / "report.html"
    report.write(simulacra.open(town_file), out)
    assert rendered(out) == (2, 2)
    # The check can fail: a damaged image is not counted.
    text = out.read_text()
    first = images(text)[0]
    broken = tmp_path / "broken.html"
    # A PNG whose signature is gone cannot be decoded (a damaged middle
    # still renders: the header gives its size and Chromium draws what it can).
    broken.write_text(text.replace(first, "AAAAAAAAAAAA" + first[12:], 1))
    assert rendered(broken) == (1, 2)


def test_plot_command(town_file, tmp_path):
    for kind, name in (("epicurve", "fig.svg"), ("epicurve-age", "fig.png")):
        r = module("plot", town_file, "--kind", kind, "-o", str(tmp_path / name))
        assert r.returncode == 0, r.stderr
    assert (tmp_path / "fig.svg").read_text().lstrip().startswith("<?xml")
    assert (tmp_path / "fig.png").read_bytes()[:4] == b"\x89PNG"
    r = module("plot", town_file, "--kind", "price", "-o", str(tmp_path / "p.png"))
    assert r.returncode == 2 and "trades" in r.stderr
    r = module("plot", str(tmp_path / "missing.h5"), "--kind", "epicurve", "-o", str(tmp_path / "m.png"))
    assert r.returncode == 2 and "missing.h5" in r.stderr
