"""Tiling: cutting an image into overlapping tiles, blending them back, bands of rows, padding, channel counts."""

import numpy as np
import tensorflow as tf


def window(side, overlap):
    """Blending weights of one tile: 1 inside, falling linearly to near 0 across the overlap."""
    ramp = np.minimum(1.0, (np.arange(side) + 0.5) / max(overlap, 1))
    edge = np.minimum(ramp, ramp[::-1]).astype(np.float32)
    return np.outer(edge, edge)[..., None]


def tile_starts(length, tile, stride):
    """Tile offsets along one axis: regular steps, the last one flush with the far edge."""
    if length <= tile:
        return [0]
    starts = list(range(0, length - tile, stride))
    return starts + [length - tile]


def row_bands(height, width, band_pixels):
    """Row slices cutting a ``height`` x ``width`` image into bands of at most ``band_pixels`` pixels (at least a row).

    Work done band by band needs memory for one band, not for the whole image.
    """
    rows = max(1, band_pixels // max(width, 1))
    return [slice(top, min(top + rows, height)) for top in range(0, height, rows)]


def pad_to(pixels, height, width):
    """Mirror-pad an image at the bottom and right up to at least ``height`` x ``width``."""
    # Symmetric padding adds at most the image's own size per step, so tiny images take a few.
    while pixels.shape[0] < height or pixels.shape[1] < width:
        pad_h = min(max(height - pixels.shape[0], 0), pixels.shape[0])
        pad_w = min(max(width - pixels.shape[1], 0), pixels.shape[1])
        pixels = np.pad(pixels, ((0, pad_h), (0, pad_w), (0, 0)), mode="symmetric")
    return pixels


def to_channels(pixels, channels):
    """An ``HxWxC`` image with the ``channels`` a network takes (gray to RGB by repeating, RGB to gray by luma)."""
    if pixels.shape[-1] == channels:
        return pixels
    if channels == 1:
        return tf.image.rgb_to_grayscale(pixels).numpy()
    return np.repeat(pixels, 3, axis=-1)
