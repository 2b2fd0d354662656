"""Colour constancy networks (Kim & Kim): an illuminant estimator, a camera discriminator and the
gradient-reversal layer between them.

The estimator maps a linear RGB patch to a unit-norm RGB illuminant and exposes the pooled
features it estimates from; the discriminator predicts the camera from those features through a
:class:`GradientReversal` layer, so that training it adversarially pushes the estimator towards
features that do not depend on the camera (Ganin & Lempitsky's domain-adversarial training).
"""

import math

import keras
from keras import ops

from tfcorrect.nn.blocks import conv_block


@keras.saving.register_keras_serializable(package="tfcorrect")
class GradientReversal(keras.layers.Layer):
    """The identity forward; backward, the gradient times ``-strength``.

    ``strength`` is a non-trainable variable, so a schedule (the DANN ramp) changes it by
    ``layer.strength.assign(value)`` between steps without retracing a compiled step.

    Args:
        weight: initial strength (``GRL_WEIGHT``); 0 passes no gradient back at all.
    """

    def __init__(self, weight=1.0, **kwargs):
        super().__init__(**kwargs)
        self.weight = float(weight)

    def build(self, input_shape):
        self.strength = self.add_weight(shape=(), initializer=keras.initializers.Constant(self.weight),
                                        trainable=False, dtype="float32", name="strength")

    def call(self, inputs):
        strength = ops.convert_to_tensor(self.strength)  # read once per call: a graph input, not a constant

        @ops.custom_gradient
        def reverse(x):
            def gradient(*args, upstream=None):
                if upstream is None:
                    (upstream,) = args
                return -ops.cast(strength, upstream.dtype) * upstream

            return ops.copy(x), gradient

        return reverse(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "weight": self.weight}


def build_illuminant_estimator(*, patch, filters=16, levels=3, hidden=64, ksize=3, name="estimator"):
    """A CNN regressing one unit-norm RGB illuminant per linear RGB patch.

    The patch is first scaled to unit root-mean-square, so the estimate does not depend on exposure.

    Args:
        patch: side of the square input patches (``PATCH``).
        filters: filters of the first convolution block, doubled per block (``ILLUM_FILTERS``).
        levels: stride-2 convolution blocks (``ILLUM_LEVELS``).
        hidden: units of the dense layer before the 3-unit head.
        ksize: kernel size of the convolutions.
        name: the model's name and layer name prefix.

    Returns:
        A ``keras.Model`` from ``(b, patch, patch, 3)`` linear RGB to ``{"illuminant": (b, 3),
        "features": (b, filters * 2**(levels - 1))}``.

    Raises:
        ValueError: a size the network cannot take.
    """
    if patch < 2**levels:
        raise ValueError(f"patch {patch} is smaller than the {2**levels} px that {levels} stride-2 blocks need")
    image = keras.Input((patch, patch, 3), name=f"{name}_patch")
    x = keras.layers.UnitNormalization(axis=(1, 2, 3), name=f"{name}_unit")(image)
    x = keras.layers.Rescaling(math.sqrt(patch * patch * 3), name=f"{name}_rms")(x)  # unit RMS
    for i in range(levels):
        x = conv_block(x, filters * 2**i, ksize, strides=2, norm="none", activation="relu",
                       name=f"{name}_block{i + 1}")  # (b, patch / 2**(i+1), ..., filters * 2**i)
    features = keras.layers.GlobalAveragePooling2D(name=f"{name}_pool", dtype="float32")(x)  # (b, C)
    x = keras.layers.Dense(hidden, activation="relu", name=f"{name}_hidden")(features)
    rgb = keras.layers.Dense(3, activation="softplus", name=f"{name}_rgb", dtype="float32")(x)  # (b, 3) > 0
    illuminant = keras.layers.UnitNormalization(axis=-1, name=f"{name}_illuminant", dtype="float32")(rgb)
    return keras.Model(image, {"illuminant": illuminant, "features": features}, name=name)


def build_camera_discriminator(*, features, cameras, hidden=64, weight=1.0, name="discriminator"):
    """Predicts the camera from estimator features, behind a :class:`GradientReversal` layer.

    The features are layer-normalised after the reversal, so the prediction depends on their
    pattern, not their size.

    Args:
        features: width of the estimator's feature vector.
        cameras: number of cameras (classes).
        hidden: units of the hidden layer.
        weight: initial strength of the gradient reversal.
        name: the model's name and layer name prefix.

    Returns:
        A ``keras.Model`` from ``(b, features)`` to camera logits ``(b, cameras)``.
    """
    if cameras < 1:
        raise ValueError(f"cameras must be at least 1, got {cameras}")
    inputs = keras.Input((features,), name=f"{name}_features")
    x = GradientReversal(weight, name=f"{name}_grl")(inputs)
    # Logits that do not depend on the features' scale: the estimator cannot fool the discriminator by
    # inflating its features (without it the reversed cross-entropy grew without bound).
    x = keras.layers.LayerNormalization(name=f"{name}_norm")(x)
    x = keras.layers.Dense(hidden, activation="relu", name=f"{name}_hidden1")(x)
    x = keras.layers.Dense(hidden, activation="relu", name=f"{name}_hidden2")(x)
    logits = keras.layers.Dense(cameras, name=f"{name}_logits", dtype="float32")(x)  # (b, cameras)
    return keras.Model(inputs, logits, name=name)


def reversal_layer(discriminator):
    """The :class:`GradientReversal` layer of a discriminator built by :func:`build_camera_discriminator`."""
    layers = [layer for layer in discriminator.layers if isinstance(layer, GradientReversal)]
    if len(layers) != 1:
        raise ValueError(f"{discriminator.name}: expected one GradientReversal layer, found {len(layers)}")
    return layers[0]


__all__ = ["GradientReversal", "build_camera_discriminator", "build_illuminant_estimator", "reversal_layer"]
