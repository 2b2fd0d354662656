"""Small serialisable layers shared by the generators: :class:`NoiseInjection` adds learnably scaled noise."""

import keras
from keras import ops

@keras.saving.register_keras_serializable(package="tfcorrect")
class NoiseInjection(keras.layers.Layer):
    """Adds ``scale[c] * n`` to a feature map: StyleGAN's noise input (Le Jeune's noise injection).

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
