"""``STRATEGY``: the tf.distribute strategies a run trains under."""

import functools
import json
import os

import tensorflow as tf

from tfcorrect.errors import UserError


@functools.cache
def _multiworker_strategy():
    """``MultiWorkerMirroredStrategy`` of the cluster in ``TF_CONFIG`` (one local worker without it).

    Created once per process (TensorFlow configures its collective ops once): ``tfcorrect-train``
    creates it as the process's first TensorFlow work, and the driver gets the same one.

    Raises:
        UserError: ``TF_CONFIG`` is not JSON, or TensorFlow already ran in this process (the
            strategy configures the collective ops the workers train with, which TensorFlow
            allows only at program start).
    """
    try:
        json.loads(os.environ.get("TF_CONFIG") or "{}")
    except json.JSONDecodeError as err:
        raise UserError(f"TF_CONFIG: not valid JSON ({err})") from None
    try:
        return tf.distribute.MultiWorkerMirroredStrategy()
    except RuntimeError as err:
        raise UserError(f"STRATEGY=multiworker must be created before any other TensorFlow work ({err})") from None


# STRATEGY -> the tf.distribute strategy it names.
STRATEGIES = {
    "default": tf.distribute.get_strategy,
    "mirrored": tf.distribute.MirroredStrategy,
    "multiworker": _multiworker_strategy,
}


def make_strategy(name):
    """The ``tf.distribute`` strategy named by the table's ``STRATEGY``."""
    if name not in STRATEGIES:
        raise ValueError(f"unknown STRATEGY {name!r}; known: {', '.join(STRATEGIES)}")
    return STRATEGIES[name]()
