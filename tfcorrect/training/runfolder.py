"""The files of a run folder (docs/run-folder.md), each written atomically.

``checkpoint.npz`` holds everything ``--resume`` needs, every array under a name: the variables
of each network (``network/<network>/<variable path>``) and of each network's optimiser
(``optimizer/<network>/<variable path>``), the number of complete epochs and the history so
far. It is written first at the end of an epoch, so the other files can always be rebuilt from it.
"""

import contextlib
import json
import math
import pathlib
import re
import shutil
import tempfile
import zipfile

import keras
import numpy as np
import pandas as pd
import tensorflow as tf
from matplotlib.figure import Figure

from tfcorrect.io.atomic import atomic_path
from tfcorrect.errors import UserError
from tfcorrect.io.images import write_image
from tfcorrect.training.folderlock import locked

PARAMS = "params.csv"
HISTORY = "history.csv"
CHECKPOINT = "checkpoint.npz"
LOSS_PLOT = "loss.png"
SAMPLES = "samples"
LOGS = "logs"
WARNINGS = "warnings.txt"
_META = ("epoch", "history")


@contextlib.contextmanager
def worker_folder(run_dir, *, chief):
    """The folder this process writes its run folder files into.

    Under ``MultiWorkerMirroredStrategy`` every worker runs the same callbacks, so every worker
    writes; as the TensorFlow multi-worker guide advises, only the chief writes the real folder and
    the others write into a temporary folder that they delete. It is made in the machine's own
    temporary directory (``TMPDIR``), not inside ``run_dir``, so a shared run folder never sees
    another worker's files, even from a worker that was killed.

    Args:
        run_dir: the run folder.
        chief: whether this process is the chief (``strategy.extended.should_checkpoint``).

    Yields:
        ``run_dir`` (created, and locked against a second writer while the block runs) on the chief;
        a fresh temporary folder, removed on exit, elsewhere.

    Raises:
        UserError: another process is writing ``run_dir``.
    """
    if chief:
        run_dir = pathlib.Path(run_dir)
        run_dir.mkdir(parents=True, exist_ok=True)
        with locked(run_dir):
            yield run_dir
        return
    folder = tempfile.mkdtemp(prefix="tfcorrect-worker-")
    try:
        yield pathlib.Path(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def weights_file(network):
    """The file a network's weights are exported to: ``<network>.weights.h5``."""
    return f"{network}.weights.h5"


def _network_paths(network):
    """``(name, variable)`` of every variable of ``network``, named under the layer that owns it.

    Keras numbers some objects per process (a Dropout's ``seed_generator_3/...``), so such a
    variable is named ``<layer>/<variable name>`` instead of by its path.
    """
    entries = []
    for layer in network.layers:
        for v in layer.variables:
            entries.append((v.path if v.path.split("/")[0] == layer.name else f"{layer.name}/{v.name}", v))
    if {id(v) for _, v in entries} != {id(v) for v in network.variables}:
        raise ValueError(f"{network.name}: some variables belong to no layer; the checkpoint cannot name them")
    return entries


def _optimizer_path(variable):
    """A variable's path without the number Keras gives each optimiser instance (``adam_1/x`` -> ``adam/x``)."""
    return re.sub(r"^([^/]*?)_\d+/", r"\1/", variable.path)


def _named_variables(trainer):
    """Every variable ``--resume`` restores, under a name that does not depend on its position."""
    named = {}
    for name, network in trainer.networks.items():
        entries = [(f"network/{name}/{path}", v) for path, v in _network_paths(network)]
        entries += [(f"optimizer/{name}/{_optimizer_path(v)}", v) for v in trainer.optimizers[name].variables]
        if len(dict(entries)) != len(entries):
            raise ValueError(f"two variables of {name!r} or its optimiser share a name; the checkpoint would mix them")
        named.update(entries)
    return named


def save_checkpoint(path, trainer, epoch, history):
    """Save the full training state after ``epoch`` complete epochs."""
    arrays = {key: np.asarray(v.numpy()) for key, v in _named_variables(trainer).items()}
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.savez(f, epoch=epoch, history=json.dumps(history), **arrays)


def load_checkpoint(path, trainer):
    """Restore the state saved by :func:`save_checkpoint`; returns ``(epoch, history)``.

    Raises:
        UserError: the file is unreadable, or its names or shapes do not fit the model built
            from ``params.csv`` (nothing is restored then).
    """
    named = _named_variables(trainer)
    try:
        with np.load(path) as saved:
            stored = set(saved.files) - set(_META)
            missing, unknown = sorted(set(named) - stored), sorted(stored - set(named))
            if missing or unknown:
                raise UserError(f"{path}: does not fit the model of its params.csv "
                                f"({_few('missing', missing)}{'; ' if missing and unknown else ''}"
                                f"{_few('not in the model', unknown)})")
            wrong = [key for key, v in named.items() if saved[key].shape != tuple(v.shape)]
            if wrong:
                raise UserError(f"{path}: {_few('wrong shape', wrong)}; the checkpoint does not fit its params.csv")
            for key, variable in named.items():
                variable.assign(saved[key])
            return int(saved["epoch"]), json.loads(str(saved["history"]))
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:  # truncated, bit-flipped
        raise UserError(f"{path}: unreadable checkpoint ({type(err).__name__}: {err}); "
                        "start the run again without --resume in a new --run-dir") from None


def _few(what, keys, shown=3):
    if not keys:
        return ""
    more = f" and {len(keys) - shown} more" if len(keys) > shown else ""
    return f"{what}: {', '.join(keys[:shown])}{more}"


def save_weights(model, path):
    """``model.save_weights`` to ``path`` without ever leaving a partial file there."""
    with atomic_path(path) as tmp:
        model.save_weights(tmp)


def write_history(path, history):
    """One row per epoch, every loss and validation metric."""
    with atomic_path(path) as tmp:
        pd.DataFrame(history).to_csv(tmp, index=False)


def loss_figure(history):
    """One panel per network prefix of the loss parts (``g_``, ``d_``, ...): training solid, validation dashed.

    Args:
        history: rows (dicts) or a DataFrame with an ``epoch`` column, as in ``history.csv``.

    Returns:
        A matplotlib ``Figure`` made without pyplot, so no display backend is touched.
    """
    frame = pd.DataFrame(history).set_index("epoch")
    parts = [c for c in frame.columns if not c.startswith("val_")]
    prefixes = list(dict.fromkeys(c.split("_", 1)[0] for c in parts))
    fig = Figure(figsize=(5 * len(prefixes), 4))
    axes = fig.subplots(1, len(prefixes), squeeze=False)
    for ax, prefix in zip(axes[0], prefixes):
        for column in (c for c in parts if c.split("_", 1)[0] == prefix):
            line, = ax.plot(frame.index, frame[column], marker=".", label=column)
            if f"val_{column}" in frame:
                ax.plot(frame.index, frame[f"val_{column}"], "--", color=line.get_color(), label=f"val_{column}")
        ax.set_xlabel("epoch")
        ax.set_title(f"{prefix}_ losses")
        ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


def plot_losses(path, history):
    """Write :func:`loss_figure` of ``history`` to ``path`` as PNG."""
    fig = loss_figure(history)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")


def sample_grid(network, inputs, targets):
    """One row per fixed validation image, input | output | target, as an array in [0, 1]."""
    outputs = np.clip(np.asarray(network(inputs, training=False)), -1, 1)
    if inputs.shape[-1] == 1:
        inputs = np.repeat(inputs, 3, axis=-1)
    rows = [np.concatenate(row, axis=1) for row in zip(inputs, outputs, targets)]
    return (np.concatenate(rows, axis=0) + 1) / 2


def append_warning(path, line):
    """Add one line to the run folder's warnings file."""
    path = pathlib.Path(path)
    before = path.read_text(encoding="utf-8") if path.exists() else ""
    with atomic_path(path) as tmp:
        tmp.write_text(before + line + "\n", encoding="utf-8")


def _check_finite(epoch, logs):
    """Stop at the first epoch whose training losses are not finite: its state is not saved (the folder keeps the last good one).

    Raises:
        UserError: a training loss of ``logs`` is NaN or infinite.
    """
    bad = [f"{name}={float(value)}" for name, value in logs.items()
           if not name.startswith("val_") and not math.isfinite(float(value))]
    if bad:
        raise UserError(f"epoch {epoch}: {', '.join(bad[:3])}: training diverged; the run folder keeps epoch "
                        f"{epoch - 1} (try a lower LR, or PRECISION=float32)")


class RunFolderWriter(keras.callbacks.Callback):
    """Writes a run folder's files at the end of every epoch.

    Args:
        run_dir: the run folder.
        history: rows of the epochs already complete (a resumed run's past).
        samples: ``(inputs, targets)`` arrays of the fixed validation images, or ``None``.
        sample_network: name of the network that makes the samples' outputs.
        grid: ``(network, inputs, targets) -> HxWx3`` in [0, 1] that draws the samples
            (a method's ``sample_grid``; default :func:`sample_grid`).
        keep_best: a history column, e.g. ``"val_g_l1"``: the exported network weights are those
            of the epoch where it was lowest (like ``ModelCheckpoint(save_best_only=True)``);
            ``"none"`` exports every epoch's. ``checkpoint.npz`` always holds the last epoch.
    """

    def __init__(self, run_dir, history, samples=None, *, sample_network="generator", keep_best="none",
                 grid=sample_grid):
        super().__init__()
        self.run_dir = pathlib.Path(run_dir)
        self.history = list(history)
        self.samples = samples
        self.sample_network = sample_network
        self.keep_best = keep_best
        self.grid = grid
        self._image_log = None

    def _improved(self):
        if self.keep_best == "none":
            return True
        values = [row[self.keep_best] for row in self.history]
        return values[-1] <= min(values)

    def on_epoch_end(self, epoch, logs=None):
        if not logs:  # Keras ran out of data before this epoch trained anything
            self.model.stop_training = True
            return
        _check_finite(epoch + 1, logs)
        self.history.append({"epoch": epoch + 1, **{k: float(v) for k, v in logs.items()}})
        save_checkpoint(self.run_dir / CHECKPOINT, self.model, epoch + 1, self.history)
        self.write_epoch_files(self.model, epoch + 1)

    def write_epoch_files(self, trainer, epoch, *, log=True):
        """Every file but the checkpoint, from ``trainer``'s state after ``epoch`` epochs.

        A resumed run calls it first (``log=False``): a kill after the checkpoint was written may
        have cut off the files that follow it (a sample, the loss plot).
        """
        if self._improved():
            for name, network in trainer.networks.items():
                save_weights(network, self.run_dir / weights_file(name))
        write_history(self.run_dir / HISTORY, self.history)
        plot_losses(self.run_dir / LOSS_PLOT, self.history)
        if self.samples is not None:
            grid = self.grid(trainer.networks[self.sample_network], *self.samples)
            write_image(self.run_dir / SAMPLES / f"epoch_{epoch:04d}.png", grid)
            if log:
                self._log_image(grid, epoch)

    def _log_image(self, grid, step):
        if self._image_log is None:
            self._image_log = tf.summary.create_file_writer(str(self.run_dir / LOGS / SAMPLES))
        with self._image_log.as_default():
            tf.summary.image("samples", grid[None].astype(np.float32), step=step)
        self._image_log.flush()
