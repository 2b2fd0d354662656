"""``PREPROCESS=homomorphic``: the training images filtered once per run, before training."""

import dataclasses
import pathlib

from tfcorrect.data.preprocess import Preprocess
from tfcorrect.methods.colorize.homomorphic import Homomorphic, HomomorphicOptions, homomorphic_folder
from tfcorrect.params import Component

PREPROCESSED = "preprocessed"  # the run folder's subfolder holding the filtered training images
_DONE = ".complete"  # written last into a finished cache; a cache without it is made again


def preprocess_run_data(params, run_dir):
    """``PREPROCESS=homomorphic``: the TRAIN_DIR images filtered once into ``run_dir/preprocessed``.

    The copy is made on the first call and reused by later ones (``--resume``); one left
    unfinished by an interrupted run is made again. Validation images from ``VAL_DIR`` are not
    filtered: they stay what the model is judged against. A missing TRAIN_DIR is left to the
    data kind to report.

    Returns:
        ``params`` with ``TRAIN_DIR`` pointing at the filtered copy.
    """
    if not params.train_dir or not pathlib.Path(params.train_dir).is_dir():
        return params
    cache = pathlib.Path(run_dir) / PREPROCESSED
    if not (cache / _DONE).is_file():
        print(f"PREPROCESS=homomorphic: filtering {params.train_dir} into {cache} (once per run)", flush=True)
        homomorphic_folder(params.train_dir, cache, settings=Homomorphic.from_params(params), progress=False)
        (cache / _DONE).write_text("")
    return dataclasses.replace(params, train_dir=str(cache))


HOMOMORPHIC = Preprocess(preprocess_run_data, Component("PREPROCESS=homomorphic", HomomorphicOptions))
