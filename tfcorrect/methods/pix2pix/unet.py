"""The pix2pix U-Net generator, sized by the parameter table, and its options."""

import dataclasses
import math

import keras

from tfcorrect.errors import TableError
import tfcorrect.methods.exposure.heads as heads
import tfcorrect.methods.overexposure.head as overexposure_head
from tfcorrect.nn.blocks import conv_block, init
from tfcorrect.params import Component, option

DROPOUT_LEVELS = 3


def _no_prenorm(inputs, *, name):
    return inputs


# G_PRENORM -> what the input goes through before the U-Net: nothing, or a re-exposure.
PRENORMS = {"none": _no_prenorm, **heads.PRENORMS}


def _image_head(x, source, *, out_channels, ksize, spectral_norm, name, **exposure_options):
    """pix2pix's head: a transposed convolution to the output channels, tanh."""
    conv = keras.layers.Conv2DTranspose(out_channels, ksize, strides=2, padding="same", activation="tanh",
                                        kernel_initializer=init(), dtype="float32", name=f"{name}_out")
    if spectral_norm:
        conv = keras.layers.SpectralNormalization(conv, dtype="float32", name=f"{name}_out_sn")
    return conv(x)


# G_OUTPUT -> head: what the last decoder level becomes.
HEADS = {"image": _image_head, **heads.HEADS, **overexposure_head.HEADS}


def build_unet_generator(*, in_channels=3, out_channels=3, depth=8, ngf=64, max_filters=512, ksize=4,
                         dropout=0.5, test_dropout=False, output="image", prenorm="none", norm="batch",
                         spectral_norm=False, noise=False, noise_seed=None, highlight_rolloff=0.0, gain_gate=0.0,
                         local_stops=2.0, local_scale=1, inverse_scale=None, name="unet_generator"):
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
        output: a key of :data:`HEADS`: ``"image"`` (tanh output), ``"exposure_gain"`` (a
            per-pixel, per-channel log2 gain in linear light applied to the, possibly
            pre-normalised, input), ``"exposure_global_gain"`` (that gain map averaged to one
            achromatic gain per image) or ``"exposure_local_gain"`` (that one gain plus a bounded
            achromatic gain map). The gain layer starts at zero, so an untrained network
            returns its input.
        prenorm: ``"none"``, or re-expose the input first by one gain per image: ``"mean_gray"``
            (mean to mid-gray) or ``"white_point"`` (highlights to white).
        norm: normalisation of the inner levels (see :func:`~tfcorrect.nn.blocks.conv_block`).
        spectral_norm: spectral normalisation on every convolution, the ``"image"`` head's included
            (the gain heads' zero-initialised convolution cannot be normalised).
        noise: a :class:`~tfcorrect.nn.layers.NoiseInjection` after every encoder and decoder
            convolution (Le Jeune); without it the layers are exactly those of a plain U-Net.
        noise_seed: with ``noise``, also add it outside training: a fixed map per layer drawn from
            this int and the layer's name, so prediction is deterministic; ``None``: no noise
            outside training.
        highlight_rolloff: the gain heads' highlight roll-off exponent
            (:func:`tfcorrect.data.exposure.apply_gain`; 0 = off, ignored by the ``"image"`` head).
        gain_gate: the ``"exposure_global_gain"`` head's learned gain is switched off for inputs
            with fewer clipped pixels than this share (:class:`~tfcorrect.nn.layers.ClippingGate`; 0 = no gate).
        local_stops: the ``"exposure_local_gain"`` head's bound on its local term, in stops.
        local_scale: the ``"exposure_local_gain"`` head's local term is predicted at ``1/local_scale`` resolution.
        name: model name, prefix of every layer name.

    Returns:
        A functional ``keras.Model`` mapping ``(b, h, w, in_channels)`` to ``(b, h, w, out_channels)``.
        Built under a mixed-precision policy, the head and the exposure layers stay float32.
    """
    if depth < 1:
        raise ValueError(f"depth must be at least 1, got {depth}")
    if output not in HEADS or prenorm not in PRENORMS:
        raise ValueError(f"output must be one of {', '.join(HEADS)} and prenorm one of {', '.join(PRENORMS)}, "
                         f"got {output!r}, {prenorm!r}")
    if output != "image" and in_channels != out_channels:
        raise ValueError("an exposure_gain output needs as many input as output channels")
    inputs = keras.Input((None, None, in_channels), name=f"{name}_input")  # (b, s, s, in)
    x = source = PRENORMS[prenorm](inputs, name=f"{name}_prenorm")
    skips = []
    for i in range(depth):
        x = conv_block(x, min(ngf * 2 ** i, max_filters), ksize, strides=2,
                       norm=norm if 0 < i < depth - 1 else "none", spectral_norm=spectral_norm, noise=noise,
                       noise_seed=noise_seed, name=f"{name}_down{i + 1}")  # (b, s/2^(i+1), ., f)
        skips.append(x)
    for j, skip in enumerate(reversed(skips[:-1])):
        level = depth - 2 - j
        x = conv_block(x, min(ngf * 2 ** level, max_filters), ksize, strides=2, transpose=True, norm=norm,
                       spectral_norm=spectral_norm, noise=noise, noise_seed=noise_seed,
                       dropout=dropout if j < DROPOUT_LEVELS else 0.0,
                       test_dropout=test_dropout, activation="relu",
                       name=f"{name}_up{j + 1}")  # (b, s/2^(level+1), ., f)
        x = keras.layers.Concatenate(name=f"{name}_skip{j + 1}")([x, skip])
    inverse = {} if inverse_scale is None else {"inverse_scale": inverse_scale}
    outputs = HEADS[output](x, source, out_channels=out_channels, ksize=ksize, spectral_norm=spectral_norm,
                            highlight_rolloff=highlight_rolloff, inputs=inputs, gain_gate=gain_gate,
                            local_stops=local_stops, local_scale=local_scale, name=name, **inverse)  # (b, s, s, out)
    return keras.Model(inputs, outputs, name=name)


def size_multiple(params):
    """The side an input of the table's U-Net must be a multiple of: ``2**DEPTH``."""
    return 2 ** params.depth


def check_params(params, sources):
    """The table's checks of the U-Net: RESOL can be halved DEPTH times; heads fit the channels."""
    if params.resol % size_multiple(params):
        at = sources["RESOL"] if sources["DEPTH"] == "derived" else sources["DEPTH"]
        raise TableError(f"{at}: RESOL {params.resol} cannot be halved DEPTH={params.depth} times "
                         f"(the U-Net needs a multiple of {size_multiple(params)}; use a power of two)")
    if params.g_output != "image" and params.in_channels != params.out_channels:
        raise TableError(f"{sources['G_OUTPUT']}: G_OUTPUT {params.g_output} needs a colour input, "
                         f"not the {params.in_channels}-channel input of DATASET {params.dataset}")


@dataclasses.dataclass(frozen=True)
class UNetOptions:
    """The U-Net generator's options (its widths and kernel are the GAN networks' NGF and KSIZE)."""

    depth: int = option(
        None, "U-Net down-sampling steps; derived: log2(RESOL), down to a 1x1 bottleneck.", minimum=1, maximum=10
    )
    g_max_filters: int = option(None, "Cap on generator filters per level; derived: 8*NGF.", minimum=1, maximum=2048)
    dropout: float = option(0.5, "Dropout rate of the first three decoder levels.", minimum=0.0, maximum=0.9)
    test_dropout: bool = option(
        False, "Keep dropout active at prediction time (the pix2pix paper's choice); off = deterministic."
    )
    g_output: str = option(
        "image",
        "Generator head: 'image' (tanh, pix2pix), 'exposure_gain' (per-pixel gain in linear light) or "
        "'exposure_global_gain' (one gain per image) or 'exposure_local_gain' (one gain per image plus a bounded "
        "local gain map, LOCAL_STOPS) or 'overexposure_residual' (DATASET=simulate_overexposure: a residual added to "
        "the trivial inverse x * TAU^GAMMA, zero at the start; beyond Le Jeune).",
        choices=lambda: HEADS,
    )
    g_prenorm: str = option(
        "none",
        "Generator input re-exposure, one gain in linear light per image: 'none', 'mean_gray' or 'white_point'.",
        choices=lambda: PRENORMS,
    )
    g_spectral_norm: bool = option(False, "Spectral normalisation on every generator convolution.")
    noise_injection: bool = option(
        False, "Add Gaussian noise with a learnable per-channel scale (initially 0) after every generator "
        "convolution (Le Jeune, StyleGAN's noise inputs)."
    )
    noise_at_inference: bool = option(
        True, "NOISE_INJECTION also at validation and prediction, as in StyleGAN: one fixed map per layer drawn from "
        "NOISE_SEED, so prediction stays deterministic; off = no noise outside training."
    )
    noise_seed: int = option(
        None, "Seed of the fixed noise maps of NOISE_AT_INFERENCE; derived: SEED.", minimum=0
    )


def _derive(values):
    if values["depth"] is None:
        values["depth"] = int(math.log2(values["resol"]))
    if values["g_max_filters"] is None:
        values["g_max_filters"] = 8 * values["ngf"]
    if values["noise_seed"] is None:
        values["noise_seed"] = values["seed"]


def _selects(values):
    return (heads.EXPOSURE_HEADS,) if values["g_output"] in heads.HEADS else ()


UNET = Component("the U-Net generator (MODEL=pix2pix)", UNetOptions, selects=_selects, derive=_derive,
                 checks=(check_params, overexposure_head.check_params))
