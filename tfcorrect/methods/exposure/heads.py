"""The U-Net's exposure heads and input re-exposure (``G_OUTPUT``, ``G_PRENORM``) and their options.

An exposure head predicts a gain in linear light instead of an image: per pixel
(``exposure_gain``), one per image (``exposure_global_gain``), or one per image times a bounded
achromatic gain map (``exposure_local_gain``, the shipped default model's).
The pix2pix U-Net (:mod:`tfcorrect.methods.pix2pix.unet`) takes these as choices of its head.
"""

import dataclasses

import keras

from tfcorrect.data import exposure
from tfcorrect.errors import TableError
from tfcorrect.methods.exposure.layers import AutoExposure, BilinearUpsample, ClippingGate, ExposureGain
from tfcorrect.params import Component, option


def _re_exposure(method):
    """A prenorm re-exposing the input by one gain per image, ``tfcorrect.data.exposure.PRENORM_GAINS[method]``."""
    return lambda inputs, *, name: AutoExposure(method, dtype="float32", name=name)(inputs)


# G_PRENORM (besides "none") -> a re-exposure of the input by one gain per image.
PRENORMS = {method: _re_exposure(method) for method in exposure.PRENORM_GAINS}


def _gain_head(x, source, *, out_channels, ksize, spectral_norm, name, global_gain=False, highlight_rolloff=0.0,
               inputs=None, gain_gate=0.0, local_stops=0.0, local_scale=1, local=False):
    """A log2 gain in linear light applied to ``source``; zero-initialised, so it starts as identity.

    ``global_gain``: the gain map is averaged to one gain per image, switched off by ``gain_gate``
    on inputs without clipped highlights. ``local``: plus an achromatic log-gain map bounded to
    ``±local_stops`` (``tanh``), averaged over ``local_scale`` pixels and upsampled (regions, not
    texture), with zero mean over the picture (the level stays the gain per image's) and gated
    like it: ungated, it cost 3 dB on underexposed linear renders, where the white point is exact,
    and gained nothing on camera renders (docs/default-model.md).

    ``spectral_norm`` does not apply: the norm of the zero kernel is 0, which spectral
    normalisation would divide by.
    """
    log_gain = keras.layers.Conv2DTranspose(1 if global_gain else out_channels, ksize, strides=2, padding="same",
                                            kernel_initializer="zeros", dtype="float32", name=f"{name}_log_gain")(x)
    log_gains = [log_gain]
    if global_gain:
        log_gain = keras.layers.GlobalAveragePooling2D(keepdims=True, dtype="float32", name=f"{name}_mean_gain")(log_gain)
        if gain_gate:
            log_gain = ClippingGate(gain_gate, dtype="float32", name=f"{name}_gain_gate")([inputs, log_gain])
        log_gains = [log_gain]
    if local:
        local_map = keras.layers.Conv2DTranspose(1, ksize, strides=2, padding="same", activation="tanh",
                                                 kernel_initializer="zeros", dtype="float32",
                                                 name=f"{name}_local_log_gain")(x)
        local_map = keras.layers.Rescaling(local_stops, dtype="float32", name=f"{name}_local_stops")(local_map)
        if local_scale > 1:  # a smooth map: its edges come from the photo (the guided filter at prediction)
            local_map = keras.layers.AveragePooling2D(local_scale, dtype="float32", name=f"{name}_local_pool")(local_map)
            local_map = BilinearUpsample(local_scale, dtype="float32", name=f"{name}_local_upsample")(local_map)
        # Zero mean over the picture: the level is the gain per photo's (gated, over G_PRENORM's),
        # the map only moves tones against each other.
        mean = keras.layers.GlobalAveragePooling2D(keepdims=True, dtype="float32", name=f"{name}_local_mean")(local_map)
        local_map = keras.layers.Subtract(dtype="float32", name=f"{name}_local_zero_mean")([local_map, mean])
        if gain_gate:
            local_map = ClippingGate(gain_gate, dtype="float32", name=f"{name}_local_gate")([inputs, local_map])
        log_gains.append(local_map)
    return ExposureGain(highlight_rolloff, dtype="float32", name=f"{name}_out")([source, *log_gains])


def _global_gain_head(x, source, **kwargs):
    return _gain_head(x, source, global_gain=True, **kwargs)


def _local_gain_head(x, source, **kwargs):
    return _gain_head(x, source, global_gain=True, local=True, **kwargs)


# G_OUTPUT (besides "image") -> an exposure head.
HEADS = {"exposure_gain": _gain_head, "exposure_global_gain": _global_gain_head,
         "exposure_local_gain": _local_gain_head}

# The heads whose correction is one gain per photo, or one per photo and a smooth map: predicted once
# on the whole picture shrunk (:mod:`tfcorrect.methods.exposure.predictor`), not tile by tile.
WHOLE_PICTURE_HEADS = ("exposure_global_gain", "exposure_local_gain")


@dataclasses.dataclass(frozen=True)
class ExposureHeadOptions:
    """How an exposure head's gain treats highlights."""

    highlight_rolloff: float = option(
        0.0, "Exposure gain heads: where the gain g darkens (g < 1), linear out = g*x + (1-g)*x^HIGHLIGHT_ROLLOFF, "
        "so clipped whites stay white and the brightest tones spread up to white instead of turning gray "
        "(0 = plain g*x).", minimum=0.0, maximum=64.0
    )
    highlight_fill: float = option(
        0.0, "exposure_global_gain and exposure_local_gain heads, prediction: the clipped areas of a darkened photo "
        "rise from the gain's level at their edge to white inside, over this fraction of the shorter side (or more "
        "gently, so their border is no new edge), instead of turning flat gray; it replaces HIGHLIGHT_ROLLOFF at "
        "prediction (0 = off).", minimum=0.0, maximum=1.0
    )
    g_gain_gate: float = option(
        0.0, "exposure_global_gain head: the learned gain is switched off (only G_PRENORM corrects) when fewer "
        "than this share of the input's pixels are clipped (brightest channel >= 0.98), and fully on from twice "
        "the share: a photo without clipped highlights is not overexposed (0 = no gate).", minimum=0.0, maximum=0.5
    )
    local_stops: float = option(
        2.0, "exposure_local_gain head: its local gain map is bounded to +-LOCAL_STOPS stops (tanh) on top of "
        "the one gain per photo.", minimum=0.0, maximum=8.0
    )
    local_scale: int = option(
        8, "exposure_local_gain head: its local gain map is averaged over LOCAL_SCALE x LOCAL_SCALE pixels and "
        "upsampled bilinearly (a map of regions; prediction snaps it to the photo's edges); 1 = per pixel.",
        minimum=1, maximum=32
    )


def _check(params, sources):
    if params.g_gain_gate and params.g_output not in WHOLE_PICTURE_HEADS:
        raise TableError(f"{sources['G_GAIN_GATE']}: G_GAIN_GATE gates the exposure_global_gain and "
                         f"exposure_local_gain heads' gain per photo, "
                         f"not G_OUTPUT {params.g_output}")


EXPOSURE_HEADS = Component("the exposure heads (G_OUTPUT=exposure_gain, exposure_global_gain or exposure_local_gain)",
                           ExposureHeadOptions, checks=(_check,))
