"""Prediction with the ``exposure_local_gain`` head: a gain map found on the shrunk picture, applied at full resolution.

The network runs once, on the whole picture shrunk to fit one tile (as for one gain per photo,
:mod:`tfcorrect.methods.exposure.predictor`). What it did there is read off as a log2 gain map in
linear light, ``log2(Y_out / Y_in)`` on luminance, and carried to full resolution by a guided
filter's upsampling (He & Sun, "Fast guided filter", 2015): on the small picture, in each
window of ``radius`` pixels, the log gain is fitted as a linear function ``a * I + b`` of the
input's luma ``I``; the averaged ``a`` and ``b`` are resized to the full picture and applied to its
own luma. A gain that is one number per photo comes back as exactly that number everywhere; a
gain that changes at an edge of the picture changes at that edge of the full-resolution photo,
not in a blur around it, and a flat area (a clipped sky) gets a flat gain: no new edges.

The gain is applied in bands of rows, so the whole-picture float arrays are the input, the
output, the luma and the two coefficient maps (a 12 MP photo: about 0.4 GiB in all).
"""

import dataclasses

import cv2
import numpy as np

from tfcorrect.data import exposure
from tfcorrect.data.exposure import luma
from tfcorrect.inference.predictor import Predictor
from tfcorrect.inference.tiling import pad_to, row_bands, to_channels
from tfcorrect.io.images import shrink_to
from tfcorrect.methods.exposure.predictor import BAND_PIXELS

# Luminance added to both sides of the ratio: a black input pixel (0 of 255) has no defined gain.
RATIO_FLOOR = 1e-4
# The guided filter on the shrunk picture: window radius in its pixels, and the regularisation of
# the slope a (in stops per unit of luma, against the luma variance in a window).
GUIDE_RADIUS = 4
GUIDE_EPS = 1e-3
# Where the network's gain cannot be read off: an output clipped (from OUT_CLIP) or an input near
# black (below IN_FLOOR, 4 of 255: 8-bit steps make the ratio noise); how far the known gain is carried into them.
OUT_CLIP = 0.999
IN_FLOOR = 4 / 255
FILL_RADIUS = 16


def _box(x, radius):
    return cv2.boxFilter(x, -1, (2 * radius + 1, 2 * radius + 1), borderType=cv2.BORDER_REFLECT)


def guided_coefficients(guide, source, radius=GUIDE_RADIUS, eps=GUIDE_EPS):
    """The guided filter's averaged ``(a, b)`` (``HxW`` float32 each): ``a * guide + b`` is the filtered ``source``."""
    mean_i, mean_p = _box(guide, radius), _box(source, radius)
    var_i = _box(guide * guide, radius) - mean_i * mean_i
    cov = _box(guide * source, radius) - mean_i * mean_p
    a = cov / (np.maximum(var_i, 0.0) + eps)
    b = mean_p - a * mean_i
    return _box(a, radius), _box(b, radius)


def log_gain_map(before, after):
    """``log2`` of the luminance ratio ``after / before`` in linear light (``HxW``; sRGB inputs in [0, 1])."""
    y_before = luma(exposure.srgb_to_linear(before).numpy())
    y_after = luma(exposure.srgb_to_linear(np.clip(after, 0.0, 1.0)).numpy())
    return np.log2((y_after + RATIO_FLOOR) / (y_before + RATIO_FLOOR)).astype(np.float32)


def fill_unknown(log_gain, known, radius=FILL_RADIUS):
    """``log_gain`` where ``known``, elsewhere the mean of the known values within ``radius`` pixels
    (normalised box filtering), or of all of them where none is that near.

    Where the network's output is clipped, the ratio of output to input says only that the gain was
    at least that large, and where the input is black it says nothing: left in, they would pull the
    fitted gain down around every highlight and every shadow.
    """
    if known.all() or not known.any():
        return log_gain
    weight = known.astype(np.float32)
    total, count = _box(log_gain * weight, radius), _box(weight, radius)
    nearby = np.where(count > 1e-3, total / np.maximum(count, 1e-3), np.float32(log_gain[known].mean()))
    return np.where(known, log_gain, nearby).astype(np.float32)


@dataclasses.dataclass
class LocalGainPredictor(Predictor):
    """A :class:`~tfcorrect.inference.predictor.Predictor` for a network whose correction is a smooth gain map.

    Args:
        prenorm_gain: the network's input re-exposure (``G_PRENORM``'s
            :data:`tfcorrect.data.exposure.PRENORM_GAINS` function), or ``None``. The network
            computes it on the mirror-padded tile; it is replaced by its value on the picture
            itself, so padding does not move a photo's white point.
        highlight_fill: > 0: the clipped areas of a darkened photo rise from the gain's level at their
            edge to white (:func:`tfcorrect.data.exposure.fill_highlights`), over at least this
            fraction of the shorter side, and never more steeply than
            :data:`~tfcorrect.data.exposure.FILL_SLOPE` (:func:`~tfcorrect.data.exposure.fill_width`).
        radius, eps: the guided filter's window radius (pixels of the shrunk picture) and regularisation.
        band_pixels: pixels the gain is applied to at once; the result does not depend on it.
    """

    prenorm_gain: object = None
    highlight_fill: float = 0.0
    radius: int = GUIDE_RADIUS
    eps: float = GUIDE_EPS
    band_pixels: int = BAND_PIXELS

    def __call__(self, pixels):
        """Correct one image: float32 ``HxWxC`` in [0, 1] -> the same shape."""
        small = shrink_to(pixels, self.tile)  # before to_channels: a gray photo is repeated small
        a, b = self.coefficients(small)
        height, width = pixels.shape[:2]
        if (height, width) != a.shape:
            a = cv2.resize(a, (width, height), interpolation=cv2.INTER_LINEAR)
            b = cv2.resize(b, (width, height), interpolation=cv2.INTER_LINEAR)
        clipped = exposure.clipped_mask(pixels) if self.highlight_fill else None
        distance = width_px = None
        out = np.empty(pixels.shape, np.float32)
        for rows in row_bands(height, width, self.band_pixels):
            band = pixels[rows]
            gain = np.exp2(a[rows] * luma(band) + b[rows])
            linear = exposure.srgb_to_linear(band).numpy()
            if clipped is not None and clipped[rows].any():
                if distance is None:  # on the whole photo: clipped areas span bands
                    distance = exposure.clipped_distance(clipped)
                    width_px = exposure.fill_width(pixels.shape[:2], np.exp2(a[clipped] + b[clipped]).min(),
                                                   self.highlight_fill)
                gained = exposure.fill_highlights(linear, clipped[rows], gain, width_px, distance=distance[rows])
            else:
                gained = linear * gain[..., None]
            out[rows] = exposure.linear_to_srgb(gained).numpy()
        return out

    def gain_map(self, small):
        """The network's log2 gain map on ``small`` (``HxWxC`` that fits one tile), prenorm taken on ``small`` itself."""
        image = to_channels(small, self.in_channels)
        padded = pad_to(image, self.tile, self.tile)[:self.tile, :self.tile]
        out = (self.run_network((padded[None] * 2 - 1).astype(np.float32))[0] + 1) / 2
        out = out[:image.shape[0], :image.shape[1]]
        known = (np.max(out, axis=-1) < OUT_CLIP) & (np.max(image, axis=-1) >= IN_FLOOR)
        log_gain = fill_unknown(log_gain_map(image, out), known)
        if self.prenorm_gain is not None:
            on_tile, on_photo = (float(np.asarray(self.prenorm_gain(x[None].astype(np.float32))).ravel()[0])
                                 for x in (padded, image))
            log_gain += np.float32(np.log2(on_photo / on_tile))
        return log_gain

    def coefficients(self, small):
        """The guided filter's ``(a, b)`` on ``small``: its log2 gain is ``a * luma + b``."""
        return guided_coefficients(luma(small), self.gain_map(small), self.radius, self.eps)

    def photo_gain(self, image):
        """The median linear gain on ``image``'s mid-tones (1-35 % of white), as one number (reports, tests)."""
        small = shrink_to(image, self.tile)
        a, b = self.coefficients(small)
        gain = np.exp2(a * luma(small) + b)
        linear = luma(exposure.srgb_to_linear(small).numpy())
        usable = (linear > 0.01) & (linear < 0.35)
        return float(np.median(gain[usable])) if usable.sum() >= 16 else float(np.median(gain))


def local_gain_predictor(params, network, *, tile, overlap, batch_size):
    """The run's :class:`LocalGainPredictor` (``network`` a ``keras.Model`` or an exported backend)."""
    prenorm = exposure.PRENORM_GAINS.get(params.g_prenorm)
    return LocalGainPredictor(network, tile, overlap, batch_size, prenorm_gain=prenorm,
                              highlight_fill=params.highlight_fill)
