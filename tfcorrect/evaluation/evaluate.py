"""Scoring corrections of a test set: a run's model beside the classical baselines.

:func:`evaluate` reads each input/target pair of a ``paired`` or ``afifi`` folder, corrects the
input with every chosen baseline of :data:`tfcorrect.evaluation.baselines.BASELINES` (and a run folder's
model), scores all the outputs against the target at once with :data:`tfcorrect.evaluation.metrics.METRICS`
and :data:`~tfcorrect.evaluation.clipped.CLIPPED_METRICS` (:func:`tfcorrect.evaluation.batched.score_outputs`)
and each against its input with :data:`tfcorrect.evaluation.metrics.INPUT_METRICS`, and writes
``metrics.csv`` (one row per image and method), ``report.md`` (means per method, overall and per exposure
condition) and ``grid.png`` (input | methods | target for a few images). A pair that cannot be read or whose
sizes differ is named and skipped. ``expert="all"``: means over Afifi et al.'s experts (:mod:`.experts`).

An ``inputs`` folder (any folder of images in no layout above, or ``--dataset inputs``) has no targets:
only the input metrics are computed, and ``grid.png`` shows the images with the most new edges first.
"""

import dataclasses
import datetime
import math
import pathlib
import sys

import keras
import pandas as pd

from tfcorrect.evaluation import metrics
from tfcorrect.evaluation.batched import score_outputs
from tfcorrect.evaluation.clipped import CLIPPED_METRICS, clipped_pixels
from tfcorrect.evaluation.corrections import corrected, read_pair  # noqa: F401 (read_pair: public here too)
from tfcorrect.io.atomic import atomic_path, write_bytes
from tfcorrect.evaluation.baselines import BASELINES
from tfcorrect.evaluation.experts import (ALL_EXPERTS, MEAN, check_expert, corrected_experts, experts_header,
                                          find_all_experts, score_experts)
from tfcorrect.data.examples import Example, condition_name
from tfcorrect.errors import UserError
from tfcorrect.evaluation.report import ALL, make_grid, markdown_table, render_report, summarise, thumbnail
from tfcorrect.inference.predict import predictor_from_run, run_params
from tfcorrect.io.images import list_images, write_image
from tfcorrect.methods import DATA_KINDS, FOLDER_EVALUATORS

MODEL = "model"
# --dataset -> the data kind whose examples are image pairs on disk (a layout tfcorrect-eval recognises).
# dped: a folder like <phone>/test_data/patches/; a phone folder needs --dataset dped.
FINDERS = {name: kind for name, kind in DATA_KINDS.items() if kind.layout}
# The afifi kind's EXPERT option: its choices and default.
EXPERT = DATA_KINDS["afifi"].options.fields["EXPERT"]
# --dataset for a folder of images without targets: every image below it is an input.
INPUTS = "inputs"


@dataclasses.dataclass
class Evaluation:
    """What :func:`evaluate` measured.

    Attributes:
        metrics: one row per image and method: ``image, condition, method`` and each metric (``expert="all"``:
            also ``expert``, one row per expert and one of their means, see :mod:`tfcorrect.evaluation.experts`).
        summary: means per ``condition`` (``"all"`` for every image) and ``method``, with the image count
            ``images``, ``clipped_images`` (those the clipped metrics average), the largest ``new_edges_max`` and
            the set-level ``inception_score`` (NaN when not computed).
        failed: one message per pair that could not be evaluated.
        out: the folder the files were written to.
    """

    metrics: pd.DataFrame
    summary: pd.DataFrame
    failed: list
    out: pathlib.Path


def detect_kind(folder):
    """``paired`` or ``afifi`` from a folder's subfolders, else :data:`INPUTS` when it holds images.

    Raises:
        UserError: no layout is there and no image either.
    """
    for name, kind in FINDERS.items():
        if all((folder / sub).is_dir() for sub in kind.layout):
            return name
    if list_images(folder):
        return INPUTS
    raise UserError(f"{folder}: not a paired (input/, target/) or afifi (INPUT_IMAGES/, GT_IMAGES/ or "
                    f"expert_<x>_testing_set/) folder, and no images below it; name the kind with --dataset")


def select_baselines(names):
    """The baselines named (all when ``names`` is None), in the order given.

    Raises:
        UserError: an unknown name (the known ones are listed).
    """
    names = list(BASELINES) if names is None else list(names)
    unknown = [n for n in names if n not in BASELINES]
    if unknown:
        raise UserError(f"unknown baseline {', '.join(unknown)}; known: {', '.join(BASELINES)}")
    return {n: BASELINES[n] for n in names}


def output_folder(data, out=None, run=None):
    """``out``, or ``eval-<data>[-<run>]`` beside ``data``; never ``data`` or inside it.

    Raises:
        UserError: the folder is ``data`` or inside it.
    """
    data = pathlib.Path(data).resolve()
    if out is None:
        out = data.parent / (f"eval-{data.name}" + (f"-{pathlib.Path(run).resolve().name}" if run else ""))
    out = pathlib.Path(out)
    if out.resolve() == data or data in out.resolve().parents:
        raise UserError(f"{out}: the output folder must not be {data} or inside it")
    if out.exists() and not out.is_dir():
        raise UserError(f"{out}: is a file, not a folder; choose another --out")
    return out


def _check_run_fits(run, params, dataset):
    """Refuse, before any image is read, a run whose method cannot be scored on a ``dataset`` folder."""
    for own in FOLDER_EVALUATORS:
        scored_here = own.dataset == dataset
        if own.models and scored_here != (params.model in own.models):
            kinds = f"{own.dataset} folders" if not scored_here else f"folders of image pairs, not {own.dataset} ones"
            raise UserError(f"{run}: a MODEL={params.model} run is scored on {kinds}")


def condition_of(example, data):
    """An example's exposure condition: ``ev-1.5``, ``ev+0``, ``ev+1`` from its EV (the names ``tfcorrect-data``
    gives its folders), else its input's first subfolder below ``input/`` (below ``data`` without a target)."""
    if not math.isnan(example.ev):
        return condition_name(example.ev)
    inputs = data / "input" if example.target else data
    if not pathlib.Path(example.input).is_relative_to(inputs):
        return ""  # a layout without condition folders (dped)
    relative = pathlib.Path(example.input).relative_to(inputs)
    return relative.parts[0] if len(relative.parts) > 1 else ""


def score(outputs, target, image):
    """method name -> {metric name: value} of each output (``HxWx3``): the full-reference metrics against ``target``,
    also inside ``image``'s clipped pixels (all at once; none when ``target`` is None), then the input metrics."""
    values = score_outputs(list(outputs.values()), target, clipped_pixels(image)) if target is not None else {}
    return {method: {**{name: float(column[i]) for name, column in values.items()},
                     **{name: metric(output, image) for name, metric in metrics.INPUT_METRICS.items()}}
            for i, (method, output) in enumerate(outputs.items())}


def _inception(weights):
    """``(classifier or None, note)``; missing cached weights only skip the score, a bad path fails."""
    if weights:
        return metrics.load_inception(weights), f"InceptionV3 weights {weights}"
    try:
        return metrics.load_inception(), "InceptionV3 ImageNet weights from the Keras cache"
    except UserError as err:
        return None, f"not computed: {err}"


def evaluate(data, out=None, *, run=None, baselines=None, dataset=None, expert=EXPERT.default, grid=4,
             inception_weights="", inception_splits=1, tile=None, batch_size=4, progress=True):
    """Score every method on every pair of a test folder and write the results to ``out``.

    Args:
        data: a ``paired`` or ``afifi`` folder, or a folder of inputs without targets (:data:`INPUTS`).
        out: output folder (default: ``eval-<data name>[-<run name>]`` beside ``data``).
        run: a run folder whose model is scored beside the baselines; None scores baselines only.
        baselines: names from :data:`~tfcorrect.evaluation.baselines.BASELINES`; None is all of them.
        dataset: ``paired``, ``afifi`` or ``inputs``; None detects it from the folder's layout (``inputs``:
            images in none of the layouts).
        expert: ``a`` .. ``e``, the afifi test set's targets, or ``all``: means over them (:mod:`.experts`).
        grid: rows (images) of ``grid.png``: the first ones, or without targets those with the largest
            new-edges fraction of any method, largest first; 0 writes none.
        inception_weights: InceptionV3 weight file (default: Keras's cached copy).
        inception_splits: parts the inception score's set is cut into.
        tile, batch_size: the model's tiling (see :func:`tfcorrect.inference.predict.predictor_from_run`).
        progress: show a progress bar.

    Returns:
        The :class:`Evaluation`.

    Raises:
        UserError: a mistake in the arguments, the folder or the run, found before any image is read.
    """
    data = pathlib.Path(data)
    if not data.is_dir():
        raise UserError(f"{data}: no such folder")
    for own in FOLDER_EVALUATORS:  # a method's own kind of test folder (colour constancy's illuminant folders)
        if dataset == own.dataset or (dataset is None and own.accepts(data)):
            check_expert(expert, own.dataset)
            out = output_folder(data, out, run)
            params = run_params(run) if run is not None else None
            if params is not None:
                _check_run_fits(run, params, own.dataset)
            return Evaluation(*own.evaluate(data, out, run=run, params=params, baselines=baselines, grid=grid,
                                            progress=progress), out)
    dataset = dataset or detect_kind(data)
    if dataset not in (*FINDERS, INPUTS):
        raise UserError(f"--dataset {dataset}: expected one of {', '.join([*FINDERS, INPUTS])}")
    check_expert(expert, dataset)
    if grid < 0 or inception_splits < 1:
        raise UserError("--grid must be at least 0 and --inception-splits at least 1")
    out = output_folder(data, out, run)
    if run is not None:
        _check_run_fits(run, run_params(run), dataset)
    methods = _methods(run, select_baselines(baselines), tile, batch_size)
    examples = _find(data, dataset, expert)
    targets = dataset != INPUTS
    classifier, inception_note = _inception(inception_weights)

    every = expert == ALL_EXPERTS
    rows, probabilities, thumbnails, failed = _score_all(data, examples, methods, classifier, grid, progress, every)
    scored = [*((*metrics.METRICS, *CLIPPED_METRICS) if targets else ()), *metrics.INPUT_METRICS]
    table = pd.DataFrame(rows, columns=["image", "condition", *(["expert"] if every else []), "method", *scored])
    summary = summarise(table[table.expert == MEAN] if every else table, probabilities, list(methods), inception_splits)
    header = {"data": f"{data} ({dataset})", "run": str(run) if run else "none (baselines only)",
              "expert": experts_header(examples) if every else expert if dataset == "afifi" else "-",
              "targets": "yes" if targets else "none: only the metrics of outputs against their inputs (new edges)",
              "date": datetime.datetime.now().isoformat(timespec="seconds"),
              "images": f"{len(examples) - len(failed)} evaluated, {len(failed)} failed",
              "inception score": inception_note}
    labels = ["input", *methods, *(["target"] if targets else [])]
    _write_outputs(out, table, summary, header, failed, thumbnails, labels)
    print(markdown_table(summary[summary.condition == ALL].drop(columns="condition")))
    if classifier is None:
        print(f"inception score {inception_note}")
    return Evaluation(table, summary, failed, out)


def _find(data, dataset, expert):
    """The examples of a ``dataset`` folder; for :data:`INPUTS` every image below it, with ``target == ""``."""
    if dataset == INPUTS:
        examples = [Example(target="", input=str(path)) for path in list_images(data)]
    elif expert == ALL_EXPERTS:
        examples = find_all_experts(data)
    else:
        kind = FINDERS[dataset]
        examples = kind.find(data, dataclasses.replace(kind.defaults(), expert=expert) if dataset == "afifi" else None)
    if not examples:
        found = "PNG, JPEG, BMP or TIFF images" if dataset == INPUTS else f"{dataset} input/target pairs"
        raise UserError(f"{data}: no {found} found")
    return examples


def _methods(run, baselines, tile, batch_size):
    """method name -> ``correct(image) -> image``: the model first when there is a run."""
    if run is None:
        return dict(baselines)
    return {MODEL: predictor_from_run(run, tile=tile, batch_size=batch_size), **baselines}


def _score_all(data, examples, methods, classifier, grid, progress, every=False):
    """Score each example (``every``: against each expert and their mean); a failure is named on stderr.

    Returns ``(rows, probabilities, thumbnails, failed)``; the thumbnails are the grid's rows: the first
    ``grid`` examples', or without targets those with the most new edges (of any method), most first.
    """
    rows, failed, kept = [], [], []  # kept: (largest new edges of the example, its thumbnails)
    probabilities = {}  # (condition, method) -> [class probabilities of each output]
    bar = keras.utils.Progbar(len(examples), unit_name="image") if progress else None
    for i, pair in enumerate((corrected_experts if every else corrected)(examples, methods)):
        example, outputs = pair.example, pair.outputs
        try:
            if pair.error is not None:
                raise pair.error
            condition = condition_of(example, data)
            name = pathlib.Path(example.input).relative_to(data).as_posix()
            by_expert = score_experts(pair) if every else {"": score(outputs, pair.target, pair.image)}
            rows += [{"image": name, "condition": condition, "expert": expert, "method": method, **values}
                     for expert, scores in by_expert.items() for method, values in scores.items()]
            scores = by_expert[MEAN if every else ""]
        except Exception as err:  # one bad pair must not stop the evaluation
            message = str(err) if isinstance(err, UserError) else f"{example.input}: {type(err).__name__}: {err}"
            failed.append(message.splitlines()[0])
            print(f"\nfailed: {failed[-1]}", file=sys.stderr, flush=True)
        else:
            if classifier is not None:
                for method, p in zip(outputs, metrics.class_probabilities(outputs.values(), classifier)):
                    probabilities.setdefault((condition, method), []).append(p)
            _keep(kept, pair, max((values["new_edges"] for values in scores.values()), default=0.0), grid)
        if bar:
            bar.update(i + 1)
    return rows, probabilities, [images for _, images in kept], failed


def _keep(kept, pair, new_edges, grid):
    """Add a pair's thumbnails to the ``grid`` rows ``kept``: the first ones, or without a target the worst by new edges."""
    worst_first = pair.target is None
    if grid == 0 or len(kept) >= grid and not (worst_first and new_edges > kept[-1][0]):
        return
    # Full-size copies of every method's output would not fit in memory for long.
    images = [thumbnail(x) for x in (pair.image, *pair.outputs.values(), *([] if worst_first else [pair.target]))]
    kept.append((new_edges, images))
    if worst_first:
        kept.sort(key=lambda entry: -entry[0])  # stable: ties keep the folder's order
    del kept[grid:]


def _write_outputs(out, table, summary, header, failed, thumbnails, labels):
    """``metrics.csv``, ``report.md`` and ``grid.png``, each written atomically."""
    with atomic_path(out / "metrics.csv") as tmp:
        table.to_csv(tmp, index=False)
    write_bytes(out / "report.md", render_report(summary, header, failed).encode("utf-8"))
    if thumbnails:
        write_image(out / "grid.png", make_grid(thumbnails, labels))
