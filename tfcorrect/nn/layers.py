"""Small serialisable layers shared by the generators: :class:`NoiseInjection` adds learnably scaled noise."""

import keras
import tensorflow as tf
from keras import ops

@keras.saving.register_keras_serializable(package="tfcorrect")
class NoiseInjection(keras.layers.Layer):
    """Adds ``scale[c] * n`` to a feature map: StyleGAN's noise input (Le Jeune's noise injection).

    ``n`` is one Gaussian noise map of shape ``(h, w)`` shared by all channels; ``scale`` is a
    learnable weight per channel that starts at zero, so a new layer is the identity and the
    network learns how much noise helps. In training each image gets its own map, drawn anew at
    each call from the layer's seed generator. Outside training the layer adds a fixed map, drawn
    statelessly from ``inference_seed``: as in StyleGAN the noise stays part of the network at
    prediction (its BatchNorm statistics were learnt with it), yet prediction is deterministic.

    Args:
        seed: initial seed of the layer's training generator (``None``: drawn from Python's
            ``random``, which ``keras.utils.set_random_seed`` seeds). Its state is a variable of the
            layer, so a checkpoint restores the noise sequence.
        inference_seed: seed of the map added outside training (an int below ``2**32``): the same
            map for every call on the same side in every process, and for every image of a batch,
            so an image's output does not depend on its batch. ``None``: no noise outside training.
    """

    def __init__(self, seed=None, inference_seed=None, **kwargs):
        super().__init__(**kwargs)
        if inference_seed is not None and not 0 <= inference_seed < 2**32:
            raise ValueError(f"inference_seed must be None or an int in [0, 2**32), got {inference_seed!r}")
        self.seed = seed
        self.inference_seed = inference_seed
        self.seed_generator = keras.random.SeedGenerator(seed, name=f"{self.name}_seed_generator")

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(input_shape[-1],), initializer="zeros", name="scale")

    def call(self, inputs, training=None):
        b, h, w = ops.shape(inputs)[0], ops.shape(inputs)[1], ops.shape(inputs)[2]
        if training:
            noise = keras.random.normal((b, h, w, 1), seed=self.seed_generator, dtype=self.compute_dtype)
        elif self.inference_seed is not None:
            noise = self._inference_noise(h, w)
        else:
            return inputs
        return inputs + self.scale * noise  # scale (c,) broadcasts over the shared map (b or 1, h, w, 1)

    def _inference_noise(self, h, w):
        """The fixed ``(1, h, w, 1)`` map: a stateless draw, a function of the seed and the side only."""
        shape = (1, h, w, 1)
        if tf.executing_eagerly() or not (isinstance(h, int) and isinstance(w, int)):
            return keras.random.normal(shape, seed=self.inference_seed, dtype=self.compute_dtype)
        # A graph traced for a static side (a TFLite export's fixed tile) gets the map as a constant,
        # drawn once eagerly by the same op, so the same numbers: TFLite has no kernel for the
        # stateless random ops, and its converter does not fold them.
        with tf.init_scope():
            noise = keras.random.normal(shape, seed=self.inference_seed, dtype=self.compute_dtype).numpy()
        return ops.convert_to_tensor(noise, dtype=self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "seed": self.seed, "inference_seed": self.inference_seed}
