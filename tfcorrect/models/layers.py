"""Small serialisable layers for the generators.

The generator works on values in [-1, 1]; the exposure layers convert to encoded sRGB in [0, 1],
act in linear light and convert back. :class:`NoiseInjection` adds learnably scaled noise.
"""

import keras
import tensorflow as tf
from keras import ops

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

    ``log_gain`` has one channel (a brightness map) or one per image channel. Values above
    white are not clipped here, so an overshoot still has a gradient; callers clip.

    Args:
        highlight_rolloff: ``k > 0`` bends a darkening gain ``g < 1`` towards white at the top,
            ``g·x + (1 − g)·x^k`` (:func:`tfcorrect.exposure.apply_gain`): white stays white.
    """

    def __init__(self, highlight_rolloff=0.0, **kwargs):
        super().__init__(**kwargs)
        self.highlight_rolloff = highlight_rolloff

    def call(self, inputs):
        image, log_gain = inputs
        linear = exposure.srgb_to_linear((image + 1.0) / 2.0)
        gained = exposure.apply_gain(linear, 2.0 ** log_gain, self.highlight_rolloff)
        return exposure.linear_to_srgb(gained, clip=False) * 2.0 - 1.0

    def get_config(self):
        return {**super().get_config(), "highlight_rolloff": self.highlight_rolloff}


@keras.saving.register_keras_serializable(package="tfcorrect")
class NoiseInjection(keras.layers.Layer):
    """Adds ``scale[c] * n`` to a feature map: StyleGAN's noise input (seed 003's noise injection).

    ``n`` is one Gaussian noise map of shape ``(b, h, w, 1)`` shared by all channels, drawn anew at
    each call from the layer's own seed generator; ``scale`` is a learnable weight per channel that
    starts at zero, so a new layer is the identity and the network learns how much noise helps.

    Args:
        seed: initial seed of the layer's generator (``None``: drawn from Python's ``random``,
            which ``keras.utils.set_random_seed`` seeds). Its state is a variable of the layer, so
            a checkpoint restores the noise sequence.
        at_inference: also add noise when not training (StyleGAN's choice). Off, prediction is
            deterministic; tfcorrect follows ``TEST_DROPOUT``.
    """

    def __init__(self, seed=None, at_inference=False, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.at_inference = at_inference
        self.seed_generator = keras.random.SeedGenerator(seed, name=f"{self.name}_seed_generator")

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(input_shape[-1],), initializer="zeros", name="scale")

    def call(self, inputs, training=None):
        if not (training or self.at_inference):
            return inputs
        b, h, w = ops.shape(inputs)[0], ops.shape(inputs)[1], ops.shape(inputs)[2]
        noise = keras.random.normal((b, h, w, 1), seed=self.seed_generator, dtype=self.compute_dtype)
        return inputs + self.scale * noise  # scale (c,) broadcasts over the shared map (b, h, w, 1)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "seed": self.seed, "at_inference": self.at_inference}
