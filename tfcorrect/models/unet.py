"""The pix2pix U-Net generator, sized by the parameter table."""

import keras

from tfcorrect.models.layers import AutoExposure, ExposureGain

OUTPUTS = ("image", "exposure_gain", "exposure_global_gain")
PRENORMS = ("none", "mean_gray", "white_point")
DROPOUT_LEVELS = 3


def _init():
    return keras.initializers.RandomNormal(0.0, 0.02)


def _down(x, filters, ksize, *, norm, name):
    """Conv (stride 2) -> BatchNorm -> LeakyReLU: halves the spatial size."""
    x = keras.layers.Conv2D(filters, ksize, strides=2, padding="same", use_bias=not norm,
                            kernel_initializer=_init(), name=f"{name}_conv")(x)
    if norm:
        x = keras.layers.BatchNormalization(name=f"{name}_bn")(x)
    return keras.layers.LeakyReLU(0.2, name=f"{name}_lrelu")(x)


def _up(x, filters, ksize, *, dropout, test_dropout, name):
    """Transposed conv (stride 2) -> BatchNorm -> Dropout -> ReLU: doubles the spatial size."""
    x = keras.layers.Conv2DTranspose(filters, ksize, strides=2, padding="same", use_bias=False,
                                     kernel_initializer=_init(), name=f"{name}_deconv")(x)
    x = keras.layers.BatchNormalization(name=f"{name}_bn")(x)
    if dropout:
        # training=True fixes dropout on, also at prediction (the pix2pix paper's noise).
        x = keras.layers.Dropout(dropout, name=f"{name}_dropout")(x, training=True if test_dropout else None)
    return keras.layers.ReLU(name=f"{name}_relu")(x)


def build_unet_generator(*, in_channels=3, out_channels=3, depth=8, ngf=64, max_filters=512, ksize=4,
                         dropout=0.5, test_dropout=False, output="image", prenorm="none",
                         name="unet_generator"):
    """A U-Net generator for images in [-1, 1] whose sides are multiples of ``2**depth``.

    Args:
        in_channels: channels of the input image (1 for colorization).
        out_channels: channels of the output image.
        depth: stride-2 levels; ``log2(side)`` reaches a 1x1 bottleneck.
        ngf: filters of the first level, doubled per level up to ``max_filters``.
        max_filters: cap on the filters of a level.
        ksize: kernel size of every (transposed) convolution.
        dropout: rate of the first three decoder levels (0 for none).
        test_dropout: keep that dropout active at prediction time.
        output: ``"image"`` (tanh output), ``"exposure_gain"`` (a per-pixel, per-channel log2
            gain in linear light applied to the, possibly pre-normalised, input) or
            ``"exposure_global_gain"`` (that gain map averaged to one achromatic gain per
            image). The gain layer starts at zero, so an untrained network returns its input.
        prenorm: ``"none"``, or re-expose the input first by one gain per image: ``"mean_gray"``
            (mean to mid-gray) or ``"white_point"`` (highlights to white).
        name: model name, prefix of every layer name.

    Returns:
        A functional ``keras.Model`` mapping ``(b, h, w, in_channels)`` to ``(b, h, w, out_channels)``.
    """
    if depth < 1:
        raise ValueError(f"depth must be at least 1, got {depth}")
    if output not in OUTPUTS or prenorm not in PRENORMS:
        raise ValueError(f"output must be one of {OUTPUTS} and prenorm one of {PRENORMS}, "
                         f"got {output!r}, {prenorm!r}")
    if output != "image" and in_channels != out_channels:
        raise ValueError("an exposure_gain output needs as many input as output channels")
    inputs = keras.Input((None, None, in_channels), name=f"{name}_input")  # (b, s, s, in)
    x = source = inputs if prenorm == "none" else AutoExposure(prenorm, name=f"{name}_prenorm")(inputs)
    skips = []
    for i in range(depth):
        filters = min(ngf * 2 ** i, max_filters)
        x = _down(x, filters, ksize, norm=0 < i < depth - 1, name=f"{name}_down{i + 1}")  # (b, s/2^(i+1), ., f)
        skips.append(x)
    for j, skip in enumerate(reversed(skips[:-1])):
        level = depth - 2 - j
        x = _up(x, min(ngf * 2 ** level, max_filters), ksize, dropout=dropout if j < DROPOUT_LEVELS else 0.0,
                test_dropout=test_dropout, name=f"{name}_up{j + 1}")  # (b, s/2^(level+1), ., f)
        x = keras.layers.Concatenate(name=f"{name}_skip{j + 1}")([x, skip])
    if output == "image":
        outputs = keras.layers.Conv2DTranspose(out_channels, ksize, strides=2, padding="same", activation="tanh",
                                               kernel_initializer=_init(), name=f"{name}_out")(x)  # (b, s, s, out)
    else:
        gain_channels = 1 if output == "exposure_global_gain" else out_channels
        log_gain = keras.layers.Conv2DTranspose(gain_channels, ksize, strides=2, padding="same",
                                                kernel_initializer="zeros", name=f"{name}_log_gain")(x)
        if output == "exposure_global_gain":
            log_gain = keras.layers.GlobalAveragePooling2D(keepdims=True, name=f"{name}_mean_gain")(log_gain)
        outputs = ExposureGain(name=f"{name}_out")([source, log_gain])  # (b, s, s, out)
    return keras.Model(inputs, outputs, name=name)
