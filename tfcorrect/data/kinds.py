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
from tfcorrect.errors import UserError
from tfcorrect.exposure import render_exposure, simulate_overexposure
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
        draws_ev: examples without an EV get one drawn from ``EV_OFFSETS``; validation renders
            each such target once per offset.
    """

    find: Callable
    make_input: Callable | None = None
    in_channels: int = 3
    draws_ev: bool = False


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
    """``target`` rendered at its EV, or at one drawn from ``EV_OFFSETS`` when it has none (NaN)."""
    offsets = tf.constant(params.ev_list, tf.float32)
    drawn = tf.gather(offsets, tf.random.stateless_uniform([], seed, 0, len(params.ev_list), tf.int32))
    return render_exposure(target, tf.where(tf.math.is_nan(ev), drawn, ev))


def _overexpose(target, ev, seed, params):
    return simulate_overexposure(target, params.gamma, params.tau)


# DATASET -> data kind.
DATA_KINDS = {
    "paired": DataKind(_folder_only(examples.find_paired)),
    "afifi": DataKind(_find_afifi),
    "colorize": DataKind(_folder_only(examples.find_targets), make_input=_same_image, in_channels=1),
    "simulate_exposure": DataKind(_folder_only(examples.find_targets), make_input=_render_drawn_ev, draws_ev=True),
    "simulate_overexposure": DataKind(_folder_only(examples.find_targets), make_input=_overexpose),
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
