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
    if ev > 0:  # the check can fail: clipped areas span bands, and their fill needs whole-photo distances
        clipped = exposure.clipped_mask(image)
        assert shipped.photo_gain(image) < 1 and clipped.mean() > 0.01
        assert sum(bool((clipped[b.stop - 1] & clipped[b.stop]).any()) for b in bands[:-1]) >= 3
        unfilled = dataclasses.replace(banded, highlight_fill=0.0)(image)
        assert np.abs(unfilled - whole)[clipped].max() > 4 / 255  # the fill is on
