"""Seed 004's homomorphic filter and reflection mask on real photos, and ``tfcorrect-data homomorphic``."""

import dataclasses

import cv2
import numpy as np
import pytest

from tfcorrect.cli.data import main
from tfcorrect.methods.colorize.homomorphic import (LOG_OFFSET, Homomorphic, feathered_mask, homomorphic_filter,
                                                   preprocess_image, reflection_mask)
from tfcorrect.methods.colorize.preprocess import PREPROCESSED, preprocess_run_data
from tfcorrect.io.images import read_image
from conftest import params, photo

NAMES = ("coffee", "chelsea", "astronaut", "rocket")


def _log_luminance(image):
    return np.log(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) + LOG_OFFSET)


def _low_frequency_share(image, cutoff):
    """Share of the log-luminance spectrum's energy (mean removed) below ``cutoff`` cycles per shorter side."""
    log = _log_luminance(image)
    power = np.abs(np.fft.fft2(log - log.mean())) ** 2
    fy = np.fft.fftfreq(log.shape[0])[:, None] * min(log.shape)
    fx = np.fft.fftfreq(log.shape[1])[None, :] * min(log.shape)
    return power[np.hypot(fy, fx) < cutoff].sum() / power.sum()


def _with_highlight(image, *, centre=(0.4, 0.6), radius=0.04):
    """``image`` with a white Gaussian glare pasted on, and the glare's weight (1 at its centre)."""
    h, w = image.shape[:2]
    yy, xx = np.mgrid[:h, :w]
    r = radius * min(h, w)
    glare = np.exp(-((yy - centre[0] * h) ** 2 + (xx - centre[1] * w) ** 2) / (2 * r * r)).astype(np.float32)
    return image + glare[..., None] * (1 - image), glare


@pytest.mark.parametrize("channels", ["luminance", "rgb"])
@pytest.mark.parametrize("name", NAMES[:2])
def test_unit_gammas_return_the_image(name, channels):
    image = photo(name)
    out = homomorphic_filter(image, Homomorphic(gamma_l=1.0, gamma_h=1.0, channels=channels))
    assert out.shape == image.shape and out.dtype == np.float32
    assert np.abs(out - image).max() < 0.25 / 255  # float rounding of log, FFT, exp and YCrCb
    np.testing.assert_array_equal(np.rint(out * 255), np.rint(image * 255))


@pytest.mark.parametrize("name", NAMES)
def test_default_filter_lowers_the_low_frequency_share_and_keeps_brightness(name):
    image = photo(name)
    settings = Homomorphic()
    out = homomorphic_filter(image, settings)
    before, after = _low_frequency_share(image, settings.cutoff), _low_frequency_share(out, settings.cutoff)
    assert after < 0.9 * before
    # The zero frequency is kept: the mean log-luminance moves only by what clipping to [0, 1] removes.
    assert abs(_log_luminance(out).mean() - _log_luminance(image).mean()) < 0.05


def test_luminance_mode_keeps_the_colour_and_rgb_mode_does_not():
    image = photo("coffee")
    chroma = cv2.cvtColor(image, cv2.COLOR_RGB2YCrCb)[..., 1:]
    by_y = cv2.cvtColor(homomorphic_filter(image, Homomorphic()), cv2.COLOR_RGB2YCrCb)[..., 1:]
    by_rgb = cv2.cvtColor(homomorphic_filter(image, Homomorphic(channels="rgb")), cv2.COLOR_RGB2YCrCb)[..., 1:]
    assert np.median(np.abs(by_y - chroma)) < 1e-3
    assert np.median(np.abs(by_rgb - chroma)) > 3 * np.median(np.abs(by_y - chroma)) + 1e-3


def test_glare_is_dimmed():
    image, glare = _with_highlight(photo("chelsea"))
    out = homomorphic_filter(image, Homomorphic())
    core = glare > 0.8
    before, after = (cv2.cvtColor(x, cv2.COLOR_RGB2GRAY)[core].mean() for x in (image, out))
    assert after < before - 0.1


def test_bad_settings_and_shapes_are_refused():
    with pytest.raises(ValueError, match="channels"):
        homomorphic_filter(photo("coffee"), Homomorphic(channels="lab"))
    with pytest.raises(ValueError, match="shape"):
        homomorphic_filter(np.zeros((8, 8, 2), np.float32))


@pytest.mark.parametrize("name", ["chelsea", "coffee"])
def test_a_pasted_glare_is_inside_the_mask(name):
    clean = photo(name)
    image, glare = _with_highlight(clean)
    mask = reflection_mask(image)
    weight = feathered_mask(mask, Homomorphic().feather)
    assert (weight[glare > 0.5] > 0.5).all()  # the whole glare gets mostly the filtered pixels
    assert mask[glare > 0.5].mean() > 0.6
    assert (weight == 0).mean() > 0.5  # most of the photo is left alone (coffee has real glints: cup, spoon)
    assert mask.sum() > reflection_mask(clean).sum() + 0.5 * (glare > 0.5).sum()


def test_mask_only_leaves_the_rest_of_the_photo_byte_identical(tmp_path):
    image, glare = _with_highlight(photo("chelsea"))
    src = tmp_path / "src" / "glare.png"
    src.parent.mkdir()
    cv2.imwrite(str(src), cv2.cvtColor(np.rint(image * 255).astype(np.uint8), cv2.COLOR_RGB2BGR))
    assert main(["homomorphic", str(src.parent), str(tmp_path / "dst"), "--mask-only"]) == 0
    before = cv2.imread(str(src), cv2.IMREAD_UNCHANGED)
    after = cv2.imread(str(tmp_path / "dst" / "glare.png"), cv2.IMREAD_UNCHANGED)
    weight = preprocess_image(read_image(src).pixels, Homomorphic(reflection_only=True))[1]
    untouched = weight == 0
    assert untouched.mean() > 0.7
    np.testing.assert_array_equal(after[untouched], before[untouched])
    core = glare > 0.8
    assert after[core].astype(int).mean() < before[core].astype(int).mean() - 20  # the glare is dimmed


def test_folder_command_keeps_depth_and_channels_and_goes_past_a_bad_file(tmp_path, capsys):
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    gray16 = np.rint(cv2.cvtColor(photo("rocket")[:64, :96], cv2.COLOR_RGB2GRAY) * 65535).astype(np.uint16)
    cv2.imwrite(str(src / "sub" / "rocket.png"), gray16)
    cv2.imwrite(str(src / "coffee.jpg"), cv2.cvtColor(np.rint(photo("coffee") * 255).astype(np.uint8),
                                                      cv2.COLOR_RGB2BGR))
    (src / "broken.jpg").write_bytes(b"not a jpeg")
    assert main(["homomorphic", str(src), str(tmp_path / "dst"), "--homo-channels", "rgb"]) == 1
    assert "broken.jpg" in capsys.readouterr().err
    gray = read_image(tmp_path / "dst" / "sub" / "rocket.png")
    assert gray.bit_depth == 16 and gray.pixels.shape == (64, 96, 1)
    assert read_image(tmp_path / "dst" / "coffee.png").pixels.shape == photo("coffee").shape
    assert not (tmp_path / "dst" / "broken.png").exists()


def test_folder_command_names_a_bad_option(tmp_path, capsys):
    assert main(["homomorphic", str(tmp_path), str(tmp_path / "dst"), "--homo-gamma-l", "low"]) == 2
    assert "--homo-gamma-l" in capsys.readouterr().err


def test_preprocessing_runs_once_per_run_folder(tmp_path, photo_dir):
    settings = params(preprocess="homomorphic", train_dir=str(photo_dir), homo_gamma_l=0.7)
    run = tmp_path / "run"
    used = preprocess_run_data(settings, run)
    cache = run / PREPROCESSED
    assert used.train_dir == str(cache) and dataclasses.replace(used, train_dir=settings.train_dir) == settings
    written = sorted(cache.glob("*.png"))
    assert len(written) == len(list(photo_dir.iterdir()))
    stamps = [p.stat().st_mtime_ns for p in written]
    chelsea = read_image(cache / "chelsea.png").pixels
    expected = homomorphic_filter(read_image(next(photo_dir.glob("chelsea.*"))).pixels, Homomorphic(gamma_l=0.7))
    assert np.abs(chelsea - expected).max() <= 0.5 / 255 + 1e-6
    assert preprocess_run_data(settings, run).train_dir == str(cache)
    assert [p.stat().st_mtime_ns for p in written] == stamps  # reused, not recomputed
