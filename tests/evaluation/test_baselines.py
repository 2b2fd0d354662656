"""Classical baselines and metrics on real photos."""

import cv2
import numpy as np
import pytest

from tfcorrect.data import exposure
from tfcorrect.data.exposure import render_exposure
from tfcorrect.evaluation import baselines, metrics
from tfcorrect.evaluation.metrics import psnr, ssim
from tfcorrect.io.images import read_rgb, write_image
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


def _quantised(image, bits):
    top = 2 ** bits - 1
    return (np.round(image * top) / np.float32(top)).astype(np.float32)


def test_fast_reexposure_baselines_give_the_bits_of_the_tensor_versions(tmp_path):
    photos = [cv2.resize(photo("coffee"), (501, 377), interpolation=cv2.INTER_AREA),  # 566,631 samples: a tail
              cv2.resize(photo("astronaut"), (97, 61), interpolation=cv2.INTER_AREA)]
    write_image(tmp_path / "sixteen.png", photos[0], bit_depth=16)
    images = [exposure.render_exposure(p, ev).numpy() for p in photos for ev in (-1.5, 1.0)]  # not quantised
    images += [_quantised(i, 8) for i in images] + [read_rgb(tmp_path / "sixteen.png")[0]]

    def white_point(image):  # the baseline before it ran its encoding per distinct value
        linear = exposure.srgb_to_linear(image[None]) * exposure.white_point_gain(image[None])
        return exposure.linear_to_srgb(linear).numpy()[0]

    for image in images:
        np.testing.assert_array_equal(baselines.global_reexposure(image),
                                      exposure.global_reexposure(image[None]).numpy()[0])
        np.testing.assert_array_equal(baselines.white_point_reexposure(image), white_point(image))
    assert abs(baselines.global_reexposure(images[0]).mean() - 0.5) < 0.01
