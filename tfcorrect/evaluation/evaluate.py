"""Scoring corrections of a test set against its targets: a run's model beside the classical baselines.

:func:`evaluate` reads each input/target pair of a ``paired`` or ``afifi`` folder, corrects the
input with every chosen baseline of :data:`tfcorrect.evaluation.baselines.BASELINES` (and a run folder's
model), scores all the outputs against the target at once with :data:`tfcorrect.evaluation.metrics.METRICS`
(:func:`tfcorrect.evaluation.batched.score_outputs`) and writes
``metrics.csv`` (one row per image and method), ``report.md`` (means per method, overall and per
exposure condition) and ``grid.png`` (input | methods | target for a few images). A pair that
cannot be read or whose sizes differ is named and skipped; the others go on.
"""

import dataclasses
import datetime
import math
import pathlib
import re
import sys

import keras
import pandas as pd

from tfcorrect.evaluation import metrics
from tfcorrect.evaluation.batched import score_outputs
from tfcorrect.evaluation.corrections import corrected, read_pair  # noqa: F401 (read_pair: public here too)
from tfcorrect.io.atomic import atomic_path, write_bytes
from tfcorrect.evaluation.baselines import BASELINES
from tfcorrect.data.examples import condition_name
from tfcorrect.errors import UserError
from tfcorrect.evaluation.report import ALL, make_grid, markdown_table, render_report, thumbnail
from tfcorrect.inference.predict import predictor_from_run, run_params
from tfcorrect.io.images import write_image
from tfcorrect.methods import DATA_KINDS, FOLDER_EVALUATORS

MODEL = "model"
# --dataset -> the data kind whose examples are image pairs on disk (a layout tfcorrect-eval recognises).
# dped: a folder like <phone>/test_data/patches/; a phone folder needs --dataset dped.
FINDERS = {name: kind for name, kind in DATA_KINDS.items() if kind.layout}
# The afifi kind's EXPERT option: its choices and default.
EXPERT = DATA_KINDS["afifi"].options.fields["EXPERT"]


@dataclasses.dataclass
class Evaluation:
    """What :func:`evaluate` measured.

    Attributes:
        metrics: one row per image and method: ``image, condition, method`` and each metric.
        summary: means per ``condition`` (``"all"`` for every image) and ``method``, with the
            image count ``images`` and the set-level ``inception_score`` (NaN when not computed).
        failed: one message per pair that could not be evaluated.
        out: the folder the files were written to.
    """

    metrics: pd.DataFrame
    summary: pd.DataFrame
    failed: list
    out: pathlib.Path


def detect_kind(folder):
    """``paired`` or ``afifi`` from a folder's subfolders.

    Raises:
        UserError: neither layout is there.
    """
    for name, kind in FINDERS.items():
        if all((folder / sub).is_dir() for sub in kind.layout):
            return name
    raise UserError(f"{folder}: not a paired (input/, target/) or afifi (INPUT_IMAGES/, GT_IMAGES/ or "
                    f"expert_<x>_testing_set/) folder; name the kind with --dataset")


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
    gives its folders), else its input's first subfolder."""
    if not math.isnan(example.ev):
        return condition_name(example.ev)
    if not pathlib.Path(example.input).is_relative_to(data / "input"):
        return ""  # a layout without condition folders (dped)
    relative = pathlib.Path(example.input).relative_to(data / "input")
    return relative.parts[0] if len(relative.parts) > 1 else ""


def _condition_key(name):
    """Sort ``ev<number>`` conditions by their number, the others after them by name."""
    match = re.fullmatch(r"ev([+-]?\d+(?:\.\d+)?)", name)
    return (0, float(match[1]), name) if match else (1, 0.0, name)


def score(outputs, target):
    """method name -> {metric name: value} of each output (``HxWx3``) against their target, all at once."""
    values = score_outputs(list(outputs.values()), target)
    return {method: {name: float(values[name][i]) for name in metrics.METRICS} for i, method in enumerate(outputs)}


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
        data: a ``paired`` or ``afifi`` folder.
        out: output folder (default: ``eval-<data name>[-<run name>]`` beside ``data``).
        run: a run folder whose model is scored beside the baselines; None scores baselines only.
        baselines: names from :data:`~tfcorrect.evaluation.baselines.BASELINES`; None is all of them.
        dataset: ``paired`` or ``afifi``; None detects it from the folder's layout.
        expert: ``a`` .. ``e``, the afifi test set's target renditions.
        grid: rows (images) of ``grid.png``; 0 writes none.
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
            out = output_folder(data, out, run)
            params = run_params(run) if run is not None else None
            if params is not None:
                _check_run_fits(run, params, own.dataset)
            return Evaluation(*own.evaluate(data, out, run=run, params=params, baselines=baselines, grid=grid,
                                            progress=progress), out)
    dataset = dataset or detect_kind(data)
    if dataset not in FINDERS:
        raise UserError(f"--dataset {dataset}: expected one of {', '.join(FINDERS)}")
    if expert not in EXPERT.metadata["choices"]:
        raise UserError(f"--expert {expert}: expected one of {', '.join(EXPERT.metadata['choices'])}")
    if grid < 0 or inception_splits < 1:
        raise UserError("--grid must be at least 0 and --inception-splits at least 1")
    out = output_folder(data, out, run)
    if run is not None:
        _check_run_fits(run, run_params(run), dataset)
    methods = _methods(run, select_baselines(baselines), tile, batch_size)
    kind = FINDERS[dataset]
    examples = kind.find(data, dataclasses.replace(kind.defaults(), expert=expert) if dataset == "afifi" else None)
    if not examples:
        raise UserError(f"{data}: no {dataset} input/target pairs found")
    classifier, inception_note = _inception(inception_weights)

    rows, probabilities, thumbnails, failed = _score_all(data, examples, methods, classifier, grid, progress)
    table = pd.DataFrame(rows, columns=["image", "condition", "method", *metrics.METRICS])
    summary = summarise(table, probabilities, list(methods), inception_splits)
    header = {"data": f"{data} ({dataset})", "run": str(run) if run else "none (baselines only)",
              "expert": expert if dataset == "afifi" else "-",
              "date": datetime.datetime.now().isoformat(timespec="seconds"),
              "images": f"{len(examples) - len(failed)} evaluated, {len(failed)} failed",
              "inception score": inception_note}
    _write_outputs(out, table, summary, header, failed, thumbnails, ["input", *methods, "target"])
    print(markdown_table(summary[summary.condition == ALL].drop(columns="condition")))
    if classifier is None:
        print(f"inception score {inception_note}")
    return Evaluation(table, summary, failed, out)


def _methods(run, baselines, tile, batch_size):
    """method name -> ``correct(image) -> image``: the model first when there is a run."""
    if run is None:
        return dict(baselines)
    return {MODEL: predictor_from_run(run, tile=tile, batch_size=batch_size), **baselines}


def _score_all(data, examples, methods, classifier, grid, progress):
    """Score each example; a failure is named on stderr and the others go on."""
    rows, failed, thumbnails = [], [], []
    probabilities = {}  # (condition, method) -> [class probabilities of each output]
    bar = keras.utils.Progbar(len(examples), unit_name="image") if progress else None
    for i, pair in enumerate(corrected(examples, methods)):
        example, outputs = pair.example, pair.outputs
        try:
            if pair.error is not None:
                raise pair.error
            condition = condition_of(example, data)
            name = pathlib.Path(example.input).relative_to(data).as_posix()
            rows += [{"image": name, "condition": condition, "method": method, **values}
                     for method, values in score(outputs, pair.target).items()]
        except Exception as err:  # one bad pair must not stop the evaluation
            message = str(err) if isinstance(err, UserError) else f"{example.input}: {type(err).__name__}: {err}"
            failed.append(message.splitlines()[0])
            print(f"\nfailed: {failed[-1]}", file=sys.stderr, flush=True)
        else:
            if classifier is not None:
                for method, p in zip(outputs, metrics.class_probabilities(outputs.values(), classifier)):
                    probabilities.setdefault((condition, method), []).append(p)
            if len(thumbnails) < grid:
                # Full-size copies of every method's output would not fit in memory for long.
                thumbnails.append([thumbnail(x) for x in (pair.image, *outputs.values(), pair.target)])
        if bar:
            bar.update(i + 1)
    return rows, probabilities, thumbnails, failed


def summarise(table, probabilities, methods, splits=1):
    """Means per condition and method (``condition == "all"``: every image) and the inception score.

    Args:
        table: the per-image rows of :func:`evaluate`.
        probabilities: ``(condition, method) -> [class probabilities]``; empty when not computed.
        methods: method names in the order the report shows them.
        splits: parts of each set for the inception score (at most the set's size).
    """
    columns = ["condition", "method", "images", *metrics.METRICS, "inception_score"]
    conditions = [ALL] + sorted({c for c in table.condition if c}, key=_condition_key)
    rows = []
    for condition in conditions:
        part = table if condition == ALL else table[table.condition == condition]
        for method in methods:
            scores = part[part.method == method]
            if scores.empty:
                continue
            probs = [p for (c, m), ps in probabilities.items() if m == method and condition in (ALL, c) for p in ps]
            inception = (metrics.inception_score_from_probabilities(probs, min(splits, len(probs)))[0]
                         if probs else math.nan)
            rows.append({"condition": condition, "method": method, "images": len(scores),
                         **scores[list(metrics.METRICS)].mean(), "inception_score": inception})
    return pd.DataFrame(rows, columns=columns)


def _write_outputs(out, table, summary, header, failed, thumbnails, labels):
    """``metrics.csv``, ``report.md`` and ``grid.png``, each written atomically."""
    with atomic_path(out / "metrics.csv") as tmp:
        table.to_csv(tmp, index=False)
    write_bytes(out / "report.md", render_report(summary, header, failed).encode("utf-8"))
    if thumbnails:
        write_image(out / "grid.png", make_grid(thumbnails, labels))
