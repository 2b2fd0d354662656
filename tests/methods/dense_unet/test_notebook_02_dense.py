"""The phone-like rendering of seed 002's notebook and report (tfcorrect.methods.exposure.simulate)."""

import zlib

import numpy as np
import pytest

from tfcorrect.data.examples import find_paired
from tfcorrect.methods.dense_unet.phone import PHONE_SEED, phone_degradation, simulate_phone_folder
from tfcorrect.errors import UserError
from tfcorrect.io.images import read_rgb, write_image


def _photo(seed=0, shape=(40, 56, 3)):
    rng = np.random.default_rng(seed)
    return np.clip(np.linspace(0, 1, shape[1])[None, :, None] * 0.8 + rng.uniform(0, 0.2, shape), 0, 1).astype(
        np.float32)


def test_phone_degradation_is_seeded_in_range_and_warm_and_flat():
    photo = _photo()
    a = phone_degradation(photo, np.random.default_rng(1))
    b = phone_degradation(photo, np.random.default_rng(1))
    c = phone_degradation(photo, np.random.default_rng(2))
    assert a.shape == photo.shape and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert a.min() >= 0 and a.max() <= 1
    black = phone_degradation(np.zeros((32, 32, 3), np.float32), np.random.default_rng(0))
    assert 0.02 < black.mean() < 0.07  # lifted blacks
    gray = phone_degradation(np.full((32, 32, 3), 0.5, np.float32), np.random.default_rng(0)).mean(axis=(0, 1))
    assert gray[0] > gray[1] > gray[2]  # warm cast


def test_simulate_phone_folder_writes_pairs_seeded_by_file_name(tmp_path):
    photos = tmp_path / "photos"
    for i in range(2):
        write_image(photos / f"p{i}.png", _photo(i))
    written, failed = simulate_phone_folder(photos, tmp_path / "pairs", progress=False)
    assert (written, failed) == (2, 0)
    assert len(find_paired(tmp_path / "pairs")) == 2
    target = read_rgb(tmp_path / "pairs" / "target" / "p1.png")[0]
    np.testing.assert_array_equal(target, read_rgb(photos / "p1.png")[0])
    expected = phone_degradation(target, np.random.default_rng([PHONE_SEED, zlib.crc32(b"p1.png")]))
    got = read_rgb(tmp_path / "pairs" / "input" / "p1.png")[0]
    assert np.abs(got - expected).max() <= 0.5 / 255 + 1e-6
    simulate_phone_folder(photos, tmp_path / "again", progress=False)
    assert (tmp_path / "again" / "input" / "p1.png").read_bytes() == (tmp_path / "pairs" / "input" / "p1.png").read_bytes()
    simulate_phone_folder(photos, tmp_path / "other", seed=PHONE_SEED + 1, progress=False)
    assert (tmp_path / "other" / "input" / "p1.png").read_bytes() != (tmp_path / "pairs" / "input" / "p1.png").read_bytes()


def test_simulate_phone_folder_refuses_a_missing_source(tmp_path):
    with pytest.raises(UserError):
        simulate_phone_folder(tmp_path / "nothing", tmp_path / "out", progress=False)
