"""``tfcorrect-eval --expert all``: Afifi et al.'s test protocol, each output scored against every expert.

Afifi et al. (CVPR 2021, "Learning Multi-Scale Photo Exposure Correction") score each output of
their test set's ``INPUT_IMAGES/<scene>_<EV>`` against all five experts' renditions
``expert_<x>_testing_set/<scene>`` and report the mean over the experts. Here each input is read
and corrected by each method once (:func:`correct_experts`), then each output is scored against
each expert's rendition of its scene (:func:`score_experts`, every method's output at once per
expert as in a single-expert run) and against its input (the input metrics, once).

``metrics.csv`` then has an ``expert`` column after ``condition``: per image and method one row per
expert (``a`` .. ``e``, the values a single-expert run gives) and one row :data:`MEAN`, the mean over
the experts that have the scene of each full-reference metric (the input metrics, new edges, do not
depend on the expert and are the same in every row). The summary (``report.md``, the printed table)
averages the :data:`MEAN` rows, so its tables per condition look like a single-expert run's. A missing
expert folder is named in a warning and left out of the means; the grid's target column shows the
first expert's rendition that the scene has.
"""

import dataclasses
import warnings

import numpy as np

from tfcorrect.data.examples import subfolders
from tfcorrect.errors import UserError
from tfcorrect.evaluation import metrics
from tfcorrect.evaluation.batched import score_outputs
from tfcorrect.evaluation.clipped import clipped_pixels
from tfcorrect.evaluation.corrections import Corrected, correct, prefetched
from tfcorrect.io.images import list_images, read_rgb
from tfcorrect.methods.exposure.afifi import AFIFI_EXPERTS, find_afifi

# --expert value: the mean over every expert's renditions.
ALL_EXPERTS = "all"
# The ``expert`` of the rows of metrics.csv that hold the mean over the experts.
MEAN = "mean"


@dataclasses.dataclass(frozen=True)
class ExpertsExample:
    """One input of the test set and each expert's rendition of its scene.

    Attributes:
        input: path of the input image.
        targets: expert (``a`` .. ``e``) -> path of that expert's rendition, in the experts' order.
        ev: the input's EV, read from its name.
    """

    input: str
    targets: dict
    ev: float

    @property
    def target(self):
        """The first expert's rendition: the one read with the input (and shown in the grid)."""
        return next(iter(self.targets.values()))


@dataclasses.dataclass
class ExpertsCorrected(Corrected):
    """A :class:`~tfcorrect.evaluation.corrections.Corrected` with every expert's rendition.

    Attributes:
        targets: expert -> ``HxWx3`` float32 rendition (``target`` is the first of them).
    """

    targets: dict = dataclasses.field(default_factory=dict)


def check_expert(expert, dataset):
    """Refuse an ``expert`` that is not ``a`` .. ``e`` or :data:`ALL_EXPERTS`, and ``all`` on a folder not ``afifi``.

    Raises:
        UserError: either mistake, in one line.
    """
    if expert not in (*AFIFI_EXPERTS, ALL_EXPERTS):
        raise UserError(f"--expert {expert}: expected one of {', '.join([*AFIFI_EXPERTS, ALL_EXPERTS])}")
    if expert == ALL_EXPERTS and dataset != "afifi":
        raise UserError(f"--expert all: the mean over Afifi et al.'s experts needs an afifi test folder "
                        f"(INPUT_IMAGES/, expert_<x>_testing_set/), not a folder of kind {dataset}")


def find_all_experts(folder):
    """Each input of an afifi test folder with every expert's rendition of its scene.

    A missing ``expert_<x>_testing_set/`` is named in a warning and left out; an input (or rendition)
    without a match in an expert's folder is named by :func:`~tfcorrect.methods.exposure.afifi.find_afifi`.

    Returns:
        One :class:`ExpertsExample` per input that some expert has, in the order of ``INPUT_IMAGES/``.

    Raises:
        UserError: the folder has ``GT_IMAGES/`` (one ground truth, not the test set's), no expert
            folder, or no ``INPUT_IMAGES/``.
    """
    if (folder / "GT_IMAGES").is_dir():
        raise UserError(f"{folder}: has GT_IMAGES/, one ground truth that wins over the experts' folders; "
                        f"--expert all is for the test set's expert_<x>_testing_set/ folders")
    present = [x for x, name in AFIFI_EXPERTS.items() if (folder / name).is_dir()]
    if not present:
        raise UserError(f"{folder}: --expert all needs the test set's expert_<x>_testing_set/ folders "
                        f"(x = {', '.join(AFIFI_EXPERTS)}); it has {subfolders(folder)}")
    for x in AFIFI_EXPERTS:
        if x not in present:
            warnings.warn(f"{folder / AFIFI_EXPERTS[x]}/: no such folder; expert {x} is left out of the mean "
                          f"over experts ({', '.join(present)})", stacklevel=2)
    by_input = {}  # input -> (ev, {expert: target})
    for x in present:
        for example in find_afifi(folder, expert=x):
            by_input.setdefault(example.input, (example.ev, {}))[1][x] = example.target
    order = {str(path): i for i, path in enumerate(list_images(folder / "INPUT_IMAGES"))}
    return [ExpertsExample(path, by_input[path][1], by_input[path][0]) for path in sorted(by_input, key=order.get)]


def experts_header(examples):
    """The report's ``expert`` line: ``all (mean over a, b, c, d, e)``, the experts scored."""
    scored = [x for x in AFIFI_EXPERTS if any(x in example.targets for example in examples)]
    return f"{ALL_EXPERTS} (mean over {', '.join(scored)})"


def correct_experts(example, methods):
    """The :class:`ExpertsCorrected` of an :class:`ExpertsExample`: each output computed once, every rendition read."""
    pair = correct(example, methods)  # the input, the first expert's rendition, every method's output
    if pair.error is not None:
        return pair
    try:
        targets = {x: pair.target if path == example.target else _read_target(example.input, pair.image, path)
                   for x, path in example.targets.items()}
    except Exception as err:  # the caller names it, as it names an unreadable pair
        return ExpertsCorrected(example, error=err)
    return ExpertsCorrected(example, pair.image, pair.target, pair.outputs, targets=targets)


def _read_target(input_path, image, path):
    """An expert's rendition as RGB; a size other than the input's is a :class:`UserError` naming both."""
    target = read_rgb(path)[0]
    if target.shape != image.shape:
        raise UserError(f"{input_path}: size {image.shape[1]}x{image.shape[0]} differs from its target "
                        f"{path} ({target.shape[1]}x{target.shape[0]})")
    return target


def corrected_experts(examples, methods):
    """:func:`correct_experts` of each example in order, prefetched as :func:`~tfcorrect.evaluation.corrections.corrected` is."""
    return prefetched(correct_experts, examples, methods)


def score_experts(pair):
    """expert -> method -> {metric name: value} of a :class:`ExpertsCorrected`, and :data:`MEAN` -> method -> means.

    Each expert's full-reference metrics are those a single-expert run gives (every output scored against
    that rendition at once); the input metrics are computed once and are the same for every expert.
    """
    own = {method: {name: metric(output, pair.image) for name, metric in metrics.INPUT_METRICS.items()}
           for method, output in pair.outputs.items()}
    clipped = clipped_pixels(pair.image)
    full = {x: score_outputs(list(pair.outputs.values()), target, clipped) for x, target in pair.targets.items()}
    full[MEAN] = {name: np.mean([full[x][name] for x in pair.targets], axis=0) for name in full[next(iter(full))]}
    return {x: {method: {**{name: float(column[i]) for name, column in values.items()}, **own[method]}
                for i, method in enumerate(pair.outputs)}
            for x, values in full.items()}
