"""The exposure-correction data kinds: ``afifi`` (Afifi et al.'s renders) and ``simulate_exposure`` (our renders).

``simulate_exposure`` renders each well-exposed photo at an EV offset inside the ``tf.data``
pipeline (the shipped default model's training data): in linear light (``SIM_RENDER=linear``) or
as a camera would (``camera``, :mod:`tfcorrect.data.camera`), or each pair one of the two
(``mixed``); ``afifi`` reads Afifi et al.'s data set, the exposure-correction pix2pix paper's.
"""

import dataclasses

import tensorflow as tf

from tfcorrect.data import examples
from tfcorrect.data.camera import render_camera
from tfcorrect.data.exposure import linear_to_srgb, render_exposure, srgb_to_linear
from tfcorrect.data.kinds import DataKind, folder_only
from tfcorrect.errors import TableError
from tfcorrect.methods.exposure.afifi import AFIFI_EXPERTS, find_afifi
from tfcorrect.params import Component, option

EXPOSURE_OFFSETS = "-1.5,-1,0,1,1.5"
CAMERA_SHARE = 0.5  # SIM_RENDER=mixed: the share of pairs rendered as a camera would


def _render_linear(target, ev, seed):
    return render_exposure(target, ev)


def _render_camera(target, ev, seed):
    """:func:`~tfcorrect.data.camera.render_camera` inside the graph; its seed is a stream of its own."""
    image = tf.numpy_function(lambda x, e, s: render_camera(x, float(e), s),
                              [target, ev, tf.random.experimental.stateless_fold_in(seed, 1)], tf.float32,
                              stateful=False)
    image.set_shape(target.shape)
    return image


def _render_mixed(target, ev, seed):
    camera = tf.random.stateless_uniform([], tf.random.experimental.stateless_fold_in(seed, 2)) < CAMERA_SHARE
    return tf.cond(camera, lambda: _render_camera(target, ev, seed), lambda: _render_linear(target, ev, seed))


# SIM_RENDER -> (target, ev, seed) -> input.
SIM_RENDERS = {"linear": _render_linear, "camera": _render_camera, "mixed": _render_mixed}


@dataclasses.dataclass(frozen=True)
class AfifiOptions:
    """Which renditions are the targets of Afifi et al.'s test set."""

    expert: str = option(
        "c", "afifi: the expert whose renditions are the targets of expert_<X>_testing_set (test data).",
        choices=AFIFI_EXPERTS,
    )


@dataclasses.dataclass(frozen=True)
class SimulateExposureOptions:
    """The EVs a photo is rendered at, how it is rendered, and the camera degradations of the training input."""

    ev_offsets: str = option(
        EXPOSURE_OFFSETS, "simulate_exposure: EV offsets (comma-separated) rendered in linear light."
    )
    ev_range: float = option(
        0.0, "simulate_exposure: training EVs drawn uniformly from [-EV_RANGE, +EV_RANGE] instead of from "
        "EV_OFFSETS (0 = from EV_OFFSETS); validation still renders each EV_OFFSETS value.", minimum=0.0, maximum=6.0
    )
    sim_noise: float = option(
        0.0, "simulate_exposure: sensor noise added to the rendered training input in linear light, per channel, "
        "with standard deviation s * sqrt(value), s drawn per image from [0, SIM_NOISE]: relatively strongest in "
        "the shadows (0 = none).",
        minimum=0.0, maximum=0.2
    )
    sim_jpeg_p: float = option(
        0.0, "simulate_exposure: probability that a rendered training input is re-encoded as JPEG (quality "
        "drawn from 60-95), as a camera or a web upload would.", minimum=0.0, maximum=1.0
    )
    sim_render: str = option(
        "linear", "simulate_exposure: how an input is rendered: linear (gain in linear light, clip, sRGB), camera "
        "(also sensor noise, local tone mapping, a drawn tone curve and JPEG; see docs/data-kinds.md) or mixed "
        "(each pair one of the two, half each); validation renders are fixed per image.", choices=SIM_RENDERS
    )


def ev_offsets(params):
    """``EV_OFFSETS`` as a tuple of floats."""
    return tuple(float(v) for v in params.ev_offsets.split(","))


def _check_offsets(params, sources):
    try:
        offsets = ev_offsets(params)
        if not offsets or any(abs(v) > 5 for v in offsets):
            raise ValueError
    except ValueError:
        raise TableError(f"{sources['EV_OFFSETS']}: EV_OFFSETS must be comma-separated numbers "
                         f"within +-5, not '{params.ev_offsets}'") from None


def _find_afifi(folder, options):
    return find_afifi(folder, expert=options.expert)


def _render_drawn_ev(target, ev, seed, params):
    """``target`` rendered by ``SIM_RENDER`` at its EV, or at one drawn when it has none (NaN).

    The EV is drawn uniformly from ``[-EV_RANGE, EV_RANGE]`` when ``EV_RANGE`` > 0, else from ``EV_OFFSETS``.
    """
    if params.ev_range:
        drawn = tf.random.stateless_uniform([], seed, -params.ev_range, params.ev_range)
    else:
        offsets = tf.constant(ev_offsets(params), tf.float32)
        drawn = tf.gather(offsets, tf.random.stateless_uniform([], seed, 0, len(ev_offsets(params)), tf.int32))
    return SIM_RENDERS[params.sim_render](target, tf.where(tf.math.is_nan(ev), drawn, ev), seed)


def _camera_degradation(image, seed, params):
    """Sensor noise (``SIM_NOISE``) and JPEG re-encoding (``SIM_JPEG_P``) of a rendered input.

    The noise is Gaussian per channel in linear light with standard deviation ``s * sqrt(x)``,
    ``s`` drawn per image from ``[0, SIM_NOISE]``: shot noise's shape, relatively strongest in the
    shadows and, being independent per channel, colour speckle there, as in a real dark photo.
    """
    seeds = tf.random.experimental.stateless_split(seed, 4)
    if params.sim_noise:
        linear = srgb_to_linear(image)
        strength = tf.random.stateless_uniform([], seeds[3], 0.0, params.sim_noise)
        noise = tf.random.stateless_normal(tf.shape(image), seeds[0]) * strength * tf.sqrt(linear)
        image = linear_to_srgb(tf.clip_by_value(linear + noise, 0.0, 1.0))
    if params.sim_jpeg_p:
        jpeg = tf.image.stateless_random_jpeg_quality(image, 60, 95, seeds[1])
        image = tf.where(tf.random.stateless_uniform([], seeds[2]) < params.sim_jpeg_p, jpeg, image)
    return image


AFIFI = DataKind(_find_afifi, Component("DATASET=afifi", AfifiOptions), layout=("INPUT_IMAGES",))
SIMULATE_EXPOSURE = DataKind(
    folder_only(examples.find_targets), Component("DATASET=simulate_exposure", SimulateExposureOptions,
                                                  checks=(_check_offsets,)),
    make_input=_render_drawn_ev, val_evs=ev_offsets, degrade=_camera_degradation)
