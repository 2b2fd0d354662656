"""The VGG19 perceptual loss of Le Jeune (eq. 5), on features before or after the ReLU.

``L_perceptual = E_{x,y} sum_{i in C} 1/(W_i H_i) * ||phi_i(y) - phi_i(G(x))||_1``, where ``phi_i``
is the feature map of layer ``i`` of an ImageNet VGG19 (the report does not say which layers:
``PERCEPTUAL_LAYERS``). The L1 norm of a ``(H_i, W_i, C_i)`` map divided by ``W_i H_i`` is, per
position, the absolute difference summed over the channels, averaged over the positions:
``PERCEPTUAL_CHANNELS=sum``, Le Jeune's term as written (a 512-channel layer then weighs up to 8
times a 64-channel one). ``PERCEPTUAL_CHANNELS=mean`` divides by ``C_i`` too: the mean absolute
difference over positions and channels, ESRGAN's ``L1Loss``, which Que & Lee follow; it is the
default, what runs made before the option trained with. The layer terms are summed and the result
averaged over the batch.

Images enter VGG19 as Keras's weights expect: ``keras.applications.vgg19.preprocess_input`` of RGB in
[0, 255] (BGR, ImageNet's mean removed), so features are on the scale of 255-level pixels and the
term is large beside an L1 on [-1, 1] images; ``docs/overexposure.md`` says how big, and how
``LAMBDA_PERCEPTUAL`` follows from it.

Keras's VGG19 convolutions apply their ReLU inside the layer, so ``layer.output`` is post-activation.
Features before the ReLU (``PERCEPTUAL_PREACT``, as ESRGAN and Que & Lee use) come from a copy of the
network in which each chosen convolution is replaced by a linear twin holding the same weights,
followed by a separate ReLU so the later layers see what they always saw.
"""

import dataclasses

import keras
import numpy as np
from keras import ops

from tfcorrect.errors import TableError
from tfcorrect.nn.precision import dtype_policy
from tfcorrect.nn.pretrained import APPLICATIONS, load_application
from tfcorrect.params import Component, option


def _preact_call(features):
    """A ``clone_model`` call function: a chosen layer's linear twin, then its ReLU, recording the twin's output."""

    def call(original, *args, **kwargs):
        if original.name not in features:
            return original(*args, **kwargs)
        twin = type(original).from_config({**original.get_config(), "activation": None,
                                           "name": f"{original.name}_preact"})
        pre = twin(*args, **kwargs)  # builds the twin, with fresh weights until the copy below
        twin.set_weights(original.get_weights())
        if not all(np.array_equal(a, b) for a, b in zip(twin.get_weights(), original.get_weights(), strict=True)):
            raise RuntimeError(f"{original.name}: the weights of its pre-activation twin were not copied")
        features[original.name] = pre
        return keras.layers.ReLU(name=f"{original.name}_relu")(pre)

    return call


def check_layers(base_model, layers, *, preact):
    """Check that ``layers`` can be taken from ``base_model`` (see :func:`build_feature_extractor`).

    Raises:
        ValueError: no layer is named, one is missing, or with ``preact`` one is not a ReLU ``Conv2D``.
    """
    known = {layer.name: layer for layer in base_model.layers}
    missing = [n for n in layers if n not in known]
    if not layers or missing:
        raise ValueError(f"{base_model.name} has no layer {', '.join(missing) or '(none named)'}; "
                         f"it has: {', '.join(known)}")
    not_relu_conv = [n for n in layers if not (isinstance(known[n], keras.layers.Conv2D)
                                               and known[n].get_config()["activation"] == "relu")]
    if preact and not_relu_conv:
        raise ValueError(f"features before the ReLU need Conv2D layers with a ReLU; not: {', '.join(not_relu_conv)}")


def build_feature_extractor(base_model, layers, *, preact=True, name="perceptual_features"):
    """A frozen model giving the feature maps of ``layers`` of ``base_model``.

    Args:
        base_model: a functional ``keras.Model`` (e.g. ``keras.applications.VGG19``).
        layers: names of the layers whose outputs are compared; with ``preact`` each must be a
            ``Conv2D`` with a ReLU activation.
        preact: take each feature before its ReLU: the network is cloned with each chosen
            convolution replaced by a twin without activation holding the same weights.
        name: name of the returned model.

    Returns:
        A non-trainable ``keras.Model`` mapping ``base_model``'s input to the list of the chosen
        feature maps, in the order of ``layers``. It shares ``base_model``'s layers.

    Raises:
        ValueError: a layer is missing from ``base_model``, or is not a ReLU convolution when
            ``preact`` is set.
    """
    check_layers(base_model, layers, preact=preact)
    if not preact:
        model = keras.Model(base_model.inputs, [base_model.get_layer(n).output for n in layers], name=name)
    else:
        features = dict.fromkeys(layers)
        clone = keras.models.clone_model(base_model, clone_function=lambda layer: layer,
                                         call_function=_preact_call(features))
        model = keras.Model(clone.inputs, [features[n] for n in layers], name=name)
    model.trainable = False
    return model


def vgg19_preprocess(images, *, value_range=(-1.0, 1.0)):
    """Images (RGB or gray) in ``value_range`` to VGG19's input: ``preprocess_input`` of RGB in [0, 255].

    Args:
        images: ``(b, h, w, 3 or 1)``; gray is repeated to RGB.
        value_range: the images' ``(black, white)``: tfcorrect's networks work in (-1, 1); (0, 1) for photos.

    Returns:
        ``keras.applications.vgg19.preprocess_input`` of the images mapped to [0, 255]: BGR with
        ImageNet's mean pixel removed, as VGG19's weights were trained.
    """
    if images.shape[-1] == 1:
        images = ops.repeat(images, 3, axis=-1)
    black, white = value_range
    return keras.applications.vgg19.preprocess_input((images - black) * (255.0 / (white - black)))


# PERCEPTUAL_CHANNELS -> how a position's absolute feature differences are pooled over the channels.
CHANNEL_POOLING = {"sum": ops.sum, "mean": ops.mean}


def feature_distance(prediction_features, target_features, *, channels):
    """Eq. 5 per batch: over layers, the sum of each layer's channel-pooled absolute difference averaged over positions.

    Args:
        prediction_features, target_features: lists of ``(b, h_i, w_i, c_i)`` maps, layer by layer.
        channels: a key of :data:`CHANNEL_POOLING`: ``"sum"`` gives ``||.||_1 / (W_i H_i)`` (eq. 5 as
            written), ``"mean"`` divides it by ``C_i`` too.

    Returns:
        A scalar: ``sum_i mean_{b,h,w} pool_c |t_i - p_i|``.
    """
    pool = CHANNEL_POOLING[channels]
    return sum(ops.mean(pool(ops.abs(ops.cast(t, "float32") - ops.cast(p, "float32")), axis=-1))
               for p, t in zip(prediction_features, target_features, strict=True))


class PerceptualLoss:
    """``(prediction, target) -> scalar``: :func:`feature_distance` of a frozen extractor's features.

    Not a network of the method: it is not trained, saved or checkpointed.

    Args:
        extractor: a model mapping preprocessed images to a list of feature maps
            (see :func:`build_feature_extractor`); it is frozen here.
        preprocess: maps images in [-1, 1] to the extractor's input.
        channels: how :func:`feature_distance` pools the channels: ``"sum"`` (eq. 5 as written) or
            ``"mean"`` (also divided by the channels; ``PERCEPTUAL_CHANNELS``'s default).

    Raises:
        ValueError: ``channels`` is not a key of :data:`CHANNEL_POOLING`.
    """

    def __init__(self, extractor, *, preprocess=vgg19_preprocess, channels="mean"):
        if channels not in CHANNEL_POOLING:
            raise ValueError(f"channels must be one of {', '.join(CHANNEL_POOLING)}, not {channels!r}")
        extractor.trainable = False
        self.extractor = extractor
        self.preprocess = preprocess
        self.channels = channels

    def __call__(self, prediction, target):
        batch = ops.shape(prediction)[0]
        # One pass over prediction and target together; the extractor has no batch statistics.
        images = ops.concatenate([ops.cast(prediction, "float32"), ops.cast(target, "float32")])
        features = self.extractor(self.preprocess(images), training=False)
        features = features if isinstance(features, (list, tuple)) else [features]
        return feature_distance([f[:batch] for f in features], [ops.stop_gradient(f[batch:]) for f in features],
                                channels=self.channels)


def layer_names(text):
    """``PERCEPTUAL_LAYERS``'s comma-separated names as a list."""
    return [name.strip() for name in text.split(",") if name.strip()]


def build_perceptual_loss(params):
    """The table's perceptual loss on ImageNet VGG19 (always float32, whatever ``PRECISION``).

    Raises:
        UserError: the VGG19 weights are not available (one line naming the file).
    """
    with dtype_policy("float32"):
        vgg = load_application("vgg19", params.vgg_weights)
        extractor = build_feature_extractor(vgg, layer_names(params.perceptual_layers), preact=params.perceptual_preact,
                                            name="vgg19_features")
    return PerceptualLoss(extractor, channels=params.perceptual_channels)


def check_params(params, sources):
    """The table's check of ``PERCEPTUAL_LAYERS`` against VGG19's layers, when the loss is on.

    Only VGG19's architecture is built, without weights, so a table resolves where the weights are missing.
    """
    if not params.lambda_perceptual:
        return
    with dtype_policy("float32"):
        architecture = APPLICATIONS["vgg19"].build(None)
    try:
        check_layers(architecture, layer_names(params.perceptual_layers), preact=params.perceptual_preact)
    except ValueError as err:
        raise TableError(f"{sources['PERCEPTUAL_LAYERS']}: PERCEPTUAL_LAYERS: {err}") from None


@dataclasses.dataclass(frozen=True)
class PerceptualOptions:
    """The VGG19 perceptual term of a generator's loss."""

    lambda_perceptual: float = option(
        0.0, "Weight of the VGG19 perceptual term in the generator loss; 0 = off (VGG19 is not loaded).", minimum=0.0
    )
    perceptual_layers: str = option(
        "block1_conv2,block2_conv2,block3_conv4,block4_conv4,block5_conv4",
        "VGG19 convolutions (comma-separated Keras layer names) the perceptual loss compares.",
    )
    perceptual_preact: bool = option(
        True, "Compare VGG19 features before the ReLU (as ESRGAN does) instead of after it."
    )
    perceptual_channels: str = option(
        "mean", "How each VGG19 layer's absolute feature differences are pooled over channels before the mean over "
        "positions: 'sum' (Le Jeune's eq. 5, the L1 norm / (W H)) or 'mean' (also / C: ESRGAN's L1, Que & Lee).",
        choices=lambda: CHANNEL_POOLING,
    )
    vgg_weights: str = option(
        "", "VGG19 ImageNet weights file (no-top .h5); empty = keras.applications' cache (~/.keras/models)."
    )


PERCEPTUAL = Component("the VGG19 perceptual loss (MODEL=pix2pix, dense_unet)", PerceptualOptions,
                       checks=(check_params,))
