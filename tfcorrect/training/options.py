"""The run core's options: what is trained on what, the schedule, learning rates and execution.

Every table selects this component. ``MODEL``, ``DATASET`` and ``PREPROCESS`` name components
whose implementations live above the core; their choices are handed down by
:mod:`tfcorrect.methods`, which also selects the component each value names.
"""

import dataclasses

from tfcorrect.nn.precision import PRECISIONS
from tfcorrect.params import Component, option
from tfcorrect.training.strategies import STRATEGIES


@dataclasses.dataclass(frozen=True)
class RunOptions:
    """Options of every run."""

    model: str = option("pix2pix", "Method to train (tfcorrect.methods.METHODS).")
    dataset: str = option("paired", "Data kind: how TRAIN_DIR and VAL_DIR are read (tfcorrect.methods.DATA_KINDS).")
    train_dir: str = option("", "Training data folder (relative paths are relative to the working directory).")
    val_dir: str = option("", "Validation data folder; empty holds out VAL_FRACTION of TRAIN_DIR.")
    preprocess: str = option(
        "none", "Filter the TRAIN_DIR images once before training, into RUN/preprocessed/ "
        "(tfcorrect.methods.PREPROCESSES).")
    resol: int = option(256, "Image side in pixels the networks train on.", minimum=64, maximum=1024)
    lr: float = option(2e-4, "Adam learning rate of every network unless G_LR / D_LR set their own.", minimum=0.0)
    g_lr: float = option(None, "Adam learning rate of the generator; derived: LR.", minimum=0.0)
    d_lr: float = option(None, "Adam learning rate of the discriminator(s); derived: LR.", minimum=0.0)
    beta_1: float = option(0.5, "Adam beta_1 of every network.", minimum=0.0, maximum=1.0)
    epochs: int = option(200, "Training epochs.", minimum=1)
    steps_per_epoch: int = option(0, "Batches per epoch; 0 = the whole training set once.", minimum=0)
    batch_size: int = option(1, "Images per batch (global, across replicas).", minimum=1)
    val_steps: int = option(0, "Validation batches per epoch; 0 = the whole validation set.", minimum=0)
    keep_best: str = option(
        "none", "Which epoch's weights the run folder exports: 'none' = the last; 'val_' + a loss part of MODEL "
        "(e.g. val_g_l1) = the epoch where that validation loss was lowest.")
    samples: int = option(4, "Fixed validation images shown in samples/ each epoch.", minimum=0, maximum=16)
    strategy: str = option("default", "tf.distribute strategy.", choices=STRATEGIES)
    precision: str = option(
        "auto", "Keras dtype policy of the networks, in training and prediction: 'float32', or 'mixed_bfloat16' / "
        "'mixed_float16' (float32 weights and outputs); 'auto' = mixed_bfloat16 on a CPU with AMX or a GPU of "
        "compute capability >= 8.0, else float32, chosen when training starts and recorded in params.csv.",
        choices=PRECISIONS)
    seed: int = option(0, "Random seed for weights, data order and augmentation.", minimum=0)
    tile: int = option(0, "Prediction tile side; 0 = RESOL.", minimum=0, maximum=4096)


def _derive(values):
    for rate in ("g_lr", "d_lr"):
        if values[rate] is None:
            values[rate] = values["lr"]


RUN = Component("the run", RunOptions, derive=_derive)
