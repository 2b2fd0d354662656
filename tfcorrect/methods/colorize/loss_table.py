"""Kim & Hwang's Table 4: the final discriminator and generator losses of several runs, side by side.

One row per run folder, read from its ``history.csv``: the last epoch's discriminator loss on
real pairs (``d_real``), on generated pairs (``d_fake``) and the generator's total loss
(``g_total``), the training losses Keras reports over that epoch.
"""

import pathlib

import pandas as pd

from tfcorrect.io.atomic import write_bytes
from tfcorrect.errors import UserError
from tfcorrect.training.runfolder import HISTORY

# history.csv column -> the paper's column title.
LOSS_COLUMNS = {"d_real": "discriminator loss1 (real)", "d_fake": "discriminator loss2 (fake)",
                "g_total": "generator loss"}


def final_losses(run_dir):
    """The last row of a run folder's ``history.csv``, as ``{"epoch": n, "d_real": ..., ...}``.

    Raises:
        UserError: no ``history.csv``, an empty one, or one without the GAN losses.
    """
    path = pathlib.Path(run_dir) / HISTORY
    if not path.is_file():
        raise UserError(f"{path}: no such file; is {run_dir} a run folder with at least one finished epoch?")
    try:
        history = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise UserError(f"{path}: not a readable history ({str(err).splitlines()[0]})") from None
    missing = [name for name in ("epoch", *LOSS_COLUMNS) if name not in history.columns]
    if missing:
        raise UserError(f"{path}: no column {', '.join(missing)}; the loss table needs a GAN run's "
                        f"{', '.join(LOSS_COLUMNS)}")
    if history.empty:
        raise UserError(f"{path}: no epoch recorded yet")
    last = history.iloc[-1]
    return {"epoch": int(last["epoch"]), **{name: float(last[name]) for name in LOSS_COLUMNS}}


def loss_table(runs, labels=None):
    """Table 4 of Kim & Hwang for ``runs``.

    Args:
        runs: two or more run folders.
        labels: one label per run (the paper's 'proposed Logic' column); default the folder names.

    Returns:
        A ``DataFrame`` with columns ``No``, ``run``, ``epochs`` and those of :data:`LOSS_COLUMNS`.

    Raises:
        UserError: fewer than two runs, labels that do not match them, or a run without losses.
    """
    runs = [pathlib.Path(r) for r in runs]
    if len(runs) < 2:
        raise UserError("the loss table compares two or more run folders")
    labels = list(labels) if labels else [r.name for r in runs]
    if len(labels) != len(runs):
        raise UserError(f"{len(labels)} labels for {len(runs)} run folders; give one per run")
    rows = []
    for number, (run, label) in enumerate(zip(runs, labels), start=1):
        losses = final_losses(run)
        rows.append({"No": number, "run": label, "epochs": losses.pop("epoch"), **losses})
    return pd.DataFrame(rows)


def to_markdown(table):
    """The table in the paper's layout as a Markdown table (losses to five decimals, as the seed)."""
    titles = ["No", "run", "epochs", *LOSS_COLUMNS.values()]
    lines = ["| " + " | ".join(titles) + " |", "|" + "---|" * len(titles)]
    for _, row in table.iterrows():
        cells = [str(row["No"]), str(row["run"]), str(row["epochs"]), *(f"{row[n]:.5f}" for n in LOSS_COLUMNS)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_loss_table(runs, out, labels=None):
    """Write the loss table of ``runs`` as ``<out>.md`` and ``<out>.csv`` (atomically).

    Args:
        runs: two or more run folders.
        out: the output path without suffix (a ``.md`` or ``.csv`` suffix is replaced).
        labels: one label per run; default the folder names.

    Returns:
        ``(markdown path, csv path, table)``.
    """
    out = pathlib.Path(out)
    out = out.with_suffix("") if out.suffix.lower() in (".md", ".csv") else out
    table = loss_table(runs, labels)
    markdown, csv = out.with_name(out.name + ".md"), out.with_name(out.name + ".csv")
    write_bytes(markdown, to_markdown(table).encode("utf-8"))
    write_bytes(csv, table.to_csv(index=False).encode("utf-8"))
    return markdown, csv, table
