"""The sensor simulation of ``simulate-cameras`` (``capture``) and the light priors (``lights``), on real photos."""

import functools

import colour
import numpy as np
import pytest
import skimage.data
from scipy.stats import norm

from tfcorrect.errors import UserError
from tfcorrect.methods.illum_da import cameras, capture, lights


@functools.cache
def _photo(name, step=2):
    """A scikit-image photo as linear sRGB, every ``step``-th pixel."""
    srgb = getattr(skimage.data, name)()[::step, ::step].astype(np.float64) / 255.0
    return colour.cctf_decoding(srgb, function="sRGB").astype(np.float32)


@functools.cache
def _raw(name, camera, step=2):
    """The ideal raw image of a photo under D65-like daylight."""
    return cameras.render(_photo(name, step), camera, lights.daylight(6500))


def _exposed(raw, profile, clip_percent=1.0):
    """What ``capture`` feeds ``sensor``: the noise-free shaded, exposed signal."""
    shaded = capture.shade(np.asarray(raw, np.float32), profile.shading)
    return shaded / capture.exposure_level(shaded, clip_percent)


@pytest.mark.parametrize("camera", ["C", "N"])
def test_noise_variance_matches_shot_plus_read_model(camera):
    profile = capture.PROFILES[camera]
    raw = _raw("astronaut", camera)
    first = capture.capture(raw, profile, np.random.default_rng(1))
    second = capture.capture(raw, profile, np.random.default_rng(2))
    np.testing.assert_array_equal(first, capture.capture(raw, profile, np.random.default_rng(1)))
    assert not np.array_equal(first, second)

    x = _exposed(raw, profile).astype(np.float64).ravel()
    read_var = (profile.read_noise / profile.scale) ** 2
    predicted = x / profile.full_well + read_var
    diff = (first.astype(np.float64) - second).ravel()
    # away from the clip at 0 (mean > 4 sigma) and from saturation
    usable = (x > 4 * np.sqrt(predicted)) & (x < 0.9 * profile.saturation.min())
    edges = np.geomspace(x[usable].min(), x[usable].max(), 13)
    checked, read_dominated = 0, False
    for low, high in zip(edges[:-1], edges[1:]):
        in_bin = usable & (x >= low) & (x < high)
        if in_bin.sum() < 2000:
            continue
        measured = np.mean(diff[in_bin] ** 2) / 2  # var(a - b) = 2 var
        expected = np.mean(predicted[in_bin])
        assert measured == pytest.approx(expected, rel=0.2), (low, high)
        checked += 1
        read_dominated |= read_var > 0.5 * expected
    assert checked >= 5
    if camera == "C":  # the dark bins test the read-noise term, not only the shot noise
        assert read_dominated


def test_black_level_subtracted_and_clipped_at_zero():
    profile = capture.PROFILES["C"]
    assert profile.black_level == 1024
    raw = _raw("coffee", "C")
    x = (raw / raw.max() * 0.004).astype(np.float64)  # a very dark capture, a few tens of DN
    out = capture.sensor(x, profile, np.random.default_rng(0)).astype(np.float64)
    assert out.min() >= 0
    # not shifted by the black level (1024 / D = 0.07), and matching the clipped-Gaussian mean per pixel
    assert abs(out.mean() - x.mean()) < 0.02 * 1024 / profile.scale
    sigma = np.sqrt(x / profile.full_well + (profile.read_noise / profile.scale) ** 2)
    clipped_mean = sigma * norm.pdf(x / sigma) + x * norm.cdf(x / sigma)
    assert out.mean() == pytest.approx(clipped_mean.mean(), rel=0.02)

    # no signal: only read noise, whose negative half is clipped to 0 (below black)
    dark = capture.sensor(np.zeros((200, 200, 3)), profile, np.random.default_rng(0)).astype(np.float64)
    assert dark.min() == 0
    assert 0.45 < np.mean(dark == 0) < 0.6
    sigma = profile.read_noise / profile.scale
    assert dark.mean() == pytest.approx(sigma / np.sqrt(2 * np.pi), rel=0.3)


@pytest.mark.parametrize("camera", ["C", "N", "S"])
def test_each_channel_saturates_at_its_own_level(camera):
    profile = capture.PROFILES[camera]
    levels = profile.saturation.astype(np.float32)
    assert levels.max() == 1
    if camera == "S":
        assert len(set(levels.tolist())) == 3
    raw = _raw("chelsea", camera)
    over = capture.sensor(_exposed(raw, profile) * 5, profile, np.random.default_rng(0))
    per_channel_max = over.reshape(-1, 3).max(axis=0)
    np.testing.assert_array_equal(per_channel_max, levels)
    assert np.all(over <= levels)
    assert np.all(np.mean(over == levels, axis=(0, 1)) > 0.01)  # many pixels at each channel's level

    clipped = capture.capture(raw, profile, np.random.default_rng(0), clip_percent=20)
    assert np.all(clipped <= levels)
    assert np.mean(clipped.max(axis=-1) >= levels.min()) > 0.1


def test_shading_darkens_corners_and_red_most():
    profile = capture.PROFILES["C"]
    s = np.asarray(profile.shading)
    assert s[0] > s[1] > s[2]
    raw = _raw("coffee", "C", step=4)[:99, :149] + 1e-3  # odd size: a centre pixel; positive everywhere
    shaded = capture.shade(raw, profile.shading)
    ratio = shaded / raw
    for corner in [(0, 0), (0, -1), (-1, 0), (-1, -1)]:
        np.testing.assert_allclose(ratio[corner], 1 - s, rtol=1e-5)
    np.testing.assert_allclose(ratio[49, 74], 1.0, rtol=1e-6)
    assert np.all(ratio <= 1 + 1e-6) and np.all(ratio >= (1 - s) - 1e-6)
    # fall-off grows with the distance from the centre along the diagonal
    diagonal = ratio[np.arange(49, 99, 7), np.round(np.linspace(74, 148, 8)).astype(int), 0]
    assert np.all(np.diff(diagonal) < 0)

    def red_over_blue(image, rows, cols):
        return image[rows, cols, 0].mean() / image[rows, cols, 2].mean()

    corner, centre = (slice(0, 8), slice(0, 8)), (slice(45, 54), slice(70, 79))
    assert red_over_blue(shaded, *corner) < 0.95 * red_over_blue(raw, *corner)
    assert red_over_blue(shaded, *corner) == pytest.approx(red_over_blue(raw, *corner) * (1 - s[0]) / (1 - s[2]),
                                                           rel=0.03)
    assert red_over_blue(shaded, *centre) == pytest.approx(red_over_blue(raw, *centre), rel=1e-3)


def test_profile_for_measured_and_synthetic_cameras():
    for name, profile in capture.PROFILES.items():
        assert capture.profile_for(name) is profile
    assert capture.profile_for("X3") == capture.profile_for("X3")
    assert capture.profile_for("X3") != capture.profile_for("X4")
    drawn = [capture.profile_for(f"synthetic{i}") for i in range(50)]
    assert len(set(drawn)) == 50
    assert {p.bit_depth for p in drawn} == {12, 14}
    for p in drawn:
        assert capture.SensorProfile(**{f: getattr(p, f) for f in p.__dataclass_fields__}) == p
        assert p.bit_depth in (12, 14)
        assert max(p.white_level) <= 2**p.bit_depth - 1 and p.black_level < min(p.white_level)
        assert p.saturation.max() == 1 and p.saturation.min() > 0.94
        assert 8000 <= p.full_well <= 70000
        assert 1.0 <= p.read_noise * 2**14 / 2**p.bit_depth <= 8.0
        assert all(0.1 <= s < 0.9 for s in p.shading) and p.shading[0] >= p.shading[1]
    with pytest.raises(ValueError):
        capture.SensorProfile(65000.0, 6.0, 1024, (15600, 16400, 15700), 14, (0.4, 0.3, 0.2))  # above 2^14-1


def test_light_priors_shares_temperatures_and_parsing():
    rng = np.random.default_rng(0)
    names = {prior: [lights.draw_light(rng, prior).name for _ in range(2000)] for prior in ("outdoor", "indoor")}
    for prior, drawn in names.items():
        shares = lights.PRIORS[prior].shares
        for kind, share in zip(lights.LIGHT_KINDS, shares):
            assert np.mean([n.startswith(kind) for n in drawn]) == pytest.approx(share, abs=0.04), (prior, kind)

    rng = np.random.default_rng(1)
    mean_cct = {prior: np.mean([lights.cct_duv(lights.draw_light(rng, prior))[0] for _ in range(200)])
                for prior in ("outdoor", "indoor")}
    assert mean_cct["indoor"] < mean_cct["outdoor"] - 1000

    assert lights.parse_lights("C=outdoor,N=indoor", ("C", "N")) == {"C": "outdoor", "N": "indoor"}
    assert lights.parse_lights("N=indoor", ("C", "N")) == {"C": "mixed", "N": "indoor"}
    assert lights.parse_lights("mixed", ("C", "N", "S")) == {"C": "mixed", "N": "mixed", "S": "mixed"}
    for bad in ["sunny", "C=sunny", "X=outdoor", "C=", "C=outdoor=indoor"]:
        with pytest.raises(UserError):
            lights.parse_lights(bad, ("C", "N"))
