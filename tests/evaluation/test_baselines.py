"""Classical baselines and metrics on real photos."""

import numpy as np
import pytest

from tfcorrect.evaluation import baselines, metrics
from tfcorrect.data.exposure import render_exposure
from tfcorrect.evaluation.metrics import psnr, ssim
from conftest import photo


def test_global_reexposure_brings_the_mean_to_mid_gray():
    dark = render_exposure(photo("coffee"), -1.5).numpy()
    assert abs(baselines.global_reexposure(dark).mean() - 0.5) < 0.01


def test_white_point_recovers_an_underexposed_photo_whose_highlights_were_white():
    original = photo("motorcycle_left")  # its brightest pixels are white
    dark = render_exposure(original, -1.5).numpy()
    assert psnr(baselines.white_point_reexposure(dark), original) > 35 > psnr(dark, original) + 15


@pytest.mark.parametrize("name", sorted(baselines.BASELINES))
def test_every_baseline_keeps_shape_and_range(name):
    image = photo("chelsea")[:64, :80]
    out = baselines.BASELINES[name](image)
    assert out.shape == image.shape and out.dtype == np.float32
    assert 0 <= out.min() and out.max() <= 1


def test_metrics_rank_a_closer_image_higher():
    original = photo("astronaut")
    near, far = render_exposure(original, -0.5).numpy(), render_exposure(original, -1.5).numpy()
    assert psnr(near, original) > psnr(far, original)
    assert ssim(near, original) > ssim(far, original)
    assert psnr(original, original) == metrics.PSNR_MAX == 100  # an exact match: capped, not infinite
    assert psnr(np.nextafter(original, 2, dtype=np.float32), original) == 100  # closer than 1e-5 rms
    assert 90 < psnr(np.clip(original + 3e-5, 0, 1), original) < 100
    with pytest.raises(ValueError, match="shapes differ"):
        psnr(original, original[:10])


def test_histogram_equalisation_flattens_each_channel():
    out = baselines.histogram_equalisation(render_exposure(photo("coffee"), -1.5).numpy())
    for c in range(3):
        assert abs(out[..., c].mean() - 0.5) < 0.05
