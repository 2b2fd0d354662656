"""What the notebooks in ``notebooks/`` share: the size switch, tables as DataFrames, pictures of a run.

A notebook calls the library for everything it trains or measures; this module only helps it
show and edit things. Each function is small enough to read in a notebook's ``help()``.
"""

import importlib.metadata
import os
import pathlib
import shlex
import sys

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from tfcorrect.errors import UserError
from tfcorrect.io.images import read_image
from tfcorrect.io import shipped
from tfcorrect.io.atomic import atomic_path
from tfcorrect.methods import resolve
from tfcorrect.params import COLUMNS, COMMON, Row, read_table, write_table
from tfcorrect.training.runfolder import HISTORY, SAMPLES, loss_figure

SIZE_VARIABLE = "TFCORRECT_NOTEBOOK_SIZE"
SIZES = ("tiny", "full")


def notebook_size():
    """``"tiny"`` or ``"full"``: how big a notebook's run should be.

    ``$TFCORRECT_NOTEBOOK_SIZE`` decides when it is set (the tests set ``tiny``); otherwise a
    visible GPU (Colab with a GPU runtime) means ``full`` (the paper's settings) and a CPU means
    ``tiny`` (a few steps on small images, enough to see every step work).

    Raises:
        UserError: the variable holds something else.
    """
    chosen = os.environ.get(SIZE_VARIABLE, "").strip().lower()
    if chosen:
        if chosen not in SIZES:
            raise UserError(f"${SIZE_VARIABLE}={chosen!r}: expected one of {', '.join(SIZES)}")
        return chosen
    import tensorflow as tf

    return "full" if tf.config.list_physical_devices("GPU") else "tiny"


def shipped_table(name):
    """The path of a shipped table, e.g. ``shipped_table("illum_da.csv")`` (from a checkout or an installed package)."""
    return shipped.table_path(name)


def table_frame(path):
    """A table (CSV or SQLite) as a DataFrame with the columns of the file format."""
    rows = read_table(path)
    return pd.DataFrame([(r.category, r.name, r.value, r.use_yn, r.description) for r in rows], columns=COLUMNS)


def set_rows(frame, category=COMMON, **values):
    """A copy of ``frame`` where ``category`` sets each ``NAME=value`` (a row is changed or added).

    The active row of that name and category gets the value; when there is none, a new active
    row is appended, so a parameter left at its default can be set the same way.
    """
    frame = frame.copy()
    for name, value in values.items():
        mine = (frame["CATEGORY"] == category) & (frame["PARAM_NAME"] == name.upper()) & (frame["USE_YN"] == "Y")
        if mine.any():
            frame.loc[mine, "PARAM_VALUE"] = str(value)
        else:
            added = pd.DataFrame([(category, name.upper(), str(value), "Y", "set in the notebook")], columns=COLUMNS)
            frame = pd.concat([frame, added], ignore_index=True)
    return frame


def write_frame(frame, path):
    """Write a table DataFrame to ``path`` (CSV or SQLite by suffix), atomically; returns the path."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [Row(*(str(record[c]) if pd.notna(record[c]) else "" for c in COLUMNS)) for _, record in frame.iterrows()]
    with atomic_path(path) as tmp:
        write_table(tmp, rows)
    return path


def resolved_frame(path, category=None, sets=()):
    """What training would use: each parameter, its value and where the value came from."""
    params, sources = resolve(path, category, sets)
    return pd.DataFrame([(name, value, sources[name]) for name, value, _ in params.rows()],
                        columns=["PARAM_NAME", "value", "from"])


def _pixels(image):
    """An image to show: floats in [0, 1], a one-channel image as ``HxW`` (what ``imshow`` takes)."""
    image = read_image(image).pixels if isinstance(image, (str, os.PathLike)) else np.asarray(image)
    if image.dtype == np.uint8:
        image = image / 255.0
    return image[..., 0] if image.ndim == 3 and image.shape[-1] == 1 else image


def show_images(images, titles=(), *, columns=None, size=3.0):
    """Images (arrays in [0, 1] or uint8, or file paths) side by side, ``columns`` per row.

    Returns:
        A matplotlib ``Figure`` (a notebook displays it when it is the cell's last expression).
    """
    images = [_pixels(image) for image in images]
    columns = columns or len(images)
    rows = -(-len(images) // columns)
    fig = Figure(figsize=(size * columns, size * rows))
    axes = fig.subplots(rows, columns, squeeze=False)
    titles = list(titles) + [""] * len(images)
    for ax, image, title in zip(axes.flat, images, titles):
        ax.imshow(np.clip(image, 0, 1), cmap="gray" if image.ndim == 2 else None)
        ax.set_title(title, fontsize="small")
    for ax in axes.flat:
        ax.axis("off")
    fig.tight_layout()
    return fig


def show_losses(run_dir):
    """A run folder's ``history.csv`` as curves: one panel per network, validation dashed.

    Returns:
        The matplotlib figure (the same drawing as the run folder's ``loss.png``).
    """
    history_file = pathlib.Path(run_dir) / HISTORY
    if not history_file.is_file():
        raise UserError(f"{history_file}: no history yet (has the run finished an epoch?)")
    return loss_figure(pd.read_csv(history_file))


def latest_samples(run_dir):
    """The newest ``samples/epoch_*.png`` of a run (rows of input | output | target)."""
    found = sorted((pathlib.Path(run_dir) / SAMPLES).glob("epoch_*.png"))
    if not found:
        raise UserError(f"{run_dir}: no samples/epoch_*.png yet")
    return found[-1]


def command(name, *args):
    """Run a tfcorrect command (a console script) in this process, as ``name args...`` in a shell.

    The command line is printed first, so a notebook shows what to type in a terminal.

    Raises:
        UserError: the command is unknown or exited with a non-zero code (its own error line is
            printed above).
    """
    argv = [str(arg) for arg in args]
    print("$", shlex.join([name, *argv]), flush=True)
    scripts = {entry.name: entry for entry in importlib.metadata.entry_points(group="console_scripts")
               if entry.value.startswith("tfcorrect.")}
    if name not in scripts:
        raise UserError(f"{name}: not a tfcorrect command (known: {', '.join(sorted(scripts))})")
    try:
        code = scripts[name].load()(argv)
    except SystemExit as stop:  # argparse stops on --help (0) and on a usage error (2)
        code = stop.code
    if code:
        raise UserError(f"{name} exited with code {code}")


def clear_outputs(paths):
    """Remove every code cell's outputs and execution count from the notebooks at ``paths``, in place.

    Returns:
        The paths that changed.
    """
    import nbformat

    changed = []
    for path in map(pathlib.Path, paths):
        book = nbformat.read(path, as_version=4)
        dirty = [cell for cell in book.cells if cell.cell_type == "code" and (cell.outputs or cell.execution_count)]
        for cell in dirty:
            cell.outputs, cell.execution_count = [], None
        for cell in book.cells:
            cell.metadata.pop("execution", None)
        if dirty:
            with atomic_path(path) as tmp:
                nbformat.write(book, str(tmp))
            changed.append(path)
    return changed


def main(argv=None):
    """``python -m tfcorrect.notebook clear NOTEBOOK...``: save notebooks without their outputs."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m tfcorrect.notebook",
                                     description="Clear the outputs of notebooks before committing them.")
    parser.add_argument("action", choices=["clear"])
    parser.add_argument("notebooks", nargs="+", metavar="NOTEBOOK")
    args = parser.parse_args(argv)
    for path in clear_outputs(args.notebooks):
        print(f"cleared {path}")
    return 0


__all__ = ["notebook_size", "shipped_table", "table_frame", "set_rows", "write_frame",
           "resolved_frame", "show_images", "show_losses", "latest_samples", "command", "clear_outputs", "SIZE_VARIABLE"]


if __name__ == "__main__":
    sys.exit(main())
