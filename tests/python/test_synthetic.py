"""Real against synthetic tables: the marginal plot (one axis per column,
the bars and histograms holding the tables' own shares and densities), the
association matrices against closed forms (phi of a 2 x 2 table, the
correlation ratio of two groups), and plot-learned / report-learned from the
command line."""

import base64
import math
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import simulacra
from conftest import SOURCE_DIR

TRADERS = os.path.join(SOURCE_DIR, "scenarios", "market", "models", "traders.csv")
PERSONS = os.path.join(SOURCE_DIR, "scenarios", "epidemic", "models", "persons.csv")
CHROMIUM = shutil.which("chromium")


@pytest.fixture(scope="module")
def traders():
    real = pd.read_csv(TRADERS)  # kind (noise, value, momentum), order_size, interval
    return real, simulacra.fit(real).sample(1500, seed=3)


def close(fig):
    import matplotlib.pyplot as plt
    plt.close(fig)


def test_marginals_one_axis_per_column(traders):
    real, synth = traders
    fig = simulacra.plot_marginals(real, synth)
    assert [ax.get_title() for ax in fig.axes] == ["kind", "order_size", "interval"]
    kind, size = fig.axes[0], fig.axes[1]
    # Categorical: bars of each level's share, real then synthetic, the real table's most frequent level first.
    levels = real["kind"].value_counts().index
    heights = [p.get_height() for p in kind.patches]
    np.testing.assert_allclose(heights[:3], real["kind"].value_counts(normalize=True)[levels])
    np.testing.assert_allclose(heights[3:], synth["kind"].astype(str).value_counts(normalize=True)[levels])
    assert [t.get_text() for t in kind.get_xticklabels()] == list(levels)
    # Numeric: densities over bins shared by both tables.
    edges = np.histogram_bin_edges(pd.concat([real["order_size"], synth["order_size"]]).astype(float), bins=30)
    expected, _ = np.histogram(real["order_size"], bins=edges, density=True)
    np.testing.assert_allclose([p.get_height() for p in size.patches[:30]], expected)
    close(fig)


def test_marginals_few_values_as_bars():
    real = pd.read_csv(PERSONS)  # age, household_size (1 to 6 or so)
    synth = simulacra.fit(real).sample(800, seed=1)
    fig = simulacra.plot_marginals(real, synth, columns=["household_size"])
    assert len(fig.axes) == 1
    values = np.sort(pd.concat([real["household_size"], synth["household_size"]]).unique())
    ax = fig.axes[0]
    assert len(ax.patches) == 2 * len(values)
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(v) for v in values]
    shares = real["household_size"].value_counts(normalize=True).reindex(values, fill_value=0.0)
    np.testing.assert_allclose([p.get_height() for p in ax.patches[:len(values)]], shares)
    close(fig)


def test_associations_closed_forms():
    # A 2 x 2 table [[30, 10], [20, 40]]: Cramér's V is |phi| = |ad - bc| / sqrt((a+b)(c+d)(a+c)(b+d)).
    a, b, c, d = 30, 10, 20, 40
    x = ["p"] * (a + b) + ["q"] * (c + d)
    y = ["u"] * a + ["v"] * b + ["u"] * c + ["v"] * d
    # Two groups with values {1, 3} and {5, 7}: eta^2 = between / total = 16 / 20.
    df = pd.DataFrame({"x": x, "y": y, "g": (["A", "A", "B", "B"] * 25),
                       "v": [1.0, 3.0, 5.0, 7.0] * 25, "w": np.arange(100.0)})
    m = simulacra.associations(df)
    phi = abs(a * d - b * c) / math.sqrt((a + b) * (c + d) * (a + c) * (b + d))
    assert m.loc["x", "y"] == pytest.approx(phi, rel=1e-12)
    assert m.loc["g", "v"] == pytest.approx(math.sqrt(16 / 20), rel=1e-12) == m.loc["v", "g"]
    assert m.loc["v", "w"] == pytest.approx(np.corrcoef(df["v"], df["w"])[0, 1], rel=1e-12)
    assert (np.diag(m) == 1).all()
    # Numbers as categories on request.
    m2 = simulacra.associations(df, simulacra.synthetic.column_kinds(df, {"v": "categorical"}))
    assert m2.loc["g", "v"] == pytest.approx(1.0)  # each value of v belongs to one group


def test_correlations_side_by_side(traders):
    real, synth = traders
    fig = simulacra.plot_correlations(real, synth)
    left, right = fig.axes[0], fig.axes[1]
    np.testing.assert_allclose(left.images[0].get_array(), simulacra.associations(real).to_numpy())
    np.testing.assert_allclose(right.images[0].get_array(), simulacra.associations(synth.astype({"kind": str})))
    r = np.corrcoef(real["order_size"], real["interval"])[0, 1]
    assert left.images[0].get_array()[1, 2] == pytest.approx(r)
    assert left.get_title() == "real" and right.get_title() == "synthetic"
    close(fig)


def test_columns_must_match(traders):
    real, synth = traders
    with pytest.raises(ValueError, match="missing interval"):
        simulacra.plot_marginals(real, synth.drop(columns="interval"))
    with pytest.raises(ValueError, match="not numeric"):
        simulacra.plot_correlations(real, synth, types={"kind": "numeric"})


def module(*args):
    return subprocess.run([sys.executable, "-m", "simulacra"] + list(args), capture_output=True, text=True)


def test_plot_and_report_learned_commands(traders, tmp_path):
    real, synth = traders
    synth.to_csv(tmp_path / "synth.csv", index=False)
    for kind in ("marginals", "correlations"):
        r = module("plot-learned", TRADERS, str(tmp_path / "synth.csv"), "--kind", kind, "-o", str(tmp_path / "f.png"))
        assert r.returncode == 0, r.stderr
        assert (tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    out = tmp_path / "page.html"
    r = module("report-learned", TRADERS, str(tmp_path / "synth.csv"), "-o", str(out))
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    imgs = re.findall(r'<img class="plot" alt="[^"]*" src="data:image/png;base64,([^"]+)"', text)
    assert len(imgs) == 2 and all(base64.b64decode(b)[:4] == b"\x89PNG" for b in imgs)
    assert "two-sample classifier AUC" in text and "<td>order_size</td>" in text
    assert not re.search(r'(src|href)="(?!data:)', text)
    r = module("plot-learned", TRADERS, str(tmp_path / "nothing.csv"), "-o", str(tmp_path / "g.png"))
    assert r.returncode == 2 and "nothing.csv" in r.stderr and not (tmp_path / "g.png").exists()
    pd.read_csv(TRADERS).drop(columns="kind").to_csv(tmp_path / "fewer.csv", index=False)
    r = module("report-learned", TRADERS, str(tmp_path / "fewer.csv"), "-o", str(tmp_path / "p.html"))
    assert r.returncode == 2 and "missing kind" in r.stderr and not (tmp_path / "p.html").exists()


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)")
def test_learned_page_renders_in_chromium(traders, tmp_path):
    real, synth = traders
    out = tmp_path / "page.html"
    simulacra.synthetic.write_report(real, synth, out, evaluation=False)
    dom = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", "file://" + str(out)],
                         capture_output=True, text=True, timeout=120).stdout
    assert "rendered 2 of 2" in dom
