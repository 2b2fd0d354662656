"""tfcorrect-eval's per-image values on real photos are those of the code before its metrics were batched.

``tests/fixtures/evaluation/metrics_2dce8f1.csv`` is the ``metrics.csv`` that commit 2dce8f1 (one eager
``tf.image`` call per metric, image and method) wrote for the folder :func:`write_photos` and
``tfcorrect-data simulate-exposure --ev-offsets -1,1`` make; the fixture's README says how.
"""

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
    assert list(new.columns) == list(old.columns)
    np.testing.assert_allclose(new[METRIC_COLUMNS].to_numpy(), old[METRIC_COLUMNS].to_numpy(), rtol=1e-6, atol=0)
