"""The files of a run folder (SPEC 'Run folder'), each written atomically.

``checkpoint.npz`` holds everything ``--resume`` needs: the values of every variable of both
networks and both optimisers, the number of complete epochs and the history so far. It is
written first at the end of an epoch, so the other files can always be rebuilt from it.
"""

import json
import pathlib

import keras
import matplotlib
import numpy as np
import pandas as pd

from tfcorrect.atomic import atomic_path
from tfcorrect.errors import UserError
from tfcorrect.imageio import write_image

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the non-interactive backend)

PARAMS = "params.csv"
GENERATOR_WEIGHTS = "generator.weights.h5"
DISCRIMINATOR_WEIGHTS = "discriminator.weights.h5"
HISTORY = "history.csv"
CHECKPOINT = "checkpoint.npz"
LOSS_PLOT = "loss.png"
SAMPLES = "samples"


def _stateful_parts(gan):
    return {"generator": gan.generator.variables, "discriminator": gan.discriminator.variables,
            "g_optimizer": gan.g_optimizer.variables, "d_optimizer": gan.d_optimizer.variables}


def save_checkpoint(path, gan, epoch, history):
    """Save the full training state after ``epoch`` complete epochs."""
    arrays = {f"{part}/{i}": np.asarray(v.numpy()) for part, variables in _stateful_parts(gan).items()
              for i, v in enumerate(variables)}
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.savez(f, epoch=epoch, history=json.dumps(history), **arrays)


def load_checkpoint(path, gan):
    """Restore the state saved by :func:`save_checkpoint`; returns ``(epoch, history)``."""
    try:
        with np.load(path) as saved:
            for part, variables in _stateful_parts(gan).items():
                count = sum(key.startswith(f"{part}/") for key in saved.files)
                if count != len(variables):
                    raise UserError(f"{path}: holds {count} {part} variables, the model from params.csv has "
                                    f"{len(variables)}; the checkpoint does not fit its params.csv")
                for i, variable in enumerate(variables):
                    variable.assign(saved[f"{part}/{i}"])
            return int(saved["epoch"]), json.loads(str(saved["history"]))
    except (OSError, ValueError, KeyError) as err:
        raise UserError(f"{path}: unreadable checkpoint ({err})") from None


def save_weights(model, path):
    """``model.save_weights`` to ``path`` without ever leaving a partial file there."""
    with atomic_path(path) as tmp:
        model.save_weights(tmp)


def write_history(path, history):
    """One row per epoch, every loss and validation metric."""
    with atomic_path(path) as tmp:
        pd.DataFrame(history).to_csv(tmp, index=False)


def plot_losses(path, history):
    """Generator and discriminator loss curves, training solid and validation dashed."""
    frame = pd.DataFrame(history).set_index("epoch")
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, prefix in zip(axes, ("g_", "d_")):
        for column in (c for c in frame.columns if c.startswith(prefix)):
            ax.plot(frame.index, frame[column], label=column)
            if f"val_{column}" in frame:
                ax.plot(frame.index, frame[f"val_{column}"], "--", label=f"val_{column}")
        ax.set_xlabel("epoch")
        ax.set_title("generator" if prefix == "g_" else "discriminator")
        ax.legend(fontsize="small")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)


def write_samples(path, generator, inputs, targets):
    """A grid with one row per fixed validation image: input | output | target."""
    outputs = np.clip(np.asarray(generator(inputs, training=False)), -1, 1)
    if inputs.shape[-1] == 1:
        inputs = np.repeat(inputs, 3, axis=-1)
    rows = [np.concatenate(row, axis=1) for row in zip(inputs, outputs, targets)]
    write_image(path, (np.concatenate(rows, axis=0) + 1) / 2)


class RunFolderWriter(keras.callbacks.Callback):
    """Writes a run folder's files at the end of every epoch.

    Args:
        run_dir: the run folder.
        history: rows of the epochs already complete (a resumed run's past).
        samples: ``(inputs, targets)`` arrays of the fixed validation images, or ``None``.
        keep_best: a history column, e.g. ``"val_g_l1"``: the exported network weights are those
            of the epoch where it was lowest (like ``ModelCheckpoint(save_best_only=True)``);
            ``"none"`` exports every epoch's. ``checkpoint.npz`` always holds the last epoch.
    """

    def __init__(self, run_dir, history, samples=None, keep_best="none"):
        super().__init__()
        self.run_dir = pathlib.Path(run_dir)
        self.history = list(history)
        self.samples = samples
        self.keep_best = keep_best

    def _improved(self):
        if self.keep_best == "none":
            return True
        values = [row[self.keep_best] for row in self.history]
        return values[-1] <= min(values)

    def on_epoch_end(self, epoch, logs=None):
        if not logs:  # Keras ran out of data before this epoch trained anything
            self.model.stop_training = True
            return
        self.history.append({"epoch": epoch + 1, **{k: float(v) for k, v in (logs or {}).items()}})
        gan = self.model
        save_checkpoint(self.run_dir / CHECKPOINT, gan, epoch + 1, self.history)
        if self._improved():
            save_weights(gan.generator, self.run_dir / GENERATOR_WEIGHTS)
            save_weights(gan.discriminator, self.run_dir / DISCRIMINATOR_WEIGHTS)
        write_history(self.run_dir / HISTORY, self.history)
        plot_losses(self.run_dir / LOSS_PLOT, self.history)
        if self.samples is not None:
            write_samples(self.run_dir / SAMPLES / f"epoch_{epoch + 1:04d}.png", gan.generator, *self.samples)
