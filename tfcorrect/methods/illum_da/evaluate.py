"""Scoring illuminant estimates on an ``illuminant`` folder: classical estimators and a run's model.

:func:`evaluate_illuminants` estimates the light of each image of an ``illuminant`` folder with the
estimators of :data:`tfcorrect.methods.illum_da.classical.ESTIMATORS` (and ``identity``: no correction, the
neutral estimate) on the image with its saturated pixels zeroed, and with a colour-constancy run's
model when ``run`` is given, then writes ``errors.csv`` (one angular error per image and method),
``report.md`` (the statistics of :func:`~tfcorrect.methods.illum_da.classical.error_statistics` per camera and
over all images) and ``grid.png`` (each image corrected by each method, beside the ground truth's correction).
"""

import datetime
import pathlib
import sys

import keras
import numpy as np
import pandas as pd

from tfcorrect.io.atomic import atomic_path, write_bytes
from tfcorrect.methods.illum_da.classical import (ESTIMATORS, SATURATION, STATISTICS, angular_error, correct, error_statistics,
                                        mask_saturated)
from tfcorrect.methods.illum_da.illuminants import ILLUMINANTS_CSV, read_illuminants
from tfcorrect.errors import UserError
from tfcorrect.evaluation.report import ALL, FolderEvaluator, make_grid, thumbnail
from tfcorrect.methods.illum_da.predict import estimate_illuminants
from tfcorrect.io.images import read_rgb, write_image

MODEL = "model"
IDENTITY = "identity"
MODEL_CHUNK = 16  # images handed to the model's estimate_illuminants at once


def is_illuminant_folder(folder):
    """True when ``folder`` holds an ``illuminants.csv``."""
    return (pathlib.Path(folder) / ILLUMINANTS_CSV).is_file()


def identity(image):
    """No correction: the neutral estimate (1, 1, 1) / sqrt(3)."""
    return np.full(3, 1 / np.sqrt(3))


def select_estimators(names):
    """``identity`` and the estimators named (all when ``names`` is None), in the order given.

    Raises:
        UserError: an unknown name (the known ones are listed).
    """
    known = {IDENTITY: identity, **ESTIMATORS}
    names = list(known) if names is None else list(names)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UserError(f"unknown illuminant baseline {', '.join(unknown)}; known: {', '.join(known)}")
    return {n: known[n] for n in names}


def summarise(table):
    """Statistics per camera (``camera == "all"``: every image) and method, with the image count."""
    rows = []
    for camera in [ALL, *sorted(set(table.camera))]:
        part = table if camera == ALL else table[table.camera == camera]
        for method in dict.fromkeys(table.method):
            errors = part.angular_error[part.method == method]
            rows.append({"camera": camera, "method": method, "images": len(errors), **error_statistics(errors)})
    return pd.DataFrame(rows, columns=["camera", "method", "images", *STATISTICS])


def markdown(summary):
    """A summary frame as a Markdown table, errors in degrees to 2 decimals."""
    header = "| " + " | ".join(summary.columns) + " |"
    lines = [header, "|" + "---|" * len(summary.columns)]
    for row in summary.itertuples(index=False):
        cells = [f"{v:.2f}" if isinstance(v, float) else str(v) for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def evaluate_illuminants(data, out, *, run=None, params=None, baselines=None, grid=4, progress=True):
    """Angular errors of every method on every image of an ``illuminant`` folder, written to ``out``.

    Args:
        data: an ``illuminant`` folder (``illuminants.csv`` and its images).
        out: the output folder.
        run: a colour-constancy run folder (``MODEL=illum_da``); None scores the baselines only. Its model
            is asked through :func:`tfcorrect.methods.illum_da.predict.estimate_illuminants`.
        params: the run's resolved parameters (needed with ``run``).
        baselines: names from ``identity`` and :data:`~tfcorrect.methods.illum_da.classical.ESTIMATORS`; None is all.
        grid: rows (images) of ``grid.png``; 0 writes none.
        progress: show a progress bar.

    Returns:
        ``(errors, summary, failed)``: the per-image frame (``image, camera, method, angular_error``),
        :func:`summarise` of it, and one message per image that could not be evaluated.

    Raises:
        UserError: a bad CSV, an unknown baseline, or no image could be evaluated.
    """
    data, out = pathlib.Path(data), pathlib.Path(out)
    estimators = select_estimators(baselines)
    examples = read_illuminants(data)
    model = (params, run) if run is not None else None
    estimates, images_kept, failed, thumbs = _estimate_all(data, examples, estimators, model, grid, progress)
    rows = [{"image": pathlib.Path(e.target).relative_to(data).as_posix(), "camera": e.camera, "method": method,
             "angular_error": float(angular_error(estimate, e.illuminant))}
            for e, per_method in zip(images_kept, estimates) for method, estimate in per_method.items()]
    if not rows:
        raise UserError(f"{data}: no image could be evaluated")
    table = pd.DataFrame(rows, columns=["image", "camera", "method", "angular_error"])
    summary = summarise(table)
    header = {"data": f"{data} (illuminant)", "run": str(run) if run else "none (baselines only)",
              "date": datetime.datetime.now().isoformat(timespec="seconds"),
              "images": f"{len(images_kept)} evaluated, {len(failed)} failed"}
    _write_outputs(out, table, summary, header, failed, thumbs, ["input", *estimates[0], "truth"])
    print(markdown(summary))
    return table, summary, failed


def _estimate_all(data, examples, estimators, run, grid, progress):
    """``(estimates, examples kept, failed, thumbnails)``; ``estimates[i]`` maps method -> (3,) estimate."""
    bar = keras.utils.Progbar(len(examples), unit_name="image") if progress else None
    estimates, kept, failed, thumbs, pending = [], [], [], [], []
    for i, example in enumerate(examples):
        try:
            image = read_rgb(example.target)[0]
            usable = mask_saturated(image)
            estimates.append({name: estimate(usable) for name, estimate in estimators.items()})
        except Exception as err:  # one bad image must not stop the evaluation
            message = str(err) if isinstance(err, UserError) else f"{example.target}: {type(err).__name__}: {err}"
            failed.append(message.splitlines()[0])
            print(f"\nfailed: {failed[-1]}", file=sys.stderr, flush=True)
        else:
            kept.append(example)
            if run is not None:
                pending.append((image, example.camera))
                if len(pending) == MODEL_CHUNK:
                    _add_model(run, pending, estimates)
            if len(thumbs) < grid:
                thumbs.append((image, example.illuminant))
        if bar:
            bar.update(i + 1)
    if run is not None and pending:
        _add_model(run, pending, estimates)
    grid_rows = [_grid_row(image, truth, per_method) for (image, truth), per_method in zip(thumbs, estimates)]
    return estimates, kept, failed, grid_rows


def _add_model(run, images, estimates):
    """Put the model's estimates of ``images`` (the last ones estimated) first in their ``estimates``."""
    params, run_dir = run
    predicted = np.asarray(estimate_illuminants(params, run_dir, [image for image, _ in images],
                                                [camera for _, camera in images]), np.float64).reshape(len(images), 3)
    for per_method, estimate in zip(estimates[-len(images):], predicted):
        others = dict(per_method)
        per_method.clear()
        per_method.update({MODEL: estimate, **others})
    images.clear()


def _display(linear):
    """Linear RGB shown as sRGB: scaled so its 99th percentile is 1, then encoded."""
    scale = max(float(np.percentile(linear, 99)), 1e-6)
    x = np.clip(linear / scale, 0, 1)
    return np.where(x <= 0.0031308, 12.92 * x, 1.055 * x ** (1 / 2.4) - 0.055).astype(np.float32)


def _grid_row(image, truth, per_method):
    """Thumbnails of the input, its correction by each method's estimate and by the ground truth."""
    small = thumbnail(image)
    safe = [np.clip(e, 1e-6, None) for e in (*per_method.values(), truth)]
    return [_display(small), *(_display(correct(small, e)) for e in safe)]


def _write_outputs(out, table, summary, header, failed, thumbs, labels):
    """``errors.csv``, ``report.md`` and ``grid.png``, each written atomically."""
    with atomic_path(out / "errors.csv") as tmp:
        table.to_csv(tmp, index=False)
    lines = ["# tfcorrect-eval colour-constancy report", "", *(f"- {k}: {v}" for k, v in header.items()), "",
             "Angular error in degrees between each method's illuminant estimate and the ground truth, per "
             "camera and over all images (`all`); lower is better. `identity` is no correction. The classical "
             f"estimators ignore saturated pixels (a channel >= {SATURATION}); the model sees the image as stored. "
             "Statistics in FC4's convention (see `tfcorrect.methods.illum_da.classical.error_statistics`).", "",
             markdown(summary)]
    if failed:
        lines += ["", "## Failed", "", *(f"- {m}" for m in failed)]
    write_bytes(out / "report.md", ("\n".join(lines) + "\n").encode("utf-8"))
    if thumbs:
        write_image(out / "grid.png", make_grid(thumbs, labels))


# tfcorrect-eval on a folder with an illuminants.csv (or --dataset illuminant).
FOLDER_EVALUATOR = FolderEvaluator("illuminant", is_illuminant_folder, evaluate_illuminants, models=("illum_da",))
