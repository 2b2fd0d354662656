"""Scores inside the clipped areas of an input: what an overexposure correction had to invent.

``tfcorrect-data simulate-overexposure`` makes ``x' = min(1, x * tau^-gamma)``: every pixel it did not
clip, the trivial inverse recovers exactly, so whole-image PSNR and SSIM mostly measure the share of
the photo left unclipped. These metrics look only where the input is at white:

- the clipped pixels (:func:`clipped_pixels`) are the input's pixels with any channel at or above
  :data:`CLIPPED_LEVEL` (254.5 / 255: 255 of 8 bits, and the 16-bit values that round to it). One
  channel at white has lost its value, however dark the others are;
- ``psnr_clipped``: PSNR (peak 1, capped at :data:`~tfcorrect.evaluation.metrics.PSNR_MAX` as ``psnr``)
  of the mean squared error over those pixels, all channels;
- ``ssim_clipped``: the mean of ``tf.image.ssim``'s map (the whole-image SSIM's window and constants,
  averaged over channels) over the window positions whose centre is a clipped pixel. Pixels within 5 px
  of the border are the centre of no 11x11 window and count for PSNR only.

Either is NaN when the input has no such pixel (for SSIM: none away from the border); summaries
average the images that have one.

:func:`tfcorrect.data.exposure.clipped_mask` is another mask: pixels white in *every* channel from
252.5 / 255, holes closed, the areas a highlight fill may brighten in a JPEG photo. Scoring needs the
pixels whose value the input lost, exactly, so it is not reused here.
"""

import math

import numpy as np
import tensorflow as tf

from tfcorrect.evaluation import metrics

# An input channel at or above this (in [0, 1]) is clipped: 255 of 8 bits; 65407 of 16 bits and up.
CLIPPED_LEVEL = 254.5 / 255
# Rows and columns from the border to the centre of the first 11x11 SSIM window.
HALF_WINDOW = metrics.FILTER_SIZE // 2


def clipped_pixels(image, level=CLIPPED_LEVEL):
    """The pixels of an input with any channel at or above ``level`` (``HxW`` bool).

    Args:
        image: ``HxWxC`` float in [0, 1], as :func:`tfcorrect.io.images.read_rgb` reads it.
    """
    return np.asarray(image, np.float32).max(axis=-1) >= level


def window_centres(clipped):
    """``clipped`` at the centres of the valid SSIM window positions: ``(H - 10, W - 10)``."""
    h, w = clipped.shape
    return clipped[HALF_WINDOW:h - HALF_WINDOW, HALF_WINDOW:w - HALF_WINDOW]


def _check(image, reference, clipped):
    image, reference = np.asarray(image, np.float32), np.asarray(reference, np.float32)
    if image.shape != reference.shape or image.shape[:2] != np.shape(clipped):
        raise ValueError(f"shapes differ: {image.shape} vs {reference.shape} vs mask {np.shape(clipped)}")
    return image, reference, np.asarray(clipped, bool)


def psnr_clipped(image, reference, clipped):
    """PSNR in dB (peak 1) of the mean squared error over the ``clipped`` pixels, all channels; NaN without one.

    Capped at :data:`~tfcorrect.evaluation.metrics.PSNR_MAX` as :func:`~tfcorrect.evaluation.metrics.psnr` is.
    """
    return psnr_clipped_of([image], reference, clipped)[0]


def psnr_clipped_of(images, reference, clipped):
    """:func:`psnr_clipped` of each of several images against one reference, its clipped pixels gathered once."""
    checked = [_check(image, reference, clipped) for image in images]
    if not checked or not checked[0][2].any():
        return [math.nan] * len(checked)
    clipped = checked[0][2]
    inside = checked[0][1][clipped]  # (n, c)
    mses = [float(np.mean(np.square(image[clipped] - inside, dtype=np.float64))) for image, _, _ in checked]
    return [min(-10 * math.log10(mse), metrics.PSNR_MAX) if mse > 0 else metrics.PSNR_MAX for mse in mses]


def ssim_clipped(image, reference, clipped):
    """Mean of ``tf.image.ssim``'s map (channels averaged) over the window positions centred on ``clipped`` pixels.

    NaN when no clipped pixel is the centre of a window (none, or all within 5 px of the border).
    """
    image, reference, clipped = _check(image, reference, clipped)
    centres = window_centres(clipped)
    if not centres.any():
        return math.nan
    if min(image.shape[:2]) < metrics.FILTER_SIZE:
        raise ValueError(f"image of {image.shape[0]}x{image.shape[1]} pixels is smaller than the "
                         f"{metrics.FILTER_SIZE}x{metrics.FILTER_SIZE} SSIM window")
    ssim_map = tf.image.ssim(image, reference, max_val=1.0, return_index_map=True)
    return float(np.mean(np.asarray(ssim_map, np.float64)[centres]))


# name -> metric(image, reference, clipped) inside the input's clipped pixels (clipped_pixels(input)),
# higher is better, NaN where the input has none.
CLIPPED_METRICS = {"psnr_clipped": psnr_clipped, "ssim_clipped": ssim_clipped}
