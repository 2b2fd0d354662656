"""ImageNet networks loaded offline (docs/commands.md, 'Pretrained ImageNet weights').

VGG19 (perceptual loss) and InceptionV3 (inception score) need ImageNet weights that cannot be
downloaded on machines without internet access. They are read from a path the user gives, or
from the file ``keras.applications`` keeps in its cache (``~/.keras/models``, or
``$KERAS_HOME/models``). When neither exists the caller gets a one-line :class:`UserError` naming
the file to supply; random weights are never used in their place.
"""

import dataclasses
import os
import pathlib
from collections.abc import Callable

from tfcorrect.errors import UserError


@dataclasses.dataclass(frozen=True)
class Application:
    """One ``keras.applications`` network and the weight file Keras caches for it.

    Attributes:
        build: ``(weights, **kwargs) -> keras.Model`` (``weights`` a file path).
        filename: the file name ``keras.applications`` downloads and caches.
        parameter: where the user can name the file instead (shown in the error).
    """

    build: Callable
    filename: str
    parameter: str


def _vgg19(weights, **kwargs):
    import keras

    return keras.applications.VGG19(weights=weights, include_top=False, **kwargs)


def _inception_v3(weights, **kwargs):
    import keras

    return keras.applications.InceptionV3(weights=weights, include_top=True, **kwargs)


# name -> the network and its ImageNet weight file.
APPLICATIONS = {
    "vgg19": Application(_vgg19, "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5", "VGG_WEIGHTS"),
    "inception_v3": Application(_inception_v3, "inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
                                "--inception-weights"),
}


def keras_cache_dir():
    """The folder ``keras.applications`` caches downloaded weights in."""
    home = os.environ.get("KERAS_HOME") or pathlib.Path.home() / ".keras"
    return pathlib.Path(home) / "models"


def weights_path(name, path=""):
    """The ImageNet weight file of network ``name``: ``path`` if given, else Keras's cached copy.

    Raises:
        UserError: the file is not there (one line naming the file and where to put it).
    """
    application = APPLICATIONS[name]
    if path:
        if not pathlib.Path(path).is_file():
            raise UserError(f"{path}: no such {name} weights file ({application.parameter}); "
                            f"expected Keras's {application.filename}")
        return pathlib.Path(path)
    cached = keras_cache_dir() / application.filename
    if not cached.is_file():
        raise UserError(f"{name} ImageNet weights are not available offline: put {application.filename} in "
                        f"{cached.parent} or name the file with {application.parameter}")
    return cached


def load_application(name, path="", **kwargs):
    """Network ``name`` with its ImageNet weights (see :func:`weights_path`); ``kwargs`` go to Keras.

    Raises:
        UserError: the file is missing, or is not that network's weights (not HDF5, truncated, or
            another network's: Keras fails in h5py or on a layer count).
    """
    path = weights_path(name, path)
    try:
        return APPLICATIONS[name].build(str(path), **kwargs)
    except (OSError, ValueError, KeyError) as err:
        detail = str(err).strip().splitlines()[0][:160] if str(err).strip() else type(err).__name__
        raise UserError(f"{path}: not usable as {name} ImageNet weights ({APPLICATIONS[name].parameter}; "
                        f"expected Keras's {APPLICATIONS[name].filename}): {detail}") from None
