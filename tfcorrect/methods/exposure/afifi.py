"""Afifi et al.'s exposure data set (CVPR 2021): ``INPUT_IMAGES/<scene>_<EV>`` and their ground truths."""

import pathlib
import re
import warnings

from tfcorrect.data.examples import Example, subfolders
from tfcorrect.errors import UserError
from tfcorrect.io.images import list_images

# EXPERT -> the folder of that expert's renditions in the Afifi et al. test set.
AFIFI_EXPERTS = {x: f"expert_{x}_testing_set" for x in "abcde"}
AFIFI_EV = {"N1.5": -1.5, "N1": -1.0, "0": 0.0, "P1": 1.0, "P1.5": 1.5}
_AFIFI_NAME = re.compile(r"^(?P<scene>.+)_(?P<ev>N1\.5|N1|0|P1|P1\.5)$")


def find_afifi(folder, *, expert):
    """Afifi et al.'s ``INPUT_IMAGES/<scene>_<EV>`` matched to the ground truth ``<scene>`` image.

    The ground truths are ``GT_IMAGES/`` (training and validation sets) or, in the test set, which
    has no ``GT_IMAGES/``, the chosen expert's ``expert_<expert>_testing_set/``. An input without
    a ground truth, and a ground truth without an input, is named in a warning and skipped.

    Args:
        folder: the data set folder (a ``pathlib.Path``).
        expert: ``'a'`` .. ``'e'``: whose renditions are the test set's targets (``EXPERT``).

    Returns:
        One :class:`Example` per input, its EV read from the name (``N1.5`` is -1.5).

    Raises:
        UserError: ``INPUT_IMAGES/`` is missing, or both ``GT_IMAGES/`` and the expert's folder are.
    """
    inputs = folder / "INPUT_IMAGES"
    if not inputs.is_dir():
        raise UserError(f"{folder}: an afifi dataset needs INPUT_IMAGES/; it has {subfolders(folder)}")
    targets = _afifi_targets(folder, expert)
    by_scene = {p.stem: p for p in list_images(targets)}
    examples = []
    for path in list_images(inputs):
        match = _AFIFI_NAME.match(path.stem)
        target = by_scene.get(match["scene"]) if match else None
        if target is None:
            warnings.warn(f"{path}: no <scene>_<EV> name with a {targets.name}/<scene> image; skipped", stacklevel=2)
        else:
            examples.append(Example(target=str(target), input=str(path), ev=AFIFI_EV[match["ev"]]))
    for path in sorted(set(by_scene.values()) - {pathlib.Path(e.target) for e in examples}):
        warnings.warn(f"{path}: no INPUT_IMAGES/{path.stem}_<EV> image; skipped", stacklevel=2)
    return examples


def _afifi_targets(folder, expert):
    """``GT_IMAGES/`` when there is one (it wins over expert folders), else the expert's test folder."""
    for targets in (folder / "GT_IMAGES", folder / AFIFI_EXPERTS[expert]):
        if targets.is_dir():
            return targets
    raise UserError(f"{folder}: an afifi dataset needs GT_IMAGES/ or (test set, EXPERT={expert}) "
                    f"{AFIFI_EXPERTS[expert]}/; it has {subfolders(folder)}")
