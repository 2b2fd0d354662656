"""Data kinds (SPEC 'Data kinds'): how a folder becomes examples and how an input is made.

``DATASET`` in the table names a key of :data:`DATA_KINDS`. A kind whose input is not on disk
makes it from the target inside the ``tf.data`` pipeline, after the crop and before
augmentation, with stateless randomness seeded per sample.
"""

import dataclasses
import pathlib
from collections.abc import Callable

import tensorflow as tf

from tfcorrect.data import examples
from tfcorrect.data.illuminants import find_illuminants
from tfcorrect.errors import UserError
from tfcorrect.exposure import linear_to_srgb, render_exposure, simulate_overexposure, srgb_to_linear
from tfcorrect.params.schema import Params


@dataclasses.dataclass(frozen=True)
class DataKind:
    """One data kind.

    Attributes:
        find: ``(folder, params) -> [Example]``; raises ``UserError`` on a wrong layout. ``params``
            gives the kind's options (``EXPERT`` for ``afifi``).
        make_input: ``(target, ev, seed, params) -> input`` on RGB in [0, 1] when the input is
            made from the target; ``None`` when it is read from disk.
        in_channels: channels the network's input has (1: the RGB input is turned gray last).
        draws_ev: examples without an EV get one drawn from ``EV_OFFSETS`` (or ``EV_RANGE``);
            validation renders each such target once per offset.
        degrade: ``(input, seed, params) -> input``, applied to made training inputs only (sensor
            noise, JPEG): validation and test inputs stay clean renders.
    """

    find: Callable
    make_input: Callable | None = None
    in_channels: int = 3
    draws_ev: bool = False
    degrade: Callable | None = None


def _folder_only(find):
    """A finder of ``folder`` alone, as the ``(folder, params)`` finder a :class:`DataKind` holds."""
    def find_in(folder, params):
        return find(folder)

    return find_in


def _find_afifi(folder, params):
    return examples.find_afifi(folder, expert=params.expert)


def _same_image(target, ev, seed, params):
    return target


def _render_drawn_ev(target, ev, seed, params):
    """``target`` rendered at its EV, or at one drawn when it has none (NaN).

    The EV is drawn uniformly from ``[-EV_RANGE, EV_RANGE]`` when ``EV_RANGE`` > 0, else from ``EV_OFFSETS``.
    """
    if params.ev_range:
        drawn = tf.random.stateless_uniform([], seed, -params.ev_range, params.ev_range)
    else:
        offsets = tf.constant(params.ev_list, tf.float32)
        drawn = tf.gather(offsets, tf.random.stateless_uniform([], seed, 0, len(params.ev_list), tf.int32))
    return render_exposure(target, tf.where(tf.math.is_nan(ev), drawn, ev))


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


def _overexpose(target, ev, seed, params):
    return simulate_overexposure(target, params.gamma, params.tau)


# DATASET -> data kind.
DATA_KINDS = {
    "paired": DataKind(_folder_only(examples.find_paired)),
    "dped": DataKind(_folder_only(examples.find_dped)),
    "afifi": DataKind(_find_afifi),
    "colorize": DataKind(_folder_only(examples.find_targets), make_input=_same_image, in_channels=1),
    "simulate_exposure": DataKind(_folder_only(examples.find_targets), make_input=_render_drawn_ev, draws_ev=True,
                                  degrade=_camera_degradation),
    "simulate_overexposure": DataKind(_folder_only(examples.find_targets), make_input=_overexpose),
    # Linear camera images with a ground-truth illuminant and a camera label (data/illuminants.py); the
    # colour-constancy method reads the images and the illuminants itself.
    "illuminant": DataKind(_folder_only(find_illuminants)),
}


def find_examples(dataset, folder, *, params=None, what="TRAIN_DIR"):
    """The examples of a data folder of kind ``dataset``.

    Args:
        dataset: a key of :data:`DATA_KINDS`.
        folder: the data folder.
        params: resolved :class:`~tfcorrect.params.Params` giving the kind's options (``EXPERT``);
            ``None`` uses the schema's defaults.
        what: the parameter (or option) that named ``folder``, for error messages.

    Returns:
        A non-empty list of :class:`~tfcorrect.data.examples.Example`.

    Raises:
        UserError: the folder is missing, has the wrong layout or holds no usable pair.
    """
    if not folder:
        raise UserError(f"{what} is not set (use --set {what}=FOLDER or a table row)")
    folder = pathlib.Path(folder)
    if not folder.is_dir():
        raise UserError(f"{what}={folder}: no such folder")
    found = DATA_KINDS[dataset].find(folder, Params() if params is None else params)
    if not found:
        raise UserError(f"{what}={folder}: no usable {dataset} images found")
    return found
