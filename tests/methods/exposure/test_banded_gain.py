"""Issue 23: the shipped model's gain is applied in bands of rows, with the same result as on the whole photo."""

import dataclasses

import numpy as np
import pytest

from tfcorrect.data import exposure
from tfcorrect.inference.predict import predictor_from_run
from tfcorrect.inference.tiling import row_bands
from tfcorrect.io.images import to_uint
from conftest import photo


@pytest.fixture(scope="module")
def shipped():
    """The shipped default model's predictor (a whole photo in one band up to its ``band_pixels``)."""
    return predictor_from_run()


def _per_band_fill(image, gain, width, bands):
    """Each band filled as if it were a photo of its own: what banding without whole-photo distances gives."""
    linear = exposure.srgb_to_linear(image).numpy()
    clipped = exposure.clipped_mask(image)
    out = [exposure.fill_highlights(linear[rows], clipped[rows], gain, width) for rows in bands]
    return exposure.linear_to_srgb(np.concatenate(out)).numpy()


@pytest.mark.slow
@pytest.mark.parametrize("name, ev", [("coffee", 1.5), ("chelsea", 1.5), ("astronaut", -1.0)])
def test_bands_of_rows_give_the_whole_photos_result(shipped, name, ev):
    image = exposure.render_exposure(photo(name), ev).numpy()
    assert image.shape[0] * image.shape[1] <= shipped.band_pixels  # one band: the whole photo at once
    rows = 23  # uneven bands, the last one shorter
    banded = dataclasses.replace(shipped, band_pixels=rows * image.shape[1])
    bands = row_bands(*image.shape[:2], banded.band_pixels)
    assert len(bands) >= 10 and bands[-1].stop - bands[-1].start < rows
    whole, in_bands = shipped(image), banded(image)
    assert in_bands.shape == whole.shape and in_bands.dtype == np.float32
    assert np.abs(in_bands - whole).max() <= 1 / 255
    np.testing.assert_array_equal(to_uint(in_bands, 8), to_uint(whole, 8))
    if ev > 0:  # the check can fail: clipped areas span bands, and filling each band alone differs
        gain = shipped.photo_gain(image)
        assert gain < 1 and exposure.clipped_mask(image).mean() > 0.01
        alone = _per_band_fill(image, gain, shipped.highlight_fill * min(image.shape[:2]), bands)
        assert np.abs(alone - whole).max() > 4 / 255
