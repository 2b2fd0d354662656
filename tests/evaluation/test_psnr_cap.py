"""An exact match does not make tfcorrect-eval's mean PSNR infinite (the documented identity check)."""

import math

import cv2
import pandas as pd
import pytest

from tfcorrect.cli import data as data_cli
from tfcorrect.cli import eval as eval_cli
from tfcorrect.io.images import write_image
from conftest import photo


@pytest.fixture(autouse=True)
def no_inception_weights(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))


def test_simulated_zero_ev_pairs_score_the_cap_and_every_mean_is_finite(tmp_path, capsys):
    for name in ("coffee", "chelsea"):
        write_image(tmp_path / "photos" / f"{name}.png", cv2.resize(photo(name), (64, 48), interpolation=cv2.INTER_AREA))
    assert data_cli.main(["simulate-exposure", str(tmp_path / "photos"), str(tmp_path / "set"),
                          "--ev-offsets", "-1,0"]) == 0
    out = tmp_path / "eval"
    assert eval_cli.main([str(tmp_path / "set"), "--baselines", "identity", "--out", str(out)]) == 0
    table = pd.read_csv(out / "metrics.csv")
    psnr = table.groupby("condition").psnr
    assert (psnr.max()["ev+0"], psnr.min()["ev+0"]) == (100, 100)  # input == target
    assert psnr.max()["ev-1"] < 40
    assert all(math.isfinite(v) for v in table.psnr)
    report = (out / "report.md").read_text()
    rows = {line.split("|")[1].strip(): line for line in report.splitlines() if line.startswith("| ev")}
    assert "| 100.00 |" in rows["ev+0"] and "| inf |" not in report
    assert "capped at 100 dB" in report
    overall = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("| identity |"))
    assert 40 < float(overall.split("|")[3]) < 100  # the mean of 100 and ~20 dB
