"""tfcorrect-eval's per-image values on real photos are those of the code before its metrics were batched.

``tests/fixtures/evaluation/metrics_2dce8f1.csv`` is the ``metrics.csv`` that commit 2dce8f1 (one eager
``tf.image`` call per metric, image and method) wrote for the folder :func:`write_photos` and
``tfcorrect-data simulate-exposure --ev-offsets -1,1`` make; the fixture's README says how.
"""

import pathlib

import cv2
import numpy as np
import pandas as pd
import pytest

from tfcorrect.cli import data as data_cli
from tfcorrect.cli import eval as eval_cli
from tfcorrect.io.images import write_image
from conftest import FIXTURES, photo

REFERENCE = FIXTURES / "evaluation" / "metrics_2dce8f1.csv"
# photo -> (width, height): odd sides pad every MS-SSIM scale; 201x163 holds all 5 scales, 96x70 three.
SIZES = {"coffee": (201, 163), "chelsea": (96, 70), "astronaut": (64, 48)}
METRIC_COLUMNS = ["psnr", "ssim", "ms_ssim", "luminance_sim", "contrast_sim", "saturation_sim"]


def write_photos(folder):
    """The real photos of the reference, resized (``INTER_AREA``) and written as 8-bit PNGs."""
    for name, size in SIZES.items():
        write_image(f"{folder}/{name}.png", cv2.resize(photo(name), size, interpolation=cv2.INTER_AREA))


@pytest.fixture(autouse=True)
def no_inception_weights(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))


def test_every_baseline_scores_the_values_of_the_unbatched_metrics(tmp_path):
    write_photos(tmp_path / "photos")
    assert data_cli.main(["simulate-exposure", str(tmp_path / "photos"), str(tmp_path / "set"),
                          "--ev-offsets", "-1,1"]) == 0
    assert eval_cli.main([str(tmp_path / "set"), "--grid", "0", "--out", str(tmp_path / "eval")]) == 0
    new = pd.read_csv(tmp_path / "eval" / "metrics.csv").set_index(["image", "method"]).sort_index()
    old = pd.read_csv(REFERENCE).set_index(["image", "method"]).sort_index()
    assert list(new.index) == list(old.index) and len(old) == len(SIZES) * 2 * 6
    # The clipped-area scores and new edges came after the reference.
    assert list(new.columns) == [*old.columns, "psnr_clipped", "ssim_clipped", "new_edges"]
    # 1e-6 holds on the machine that wrote the reference (and bench/eval.py shows it old against new in one
    # run anywhere); another CPU's oneDNN kernels move the old code's own float32 values by up to ~1e-5.
    np.testing.assert_allclose(new[METRIC_COLUMNS].to_numpy(), old[METRIC_COLUMNS].to_numpy(),
                               rtol=1e-6 if _same_machine() else 1e-4, atol=0)


def _same_machine():
    """Whether this CPU is the reference's (its model name is in the fixture's README)."""
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo", encoding="utf-8")
                  if line.startswith("model name")), None) if pathlib.Path("/proc/cpuinfo").exists() else None
    return model is not None and model in (FIXTURES / "evaluation" / "README.md").read_text(encoding="utf-8")
