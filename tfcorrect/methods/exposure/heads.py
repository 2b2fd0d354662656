"""The U-Net's exposure heads and input re-exposure (``G_OUTPUT``, ``G_PRENORM``) and their options.

An exposure head predicts a gain in linear light instead of an image: per pixel
(``exposure_gain``) or one per image (``exposure_global_gain``, the shipped default model's).
The pix2pix U-Net (:mod:`tfcorrect.methods.pix2pix.unet`) takes these as choices of its head.
"""

import dataclasses

import keras

from tfcorrect.data import exposure
from tfcorrect.errors import TableError
from tfcorrect.methods.exposure.layers import AutoExposure, ClippingGate, ExposureGain
from tfcorrect.params import Component, option


def _re_exposure(method):
    """A prenorm re-exposing the input by one gain per image, ``tfcorrect.data.exposure.PRENORM_GAINS[method]``."""
    return lambda inputs, *, name: AutoExposure(method, dtype="float32", name=name)(inputs)


# G_PRENORM (besides "none") -> a re-exposure of the input by one gain per image.
PRENORMS = {method: _re_exposure(method) for method in exposure.PRENORM_GAINS}


def _gain_head(x, source, *, out_channels, ksize, spectral_norm, name, global_gain=False, highlight_rolloff=0.0,
               inputs=None, gain_gate=0.0):
    """A log2 gain in linear light applied to ``source``; zero-initialised, so it starts as identity.

    ``spectral_norm`` does not apply: the norm of the zero kernel is 0, which spectral
    normalisation would divide by.
    """
    log_gain = keras.layers.Conv2DTranspose(1 if global_gain else out_channels, ksize, strides=2, padding="same",
                                            kernel_initializer="zeros", dtype="float32", name=f"{name}_log_gain")(x)
    if global_gain:
        log_gain = keras.layers.GlobalAveragePooling2D(keepdims=True, dtype="float32", name=f"{name}_mean_gain")(log_gain)
        if gain_gate:
            log_gain = ClippingGate(gain_gate, dtype="float32", name=f"{name}_gain_gate")([inputs, log_gain])
    return ExposureGain(highlight_rolloff, dtype="float32", name=f"{name}_out")([source, log_gain])


def _global_gain_head(x, source, **kwargs):
    return _gain_head(x, source, global_gain=True, **kwargs)


# G_OUTPUT (besides "image") -> an exposure head.
HEADS = {"exposure_gain": _gain_head, "exposure_global_gain": _global_gain_head}


@dataclasses.dataclass(frozen=True)
class ExposureHeadOptions:
    """How an exposure head's gain treats highlights."""

    highlight_rolloff: float = option(
        0.0, "Exposure gain heads: where the gain g darkens (g < 1), linear out = g*x + (1-g)*x^HIGHLIGHT_ROLLOFF, "
        "so clipped whites stay white and the brightest tones spread up to white instead of turning gray "
        "(0 = plain g*x).", minimum=0.0, maximum=64.0
    )
    highlight_fill: float = option(
        0.0, "exposure_global_gain head, prediction: the clipped areas of a darkened photo rise from the gain's "
        "level at their edge to white inside, over this fraction of the shorter side, instead of turning flat gray; "
        "it replaces HIGHLIGHT_ROLLOFF at prediction (0 = off).", minimum=0.0, maximum=1.0
    )
    g_gain_gate: float = option(
        0.0, "exposure_global_gain head: the learned gain is switched off (only G_PRENORM corrects) when fewer "
        "than this share of the input's pixels are clipped (brightest channel >= 0.98), and fully on from twice "
        "the share: a photo without clipped highlights is not overexposed (0 = no gate).", minimum=0.0, maximum=0.5
    )


def _check(params, sources):
    if params.g_gain_gate and params.g_output != "exposure_global_gain":
        raise TableError(f"{sources['G_GAIN_GATE']}: G_GAIN_GATE gates the exposure_global_gain head, "
                         f"not G_OUTPUT {params.g_output}")


EXPOSURE_HEADS = Component("the exposure heads (G_OUTPUT=exposure_gain or exposure_global_gain)",
                           ExposureHeadOptions, checks=(_check,))
