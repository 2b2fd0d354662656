"""Batched scoring gives the values of the per-image metrics, on real photos."""

import cv2
import numpy as np
import pytest
import tensorflow as tf

from tfcorrect.data import exposure
from tfcorrect.evaluation import baselines, batched, metrics
from conftest import photo


def _outputs(name, size):
    """A real photo resized to ``size`` (the target) and every baseline's output of its -1 EV rendering."""
    target = cv2.resize(photo(name), size, interpolation=cv2.INTER_AREA)
    image = exposure.render_exposure(target, -1.0).numpy()
    return [np.clip(f(image), 0, 1) for f in baselines.BASELINES.values()], target


@pytest.mark.parametrize("name, size, band_values", [
    ("coffee", (201, 163), batched.BAND_VALUES),  # 5 MS-SSIM scales, odd sides
    ("coffee", (201, 163), 2 ** 14),  # a band of one row at a time
    ("chelsea", (64, 48), batched.BAND_VALUES),  # 3 scales
    ("astronaut", (20, 20), batched.BAND_VALUES),  # 1 scale
])
def test_scores_of_all_outputs_at_once_are_those_of_the_per_image_metrics(name, size, band_values, monkeypatch):
    monkeypatch.setattr(batched, "BAND_VALUES", band_values)
    outputs, target = _outputs(name, size)
    scores = batched.score_outputs(outputs, target)
    for metric in ("psnr", "ssim", "ms_ssim"):
        each = [metrics.METRICS[metric](output, target) for output in outputs]
        np.testing.assert_allclose(scores[metric], each, rtol=1e-6, atol=0, err_msg=metric)
    # The similarities' per-position terms are the per-image metrics' own (but for the last bit of a few
    # float32 pows); their means are float64 sums, where the per-image functions' float32 mean rounds by
    # up to 1e-6 on a small photo.
    terms = {"luminance_sim": lambda o, t: metrics.luminance_term(metrics.local_statistics(o, t)),
             "contrast_sim": lambda o, t: metrics.contrast_term(metrics.local_statistics(o, t)),
             "saturation_sim": lambda o, t: _saturation_term(metrics.local_statistics(
                 metrics.saturation(o), metrics.saturation(t)))}
    for metric, term in terms.items():
        each = [np.mean(np.asarray(term(output, target), np.float64)) for output in outputs]
        np.testing.assert_allclose(scores[metric], each, rtol=1e-7, atol=0, err_msg=metric)
        np.testing.assert_allclose(scores[metric], [metrics.METRICS[metric](o, target) for o in outputs], rtol=3e-6)
    assert np.ptp(scores["ssim"]) > 0.05  # the baselines differ: the comparison means something


def _saturation_term(stats):
    return metrics.luminance_term(stats) * metrics.contrast_term(stats)


def test_an_exact_match_scores_the_psnr_cap_and_shapes_must_agree():
    outputs, target = _outputs("coffee", (64, 48))
    scores = batched.score_outputs([target, outputs[1]], target)
    assert scores["psnr"][0] == metrics.PSNR_MAX and scores["psnr"][1] < 40
    assert scores["ssim"][0] == pytest.approx(1.0, abs=1e-6)
    with pytest.raises(ValueError, match="shapes differ"):
        batched.score_outputs([target[:40]], target)
    with pytest.raises(ValueError, match="smaller than the 11x11"):
        batched.score_outputs([target[:10]], target[:10])


def test_saturation_is_that_of_tf_image_rgb_to_hsv_bit_for_bit():
    image = cv2.resize(photo("chelsea"), (97, 61), interpolation=cv2.INTER_AREA)
    image[:3] = 0  # black pixels have no saturation
    np.testing.assert_array_equal(metrics.saturation(image), tf.image.rgb_to_hsv(image)[..., 1:2])
