"""make demo's steps on a small trained run folder: render, predict, score, draw."""

import re

import numpy as np
import pytest

from tfcorrect import demo
from tfcorrect.data.exposure import render_exposure
from tfcorrect.io.images import read_image, to_uint
from tfcorrect.evaluation.metrics import psnr, ssim
from tfcorrect.io.sample_photos import DEMO_SET, TRAIN_SET
from conftest import photo

ROW = r"^  (input|CLAHE|global re-exposure|white-point re-exp\.|tfcorrect)\s+(\d+\.\d\d)\s+(\d\.\d\d\d)$"


def test_demo_photos_were_not_used_for_training():
    assert not set(DEMO_SET) & set(TRAIN_SET)


@pytest.mark.slow
def test_demo_scores_every_method_and_draws_the_grid(tmp_path, run_dir, capsys):
    assert demo.main(["--run", str(run_dir), "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    rows = {name: (float(p), float(s)) for name, p, s in re.findall(ROW, out, re.M)}
    assert set(rows) == {"input", "CLAHE", "global re-exposure", "white-point re-exp.", "tfcorrect"}

    # Recompute, from the files the demo wrote, what the input and tfcorrect rows must say.
    names = [f"{name}_{ev:+.1f}EV.png" for name in DEMO_SET for ev in demo.EV_OFFSETS]
    assert sorted(p.name for p in (tmp_path / "inputs").iterdir()) == sorted(names)
    assert sorted(p.name for p in (tmp_path / "outputs").iterdir()) == sorted(names)
    scores = {"input": [], "tfcorrect": []}
    for name in DEMO_SET:
        original = photo(name)
        np.testing.assert_array_equal(read_image(tmp_path / "originals" / f"{name}.png").pixels, original)
        for ev in demo.EV_OFFSETS:
            file = f"{name}_{ev:+.1f}EV.png"
            rendered = read_image(tmp_path / "inputs" / file).pixels
            np.testing.assert_array_equal(to_uint(rendered, 8), to_uint(render_exposure(original, ev).numpy(), 8))
            for row, folder in (("input", "inputs"), ("tfcorrect", "outputs")):
                image = rendered if row == "input" else read_image(tmp_path / folder / file).pixels
                scores[row].append((psnr(image, original), ssim(image, original)))
    for row, values in scores.items():
        mean_psnr, mean_ssim = np.mean(values, axis=0)
        assert rows[row][0] == pytest.approx(mean_psnr, abs=0.0051), row
        assert rows[row][1] == pytest.approx(mean_ssim, abs=0.00051), row

    # Half the renders are underexposed with white highlights in the original, which the
    # white-point gain recovers; the overexposed half gets a gain of 1 and stays as it was.
    assert rows["white-point re-exp."][0] > rows["input"][0] + 5

    count = len(DEMO_SET) * len(demo.EV_OFFSETS)
    assert f"{count} written, 0 failed" in out
    assert read_image(tmp_path / "grid.png").height == count * demo.GRID_HEIGHT
