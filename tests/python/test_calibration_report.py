"""`simulacra calibrate` output read back and drawn: fit.csv against the
observed file, the HTML report's images (fit bands, marginals, pairs), prior
draws in the `--fit` notation, and a folder that is not a calibration."""

import base64
import os
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from simulacra import calibration
from conftest import BIN, scenario


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory):
    out = tmp_path_factory.mktemp("cal") / "school"
    subprocess.run([BIN, "calibrate", scenario("epidemic/boarding_school.yaml"),
                    "--observed", scenario("epidemic/data/boarding_school_1978.csv"), "--start", "1978-01-18",
                    "--target", "school.symptomatic ~ in_bed | poisson",
                    "--fit", "populations[0].params.beta=loguniform(0.02,0.5)",
                    "--fit", "populations[0].params.symptomatic_mean=uniform(1d,6d)",
                    "--budget", "400", "--population", "50", "--predictive", "40", "--seed", "3",
                    "-o", str(out), "--quiet"], check=True)
    return str(out)


def test_fit_table_holds_every_observed_day_with_ordered_bands(calibrated):
    cal = calibration.read(calibrated)
    obs = pd.read_csv(scenario("epidemic/data/boarding_school_1978.csv"))
    fit = cal.fit
    assert list(fit["observed"]) == list(obs["in_bed"])
    # Days since --start: 1978-01-22 is day 4.
    assert list(fit["time"]) == list(range(4, 18))
    for lo, hi in [("q05", "q25"), ("q25", "median"), ("median", "q75"), ("q75", "q95")]:
        assert (fit[lo] <= fit[hi]).all(), (lo, hi)
    assert cal.report["predictive_simulations"] == 40
    assert set(cal.parameters["name"]) == {"populations[0].params.beta", "populations[0].params.symptomatic_mean"}


def test_html_report_has_fit_marginals_and_pairs(calibrated, tmp_path):
    path = tmp_path / "report.html"
    r = subprocess.run([sys.executable, "-m", "simulacra", "calibration-report", calibrated, "-o", str(path)],
                       capture_output=True, text=True, env=dict(os.environ))
    assert r.returncode == 0, r.stderr
    text = path.read_text()
    captions = re.findall(r'<img class="plot" alt="([^"]*)"', text)
    assert len(captions) == 4, captions  # one fit, two marginals, the pairs
    assert captions[0].startswith("school.symptomatic ~ in_bed")
    assert any(c.startswith("posterior pairs") for c in captions)
    for png in re.findall(r'src="data:image/png;base64,([^"]+)"', text):
        assert base64.b64decode(png)[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Calibration of" in text and "populations[0].params.beta" in text


def test_prior_draws_follow_the_notation():
    u = calibration.prior_draws("uniform(2, 5)")
    assert u.min() >= 2 and u.max() <= 5 and abs(u.mean() - 3.5) < 0.05
    lu = calibration.prior_draws("loguniform(0.01, 1)")
    assert abs(np.log(lu).mean() - 0.5 * (np.log(0.01) + np.log(1))) < 0.05
    t = calibration.prior_draws("truncated(normal(0, 1), 0, 5)")
    assert t.min() >= 0 and abs(t.mean() - np.sqrt(2 / np.pi)) < 0.03
    r = calibration.prior_draws("randint(1, 4)")
    assert set(np.unique(r)) == {1.0, 2.0, 3.0, 4.0}
    i = calibration.prior_draws("integer(uniform(0.5, 3.5))")
    assert set(np.unique(i)) == {1.0, 2.0, 3.0}
    d = calibration.prior_draws("uniform(10d, 60d)")
    assert d.min() >= 10 and d.max() <= 60
    with pytest.raises(ValueError):
        calibration.prior_draws("gamma(1, 2)")


def test_a_folder_that_is_not_a_calibration_is_refused(tmp_path):
    r = subprocess.run([sys.executable, "-m", "simulacra", "calibration-report", str(tmp_path), "-o",
                        str(tmp_path / "r.html")], capture_output=True, text=True, env=dict(os.environ))
    assert r.returncode == 2
    assert "is not a folder `simulacra calibrate` wrote" in r.stderr
    assert not (tmp_path / "r.html").exists()
