"""The exposure layers of the U-Net's exposure heads, serialisable.

The generator works on values in [-1, 1]; these layers convert to encoded sRGB in [0, 1], act in
linear light and convert back.
"""

import keras
import tensorflow as tf
from keras import ops

from tfcorrect.data import exposure


@keras.saving.register_keras_serializable(package="tfcorrect")
class AutoExposure(keras.layers.Layer):
    """Re-exposes each image by one gain in linear light (no weights, no gradient).

    Args:
        method: ``"mean_gray"`` (mean encoded value to mid-gray) or ``"white_point"``
            (brightest 0.5 % of pixels to white); see :data:`tfcorrect.data.exposure.PRENORM_GAINS`.
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
class ClippingGate(keras.layers.Layer):
    """Scales a log gain by how clipped the input is: 0 below ``threshold``, 1 from twice it.

    The clipped share is the share of pixels whose brightest channel is at least ``level``
    (encoded) in the network's input. An underexposed photo has no clipped highlights, so its
    learned gain is switched off and the white-point gain alone corrects it; an overexposed one
    has many, and gets the learned gain. The ramp between the two is linear.

    Args:
        threshold: clipped share where the gate starts to open (0 < threshold).
        level: encoded value from which a channel counts as clipped.
    """

    def __init__(self, threshold=0.002, level=0.98, **kwargs):
        super().__init__(**kwargs)
        self.threshold, self.level = threshold, level

    def call(self, inputs):
        image, log_gain = inputs
        brightest = ops.max((image + 1.0) / 2.0, axis=-1)  # (b, h, w)
        share = ops.mean(ops.cast(brightest >= self.level, "float32"), axis=(1, 2))  # (b,)
        gate = ops.clip(share / self.threshold - 1.0, 0.0, 1.0)
        return log_gain * ops.reshape(gate, (-1, 1, 1, 1))

    def get_config(self):
        return {**super().get_config(), "threshold": self.threshold, "level": self.level}


@keras.saving.register_keras_serializable(package="tfcorrect")
class ExposureGain(keras.layers.Layer):
    """Applies a per-pixel log2 gain in linear light: ``out = srgb(lin(image) * 2**log_gain)``.

    Called on ``[image, log_gain, ...]``: the log gains are summed (broadcast, e.g. one per image
    and a map). Each has one channel (a brightness map) or one per image channel. Values above
    white are not clipped here, so an overshoot still has a gradient; callers clip.

    Args:
        highlight_rolloff: ``k > 0`` bends a darkening gain ``g < 1`` towards white at the top,
            ``g·x + (1 − g)·x^k`` (:func:`tfcorrect.data.exposure.apply_gain`): white stays white.
    """

    def __init__(self, highlight_rolloff=0.0, **kwargs):
        super().__init__(**kwargs)
        self.highlight_rolloff = highlight_rolloff

    def call(self, inputs):
        image, *log_gains = inputs
        log_gain = log_gains[0]
        for term in log_gains[1:]:
            log_gain = log_gain + term
        linear = exposure.srgb_to_linear((image + 1.0) / 2.0)
        gained = exposure.apply_gain(linear, 2.0 ** log_gain, self.highlight_rolloff)
        return exposure.linear_to_srgb(gained, clip=False) * 2.0 - 1.0

    def get_config(self):
        return {**super().get_config(), "highlight_rolloff": self.highlight_rolloff}


@keras.saving.register_keras_serializable(package="tfcorrect")
class BilinearUpsample(keras.layers.Layer):
    """``keras.layers.UpSampling2D(scale, interpolation="bilinear")`` for inputs of any size.

    The same half-pixel bilinear resize, with the output size taken from the input's dynamic shape,
    so a model exported with unknown height and width (SavedModel, TFLite) still traces.
    """

    def __init__(self, scale, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def call(self, x):
        return tf.image.resize(x, tf.shape(x)[1:3] * self.scale, method="bilinear")

    def compute_output_shape(self, input_shape):
        b, h, w, c = input_shape
        return (b, None if h is None else h * self.scale, None if w is None else w * self.scale, c)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}
