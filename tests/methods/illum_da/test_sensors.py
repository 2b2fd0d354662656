"""Synthetic cameras, the shades-of-gray base of the estimator and ILLUM_LONG_SIDE."""

import cv2
import numpy as np
import pytest

from tfcorrect.errors import UserError
from tfcorrect.methods.illum_da import cameras, classical, lights, sensors
from tfcorrect.methods.illum_da.networks import build_illuminant_estimator
from conftest import ROOT, photo


def test_the_measured_cameras_pass_the_plausibility_checks_a_synthetic_one_must_pass():
    for camera in sensors.CAMERAS:
        assert sensors.plausible(sensors.camera_sensitivities(camera)), camera
    # Channels swapped, or one channel copied into another, are not a camera.
    canon = sensors.camera_sensitivities("C")
    assert not sensors.plausible(canon[:, ::-1])
    assert not sensors.plausible(np.stack([canon[:, 1], canon[:, 1], canon[:, 2]], axis=1))


def test_synthetic_cameras_are_plausible_repeatable_and_differ_from_the_measured_ones():
    curves = [sensors.camera_sensitivities(f"X{k}") for k in range(12)]
    assert all(sensors.plausible(c) for c in curves)
    np.testing.assert_array_equal(curves[3], sensors.synthetic_sensitivities(3))
    white = lights.daylight(6500)
    measured = [sensors.camera_sensitivities(camera).T @ white.spectrum for camera in sensors.CAMERAS]
    nearest = [min(classical.angular_error(c.T @ white.spectrum, m) for m in measured) for c in curves]
    assert np.median(nearest) > 1.0  # mostly a white of their own under the same light
    whites = np.array([c.T @ white.spectrum for c in curves])
    assert np.ptp(whites[:, 0] / whites[:, 1]) > 0.2  # they spread, not one camera twelve times


def test_parse_cameras_expands_a_synthetic_range_and_refuses_unknown_names():
    assert cameras.parse_cameras("C,X2..X4") == ("C", "X2", "X3", "X4")
    for bad in ("Q", "X", "C,C", "X1..X2,X2"):
        with pytest.raises(UserError):
            cameras.parse_cameras(bad)


def _linear(name, size=(96, 64)):
    srgb = cv2.resize(photo(name), size, interpolation=cv2.INTER_AREA)
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4).astype(np.float32)


def test_the_shades_of_gray_base_makes_the_estimate_follow_a_channel_gain_exactly():
    # Dividing by the patch's own shades-of-gray estimate cancels any per-channel gain, so the CNN sees
    # the same input and the estimate moves with the gain: what an illuminant change does to a raw image.
    net = build_illuminant_estimator(patch=32, filters=4, levels=2, head="confidence", base="shades_of_gray")
    patch = cv2.resize(_linear("coffee"), (32, 32), interpolation=cv2.INTER_AREA)[None]
    gain = np.array([0.5, 1.0, 1.7], np.float32)
    plain = np.asarray(net(patch)["illuminant"])[0]
    tinted = np.asarray(net(patch * gain)["illuminant"])[0]
    assert classical.angular_error(tinted, plain * gain) < 0.05
    assert classical.angular_error(tinted, plain) > 5
    # Without the base a CNN has no such property.
    free = build_illuminant_estimator(patch=32, filters=4, levels=2, head="confidence")
    a, b = (np.asarray(free(x)["illuminant"])[0] for x in (patch, patch * gain))
    assert classical.angular_error(b, a * gain) > 0.05


def test_illum_long_side_scores_a_large_image_as_its_shrunk_copy(tmp_path):
    from tfcorrect.methods import resolve
    from tfcorrect.methods.illum_da.predict import build_estimator, raw_patch_estimates

    params = resolve(str(ROOT / "param_tables" / "illum_da.csv"), sets=["ILLUM_SPACE=raw", "ILLUM_LONG_SIDE=64", "PATCH=32", "ILLUM_FILTERS=4",
                                       "ILLUM_LEVELS=2"])[0]
    estimator = build_estimator(params)
    large = _linear("astronaut", (256, 256))
    small = cv2.resize(large, (64, 64), interpolation=cv2.INTER_AREA)
    np.testing.assert_allclose(raw_patch_estimates(params, estimator, large),
                               raw_patch_estimates(params, estimator, small), atol=1e-5)
    assert len(raw_patch_estimates(params, estimator, large)) == 4  # 2 x 2 patches of the 64-px copy


def test_the_based_estimator_feeds_its_cnn_a_centred_patch():
    # Divided by its own estimate a patch is all positive around 1; uncentred, training the shipped table
    # killed the first ReLUs (0.1 % active) and the CNN answered one fixed gain for every patch.
    import keras

    net = build_illuminant_estimator(patch=32, filters=4, levels=2, head="confidence", base="shades_of_gray")
    patches = np.stack([cv2.resize(_linear(name), (32, 32), interpolation=cv2.INTER_AREA)
                        for name in ("coffee", "astronaut", "chelsea")])
    seen = np.asarray(keras.Model(net.input, net.get_layer("estimator_centre").output)(patches))
    np.testing.assert_allclose(seen.mean(axis=(1, 2, 3)), 0.0, atol=1e-5)
    assert ((seen > 0).mean(axis=(1, 2, 3)) > 0.2).all() and ((seen < 0).mean(axis=(1, 2, 3)) > 0.2).all()
