"""Angular error, its statistics, the classical illuminant estimators and von Kries correction."""

import cv2
import numpy as np
import pytest

from tfcorrect.methods.illum_da import classical as cc
from tfcorrect.methods.illum_da import cameras, capture, lights
from conftest import photo

ESTIMATORS = sorted(cc.ESTIMATORS)


def _raw(name, camera="C", light=None, side=64):
    """A real photo as ``camera`` records it under ``light`` (default: a 3000 K blackbody); and the truth."""
    light = light or lights.blackbody(3000)
    srgb = cv2.resize(photo(name), (side, side), interpolation=cv2.INTER_AREA)
    linear = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    return capture.expose(cameras.render(linear, camera, light), 1.0), cameras.white_response(camera, light)


def test_angular_error_matches_hand_computed_angles():
    estimate = np.array([[1, 0, 0], [1, 1, 0], [2, 2, 2], [1, 2, 3]], float)
    truth = np.array([[0, 1, 0], [1, 0, 0], [1, 1, 1], [3, 2, 1]], float)
    # cos = 0, 1/sqrt(2), 1, 10/14
    expected = [90.0, 45.0, 0.0, np.degrees(np.arccos(10 / 14))]
    np.testing.assert_allclose(cc.angular_error(estimate, truth), expected, atol=1e-6)


def test_angular_error_broadcasts_and_gives_nan_for_a_zero_vector():
    errors = cc.angular_error(np.array([[[1, 0, 0]], [[0, 0, 1]]]), np.array([0, 0, 5]))
    assert errors.shape == (2, 1)
    np.testing.assert_allclose(errors[:, 0], [90.0, 0.0], atol=1e-6)
    assert np.isnan(cc.angular_error([0, 0, 0], [1, 1, 1]))


def test_error_statistics_match_hand_computed_values():
    errors = [5, 1, 20, 3, 0, 9, 2, 4, np.nan]  # sorted (NaN dropped): 0 1 2 3 4 5 9 20
    stats = cc.error_statistics(errors)
    # numpy linear percentiles at positions 0.25*7, 0.5*7, 0.75*7, 0.95*7 of the sorted errors
    q1, median, q3, p95 = 1.75, 3.5, 6.0, 9 + 0.65 * 11
    assert stats == pytest.approx({"mean": 44 / 8, "median": median, "trimean": (q1 + 2 * median + q3) / 4,
                                   "best25": (0 + 1) / 2, "worst25": (9 + 20) / 2, "p95": p95})


def test_error_statistics_of_nothing_are_nan_and_of_one_error_that_error():
    assert all(np.isnan(v) for v in cc.error_statistics([]).values())
    assert set(cc.error_statistics([2.0]).values()) == {2.0}


@pytest.mark.parametrize("name", ["astronaut", "rocket", "motorcycle_left"])
def test_gray_world_on_a_real_photo_under_a_known_light_beats_no_correction(name):
    # Photos of many colours: on one dominated by a single hue (coffee) gray-world fails, as it should.
    image, truth = _raw(name)
    no_correction = cc.angular_error([1, 1, 1], truth)
    assert no_correction > 10  # the 3000 K light is far from the camera's white
    assert cc.angular_error(cc.gray_world(image), truth) < no_correction / 2


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_every_estimator_recovers_a_warm_and_a_cold_light_better_than_no_correction(estimator):
    for light in (lights.blackbody(3000), lights.daylight(9000)):
        image, truth = _raw("astronaut", "N", light)
        estimate = cc.ESTIMATORS[estimator](cc.mask_saturated(image))
        assert np.linalg.norm(estimate) == pytest.approx(1.0)
        assert cc.angular_error(estimate, truth) < cc.angular_error([1, 1, 1], truth)


def test_shades_of_gray_spans_gray_world_and_white_patch():
    image, _ = _raw("chelsea")
    assert cc.angular_error(cc.shades_of_gray(image, p=1), cc.gray_world(image)) < 1e-6
    assert cc.angular_error(cc.shades_of_gray(image, p=200), cc.white_patch(image)) < 1.0


def test_robust_white_patch_ignores_a_hot_pixel_that_moves_max_rgb():
    image = _raw("coffee")[0] * 0.5  # nothing reaches 1
    hot = image.copy()
    hot[5, 5] = [1.0, 0.0, 0.0]
    assert cc.angular_error(cc.white_patch(hot), cc.white_patch(image)) > 5
    assert cc.angular_error(cc.white_patch(hot, percentile=99), cc.white_patch(image, percentile=99)) < 0.5


def test_gray_edge_ignores_a_uniform_colour_cast_added_to_the_image():
    image, _ = _raw("astronaut")
    offset = image + np.array([0.3, 0.0, 0.1], np.float32)
    assert cc.angular_error(cc.gray_edge(offset, p=1, sigma=1), cc.gray_edge(image, p=1, sigma=1)) < 1e-3
    assert cc.angular_error(cc.gray_world(offset), cc.gray_world(image)) > 5


def test_correct_keeps_green_and_turns_the_light_gray():
    illuminant = np.array([0.8, 0.5, 0.2])
    image, _ = _raw("rocket")
    image[0, 0] = illuminant * 0.9  # a gray surface under that light
    corrected = cc.correct(image, illuminant)
    np.testing.assert_allclose(corrected[..., 1], image[..., 1])
    np.testing.assert_allclose(corrected[0, 0], [0.45, 0.45, 0.45], rtol=1e-5)
    with pytest.raises(ValueError, match="positive"):
        cc.correct(image, [1, 0, 1])


def test_correcting_by_gray_world_brings_the_image_towards_its_truth():
    image, truth = _raw("astronaut")
    reference = cc.correct(image, truth)
    by_gray_world = cc.correct(image, cc.gray_world(image))
    mean_chroma = lambda x: x.reshape(-1, 3).mean(0)  # noqa: E731
    assert (cc.angular_error(mean_chroma(by_gray_world), mean_chroma(reference))
            < cc.angular_error(mean_chroma(image), mean_chroma(reference)))


def test_mask_saturated_zeroes_pixels_with_a_clipped_channel():
    image, _ = _raw("coffee")
    masked = cc.mask_saturated(image)
    clipped = image.max(axis=-1) >= cc.SATURATION
    assert clipped.any() and not clipped.all()
    assert np.all(masked[clipped] == 0)
    np.testing.assert_array_equal(masked[~clipped], image[~clipped])


def test_mask_saturated_finds_a_channel_clipped_at_its_own_level():
    # Camera S's red saturates at 0.95 of the range: a fixed 0.98 threshold would keep those pixels.
    srgb = cv2.resize(photo("coffee"), (96, 64), interpolation=cv2.INTER_AREA)
    linear = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    raw = cameras.render(linear, "S", lights.blackbody(3000))
    image = capture.sensor(np.clip(raw / np.percentile(raw.max(axis=-1), 90), 0, 1), capture.PROFILES["S"],
                           np.random.default_rng(0))
    saturation = capture.PROFILES["S"].saturation
    at_own_level = np.any(image >= saturation - 1e-6, axis=-1)
    assert saturation.min() < cc.SATURATION and at_own_level.mean() > 0.02
    assert (image.max(axis=-1)[at_own_level] < cc.SATURATION).any()  # missed by the fixed threshold
    assert np.all(cc.mask_saturated(image)[at_own_level] == 0)
    kept = ~np.any(cc.mask_saturated(image) == 0, axis=-1)
    assert kept.mean() > 0.5


def test_a_non_rgb_image_is_refused():
    with pytest.raises(ValueError, match="HxWx3"):
        cc.gray_world(np.ones((4, 4)))
