"""make demo's steps on a small trained run folder: render, predict, score, draw."""

import re

from tfcorrect import demo
from tfcorrect.imageio import read_image
from tfcorrect.sample_photos import DEMO_SET, TRAIN_SET


def test_demo_photos_were_not_used_for_training():
    assert not set(DEMO_SET) & set(TRAIN_SET)


def test_demo_scores_every_method_and_draws_the_grid(tmp_path, run_dir, capsys):
    assert demo.main(["--run", str(run_dir), "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    rows = dict(re.findall(r"^  (input|CLAHE|global re-exposure|white-point re-exp\.|tfcorrect)\s+([\d.]+)", out, re.M))
    assert set(rows) == {"input", "CLAHE", "global re-exposure", "white-point re-exp.", "tfcorrect"}
    assert all(5 < float(v) < 60 for v in rows.values())
    count = len(DEMO_SET) * len(demo.EV_OFFSETS)
    assert f"{count} written, 0 failed" in out
    assert read_image(tmp_path / "grid.png").height == count * demo.GRID_HEIGHT
