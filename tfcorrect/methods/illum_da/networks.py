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

# ILLUM_HEAD: how the last feature map becomes one estimate (build_illuminant_estimator).
HEADS = ("global", "confidence")
BASES = ("none", "shades_of_gray", "gray_edge")


@keras.saving.register_keras_serializable(package="tfcorrect")
class CenterPatch(keras.layers.Layer):
    """Each patch minus its mean over pixels and channels."""

    def call(self, x):
        return x - ops.mean(x, axis=(1, 2, 3), keepdims=True)


@keras.saving.register_keras_serializable(package="tfcorrect")
class GrayBase(keras.layers.Layer):
    """A patch divided by a classical estimate of its own light: ``(x / e, e)``, ``e`` unit length, per patch.

    ``edges=False``: shades-of-gray, each channel's Minkowski ``p``-norm (p = 6). ``edges=True``: gray-edge,
    the ``p``-norm (p = 1) of each channel's gradient magnitude after a 5-tap binomial blur (σ ≈ 1), as
    :func:`~tfcorrect.methods.illum_da.classical.gray_edge`. Both scale with a per-channel gain, so
    ``x / e`` does not depend on one.
    """

    def __init__(self, p=6.0, edges=False, **kwargs):
        super().__init__(**kwargs)
        self.p, self.edges = float(p), bool(edges)

    def call(self, image):
        image = ops.cast(image, "float32")
        signal = ops.maximum(image, 0.0)
        if self.edges:
            taps = ops.convert_to_tensor([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0
            kernel = ops.tile(ops.reshape(taps[:, None] * taps[None, :], (5, 5, 1, 1)), (1, 1, 3, 1))
            blurred = ops.depthwise_conv(signal, kernel, padding="valid")
            dx = blurred[:, 1:, 1:] - blurred[:, 1:, :-1]
            dy = blurred[:, 1:, 1:] - blurred[:, :-1, 1:]
            signal = ops.sqrt(dx * dx + dy * dy + 1e-12)
        norm = ops.power(ops.mean(ops.power(signal, self.p), axis=(1, 2)) + 1e-12, 1.0 / self.p)
        estimate = ops.normalize(norm + 1e-6, axis=-1)  # (b, 3)
        return image / estimate[:, None, None, :], estimate

    def compute_output_shape(self, input_shape):
        return input_shape, (input_shape[0], 3)

    def get_config(self):
        return {**super().get_config(), "p": self.p, "edges": self.edges}


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


def build_illuminant_estimator(*, patch, filters=16, levels=3, hidden=64, ksize=3, head="global", base="none",
                               name="estimator"):
    """A CNN regressing one unit-norm RGB illuminant per linear RGB patch.

    The patch is first scaled to unit root-mean-square, so the estimate does not depend on exposure.

    Two heads (``ILLUM_HEAD``):

    - ``global``: global average pooling of the last feature map (the *features*), a dense layer and
      a 3-unit softplus output normalised to unit length.
    - ``confidence``: FC4's confidence-weighted pooling (Hu, Wang and Lin, CVPR 2017): a 1x1
      convolution gives every location of the last map a positive RGB estimate and a confidence; the
      confidences are a softmax over the locations, and the illuminant is the confidence-weighted sum
      of the unit-length local estimates, normalised. The features are the confidence-weighted mean of
      the feature map, so the discriminator sees what the estimate is made of. Textured, bright or
      achromatic regions can count more than flat ones, which global averaging cannot do.

    ``base="shades_of_gray"`` or ``"gray_edge"`` (``ILLUM_BASE``, beyond the paper): the patch is first
    divided, channel by channel, by its own classical estimate (:class:`GrayBase`), and the
    network's output multiplies that estimate back: the CNN learns a correction of a classical
    estimate, which is as camera-independent as shades-of-gray itself, instead of each camera's
    whole answer.

    Args:
        patch: side of the square input patches (``PATCH``).
        filters: filters of the first convolution block, doubled per block (``ILLUM_FILTERS``).
        levels: stride-2 convolution blocks (``ILLUM_LEVELS``).
        hidden: units of the dense layer (global) or the 1x1 convolution (confidence) before the output.
        ksize: kernel size of the convolutions.
        head: ``"global"`` or ``"confidence"``.
        base: ``"none"``, ``"shades_of_gray"`` or ``"gray_edge"`` (above).
        name: the model's name and layer name prefix.

    Returns:
        A ``keras.Model`` from ``(b, patch, patch, 3)`` linear RGB to ``{"illuminant": (b, 3),
        "features": (b, filters * 2**(levels - 1))}``.

    Raises:
        ValueError: a size the network cannot take, or an unknown head.
    """
    if patch < 2**levels:
        raise ValueError(f"patch {patch} is smaller than the {2**levels} px that {levels} stride-2 blocks need")
    if head not in HEADS:
        raise ValueError(f"head must be one of {', '.join(HEADS)}, not {head!r}")
    if base not in BASES:
        raise ValueError(f"base must be one of {', '.join(BASES)}, not {base!r}")
    image = keras.Input((patch, patch, 3), name=f"{name}_patch")
    if base == "none":
        x, estimate = image, None
    else:
        edges = base == "gray_edge"
        x, estimate = GrayBase(p=1.0 if edges else 6.0, edges=edges, name=f"{name}_base", dtype="float32")(image)
    x = keras.layers.UnitNormalization(axis=(1, 2, 3), name=f"{name}_unit")(x)
    x = keras.layers.Rescaling(math.sqrt(patch * patch * 3), name=f"{name}_rms")(x)  # unit RMS
    if estimate is not None:
        # Divided by its own estimate, every patch is near gray and all positive around 1: centred, the
        # first ReLUs see both signs (uncentred, training killed them and the CNN answered a constant).
        x = CenterPatch(name=f"{name}_centre")(x)
    for i in range(levels):
        x = conv_block(x, filters * 2**i, ksize, strides=2, norm="none", activation="relu",
                       name=f"{name}_block{i + 1}")  # (b, patch / 2**(i+1), ..., filters * 2**i)
    if head == "global":
        features = keras.layers.GlobalAveragePooling2D(name=f"{name}_pool", dtype="float32")(x)  # (b, C)
        x = keras.layers.Dense(hidden, activation="relu", name=f"{name}_hidden")(features)
        rgb = keras.layers.Dense(3, activation="softplus", name=f"{name}_rgb", dtype="float32")(x)  # (b, 3) > 0
    else:
        local = keras.layers.Conv2D(hidden, 1, activation="relu", name=f"{name}_hidden")(x)
        out = keras.layers.Conv2D(4, 1, name=f"{name}_local", dtype="float32")(local)  # (b, h, w, 3 + 1)
        rgb, features = ConfidencePooling(name=f"{name}_pool", dtype="float32")(out, x)
    if estimate is not None:
        rgb = keras.layers.Multiply(name=f"{name}_rebase", dtype="float32")([rgb, estimate])
    illuminant = keras.layers.UnitNormalization(axis=-1, name=f"{name}_illuminant", dtype="float32")(rgb)
    return keras.Model(image, {"illuminant": illuminant, "features": features}, name=name)


@keras.saving.register_keras_serializable(package="tfcorrect")
class ConfidencePooling(keras.layers.Layer):
    """FC4's pooling: local RGB estimates weighted by a softmax confidence over the locations.

    Call with ``(local, features)``: ``local`` is ``(b, h, w, 4)``, three channels of RGB (made positive
    by softplus, then unit length) and one confidence logit; ``features`` is ``(b, h, w, c)``. Returns
    ``(rgb (b, 3), pooled features (b, c))``, both weighted by the confidences.
    """

    def call(self, local, features):
        rgb = ops.normalize(ops.softplus(local[..., :3]) + 1e-6, axis=-1)
        logits = ops.reshape(local[..., 3], (ops.shape(local)[0], -1))
        weights = ops.reshape(ops.softmax(logits, axis=-1), ops.shape(local[..., 3:]))  # (b, h, w, 1)
        pooled = ops.sum(ops.cast(features, "float32") * weights, axis=(1, 2))
        return ops.sum(rgb * weights, axis=(1, 2)), pooled

    def compute_output_shape(self, local_shape, features_shape):
        return (local_shape[0], 3), (features_shape[0], features_shape[-1])


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


__all__ = ["BASES", "CenterPatch", "ConfidencePooling", "GradientReversal", "GrayBase", "HEADS", "build_camera_discriminator", "build_illuminant_estimator", "reversal_layer"]
