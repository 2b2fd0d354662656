"""Small serialisable layers for exposure-aware generators.

The generator works on values in [-1, 1]; these layers convert to encoded sRGB in [0, 1],
act in linear light and convert back.
"""

import keras
import tensorflow as tf

from tfcorrect import exposure


@keras.saving.register_keras_serializable(package="tfcorrect")
class AutoExposure(keras.layers.Layer):
    """Re-exposes each image by one gain in linear light (no weights, no gradient).

    Args:
        method: ``"mean_gray"`` (mean encoded value to mid-gray) or ``"white_point"``
            (brightest 0.5 % of pixels to white); see :data:`tfcorrect.exposure.PRENORM_GAINS`.
    """

    def __init__(self, method="mean_gray", **kwargs):
        super().__init__(**kwargs)
        if method not in exposure.PRENORM_GAINS:
            raise ValueError(f"unknown method {method!r}; known: {', '.join(exposure.PRENORM_GAINS)}")
        self.method = method

    def call(self, inputs):
        encoded = (inputs + 1.0) / 2.0
        gain = exposure.PRENORM_GAINS[self.method](encoded)
        return tf.stop_gradient(exposure.linear_to_srgb(exposure.srgb_to_linear(encoded) * gain)) * 2.0 - 1.0

    def get_config(self):
        return {**super().get_config(), "method": self.method}


@keras.saving.register_keras_serializable(package="tfcorrect")
class ExposureGain(keras.layers.Layer):
    """Applies a per-pixel log2 gain in linear light: ``out = srgb(lin(image) * 2**log_gain)``.

    ``log_gain`` has one channel (a brightness map) or one per image channel. Values above
    white are not clipped here, so an overshoot still has a gradient; callers clip.
    """

    def call(self, inputs):
        image, log_gain = inputs
        linear = exposure.srgb_to_linear((image + 1.0) / 2.0)
        return exposure.linear_to_srgb(linear * 2.0 ** log_gain, clip=False) * 2.0 - 1.0
