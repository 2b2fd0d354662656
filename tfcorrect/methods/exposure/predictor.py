"""Prediction with the ``exposure_global_gain`` head: one gain per picture, applied at full resolution.

The network runs once, on the whole picture downscaled to fit one tile; the gain it applied is
read off and applied to the full-resolution picture in linear light, instead of tile by tile
(where each tile would get its own gain). With ``HIGHLIGHT_FILL`` the clipped areas of a
darkened photo rise from the gain's level at their edge up to white instead of turning gray.
The gain is applied in bands of rows, so the only whole-picture float arrays are the input and
the output (a 24 MP photo's float temporaries took 2 GiB otherwise).
"""

import dataclasses

import numpy as np

from tfcorrect.data import exposure
from tfcorrect.inference.predictor import Predictor
from tfcorrect.inference.tiling import pad_to, row_bands, to_channels
from tfcorrect.io.images import shrink_to

BAND_PIXELS = 1 << 20  # a band of float32 RGB is 12 MiB; TensorFlow's transfer functions take a few of them


@dataclasses.dataclass
class GlobalGainPredictor(Predictor):
    """A :class:`~tfcorrect.inference.predictor.Predictor` for a network whose correction is one gain per image.

    Args:
        highlight_rolloff: the exponent with which a darkening gain bends highlights up to white
            (:func:`tfcorrect.data.exposure.apply_gain`; 0 = plain product).
        highlight_fill: > 0: the clipped areas of a darkened photo are filled with a ramp from the
            gain's level up to white over this fraction of the shorter side, or more gently where that
            would make an edge (:func:`tfcorrect.data.exposure.fill_width`); it replaces the roll-off.
        band_pixels: pixels the gain is applied to at once (bands of whole rows); the result does
            not depend on it.
    """

    highlight_rolloff: float = 0.0
    highlight_fill: float = 0.0
    band_pixels: int = BAND_PIXELS

    def __call__(self, pixels):
        """Correct one image: float32 ``HxWxC`` in [0, 1] -> the same shape, one gain for all of it."""
        small = shrink_to(pixels, self.tile)  # before to_channels: a gray photo is repeated small
        return self._apply_global_gain(pixels, self.photo_gain(to_channels(small, self.in_channels)))

    def _apply_global_gain(self, pixels, gain):
        """``pixels`` re-exposed by ``gain`` into a new float32 array, band by band."""
        fill, clipped, distance = self.highlight_fill, None, None
        if fill:
            width = exposure.fill_width(pixels.shape[:2], gain, fill)
            clipped = exposure.clipped_mask(pixels)
            if gain < 1 and clipped.any():  # else fill_highlights leaves every band as the plain product
                distance = exposure.clipped_distance(clipped)  # on the whole photo: clipped areas span bands
        out = np.empty(pixels.shape, np.float32)
        for rows in row_bands(*pixels.shape[:2], self.band_pixels):
            linear = exposure.srgb_to_linear(pixels[rows])
            if fill:
                band_distance = None if distance is None else distance[rows]
                gained = exposure.fill_highlights(linear.numpy(), clipped[rows], gain, width, distance=band_distance)
            else:
                gained = exposure.apply_gain(linear, gain, self.highlight_rolloff)
            out[rows] = exposure.linear_to_srgb(gained).numpy()
        return out

    def photo_gain(self, image):
        """The linear gain the network applies to ``image`` (``HxWxC`` in [0, 1]) as a whole.

        The picture is shrunk (area averaging) to fit one tile, mirror-padded to the tile and run
        once. The gain is the median of output over input in linear light on the mid-tones: values
        between 1 % and 35 % of white in the input that the output has not clipped, where a
        highlight roll-off has no measurable effect. A picture without such values gets 1.
        """
        small = shrink_to(image, self.tile)
        padded = pad_to(small, self.tile, self.tile)[:self.tile, :self.tile]
        out = (self.run_network((padded[None] * 2 - 1).astype(np.float32))[0] + 1) / 2
        out = out[:small.shape[0], :small.shape[1]]
        before, after = exposure.srgb_to_linear(small).numpy(), exposure.srgb_to_linear(out).numpy()
        usable = (before > 0.01) & (before < 0.35) & (out < 0.999)
        if usable.sum() < 16:
            usable = (before > 0.001) & (out < 0.999)
        return float(np.median(after[usable] / before[usable])) if usable.sum() else 1.0


def global_gain_predictor(params, network, *, tile, overlap, batch_size):
    """The run's :class:`GlobalGainPredictor` (``network`` a ``keras.Model`` or an exported backend)."""
    return GlobalGainPredictor(network, tile, overlap, batch_size, highlight_rolloff=params.highlight_rolloff,
                               highlight_fill=params.highlight_fill)
