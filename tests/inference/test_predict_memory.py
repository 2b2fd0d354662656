"""Issue 23: tfcorrect-predict's memory grows with the pixel count by a few bytes a pixel, not by float copies."""

import pathlib
import subprocess
import sys

import cv2
import numpy as np
import pytest

from tfcorrect.data.exposure import render_exposure
from tfcorrect.inference.tiling import row_bands
from tfcorrect.io.images import read_image
from conftest import photo, user_env

# The photo itself costs 12 bytes a pixel as float32 RGB in and 12 out, 3 for the 8-bit samples
# written, and a few for the clipped mask and its distances. Before the gain was applied in bands,
# the default model's peak grew by ~110-150 bytes a pixel (TensorFlow's whole-photo temporaries).
BYTES_PER_ADDED_PIXEL = 64


# Linux counts the memory a process had before exec in its ru_maxrss, and a child starts in its
# parent's (here pytest's, with TensorFlow and the test's photos), so a small fresh interpreter starts
# the command and writes the command's own ru_maxrss (KiB) from os.wait4.
LAUNCHER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
child.returncode = os.waitstatus_to_exitcode(status)
with open(sys.argv[1], "w") as peak:
    peak.write(str(usage.ru_maxrss))
sys.exit(child.returncode)
"""


def _peak_rss(command, peak_file):
    """Peak RSS in bytes of ``command``, run to its end in the user's environment."""
    done = subprocess.run([sys.executable, "-c", LAUNCHER, str(peak_file), *command], env=user_env(),
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return int(peak_file.read_text()) * 1024


def _large_photo(path, megapixels):
    """A real photo upscaled to about ``megapixels`` (4:3) and overexposed, so the highlight fill runs."""
    width = round((megapixels * 1e6 * 4 / 3) ** 0.5)
    image = cv2.resize(photo("coffee"), (width, width * 3 // 4), interpolation=cv2.INTER_CUBIC).clip(0, 1)
    samples = (render_exposure(image, 1.5).numpy() * 255).round().astype(np.uint8)
    assert cv2.imwrite(str(path), cv2.cvtColor(samples, cv2.COLOR_RGB2BGR))
    return samples.shape


@pytest.mark.slow
def test_peak_memory_of_tfcorrect_predict_grows_by_a_few_bytes_a_pixel(tmp_path):
    script = pathlib.Path(sys.executable).with_name("tfcorrect-predict")  # the installed command
    peaks, pixels = [], []
    for megapixels in (2, 10):
        source = tmp_path / f"{megapixels}mp.png"
        shape = _large_photo(source, megapixels)
        peaks.append(_peak_rss([str(script), str(source), str(tmp_path / "out")], tmp_path / "peak"))
        pixels.append(shape[0] * shape[1])
        assert read_image(tmp_path / "out" / source.name).pixels.shape == shape
    growth = (peaks[1] - peaks[0]) / (pixels[1] - pixels[0])
    assert 0 < growth < BYTES_PER_ADDED_PIXEL, f"{growth:.0f} bytes per added pixel (peaks {peaks})"


def test_row_bands_cover_every_row_once_within_the_band_size():
    for height, width, band_pixels in [(100, 30, 300), (7, 5, 1000), (5, 40, 10), (1, 1, 1)]:
        bands = row_bands(height, width, band_pixels)
        rows = np.concatenate([np.arange(height)[band] for band in bands])
        np.testing.assert_array_equal(rows, np.arange(height))
        assert all(band.stop > band.start for band in bands)
        assert all((band.stop - band.start) * width <= max(band_pixels, width) for band in bands)
    assert len(row_bands(100, 30, 300)) == 10
