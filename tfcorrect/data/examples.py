"""Finding the training examples of each data kind (SPEC 'Data kinds') on disk."""

import dataclasses
import math
import pathlib
import re
import warnings

import numpy as np

from tfcorrect.errors import UserError
from tfcorrect.imageio import list_images

# EXPERT -> the folder of that expert's renditions in the Afifi et al. test set.
AFIFI_EXPERTS = {x: f"expert_{x}_testing_set" for x in "abcde"}
AFIFI_EV = {"N1.5": -1.5, "N1": -1.0, "0": 0.0, "P1": 1.0, "P1.5": 1.5}
_AFIFI_NAME = re.compile(r"^(?P<scene>.+)_(?P<ev>N1\.5|N1|0|P1|P1\.5)$")


@dataclasses.dataclass(frozen=True)
class Example:
    """One training pair on disk.

    Attributes:
        target: path of the target image.
        input: path of the input image, or ``""`` when the input is made from the target.
        ev: exposure offset to render (``simulate_exposure``); NaN draws one per use.
    """

    target: str
    input: str = ""
    ev: float = math.nan


def find_paired(folder):
    """``input/`` and ``target/`` files matched by relative path and stem; strays are named."""
    inputs, targets = folder / "input", folder / "target"
    for sub in (inputs, targets):
        if not sub.is_dir():
            raise UserError(f"{folder}: a paired dataset needs input/ and target/ folders; {sub.name}/ is missing")
    return match_by_stem(inputs, targets)


def match_by_stem(inputs, targets):
    """Examples of the files of ``inputs`` and ``targets`` with the same relative path and stem; strays are named."""
    by_key = {p.relative_to(targets).with_suffix(""): p for p in list_images(targets)}
    examples = []
    for path in list_images(inputs):
        partner = by_key.pop(path.relative_to(inputs).with_suffix(""), None)
        if partner is None:
            warnings.warn(f"{path}: no matching file in {targets}; skipped", stacklevel=2)
        else:
            examples.append(Example(target=str(partner), input=str(path)))
    for path in by_key.values():
        warnings.warn(f"{path}: no matching file in {inputs}; skipped", stacklevel=2)
    return examples


def find_dped(folder):
    """DPED (Ignatov et al. 2017): a phone's patches matched to the Canon DSLR's by relative path and stem.

    ``folder`` is a phone folder ``<phone>/`` holding ``training_data/{<phone>,canon}/`` (training), or a
    folder holding ``{<phone>,canon}/`` itself such as ``<phone>/test_data/patches/``. The one subfolder
    beside ``canon/`` is the phone's.

    Raises:
        UserError: no ``canon/``, or not exactly one phone folder beside it.
    """
    pairs = folder / "training_data" if (folder / "training_data").is_dir() else folder
    if not (pairs / "canon").is_dir():
        raise UserError(f"{folder}: a dped dataset needs training_data/canon/ (a phone folder) or canon/ beside "
                        f"the phone's folder (e.g. test_data/patches/); it has {_subfolders(folder)}")
    phones = sorted(p for p in pairs.iterdir() if p.is_dir() and p.name != "canon" and not p.name.startswith("."))
    if len(phones) != 1:
        raise UserError(f"{pairs}: a dped folder needs exactly one phone folder beside canon/; it has "
                        f"{_subfolders(pairs)}")
    return match_by_stem(phones[0], pairs / "canon")


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
        raise UserError(f"{folder}: an afifi dataset needs INPUT_IMAGES/; it has {_subfolders(folder)}")
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
                    f"{AFIFI_EXPERTS[expert]}/; it has {_subfolders(folder)}")


def _subfolders(folder):
    names = sorted(f"{p.name}/" for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    return ", ".join(names) if names else "no subfolders"


def find_targets(folder):
    """Every image of the folder as a target; the input is made from it."""
    return [Example(target=str(p)) for p in list_images(folder)]


def split_examples(examples, fraction, seed):
    """Hold out a share of the target images (all examples of a held-out target go together).

    Returns:
        ``(train, val)``, each non-empty.
    """
    targets = sorted({e.target for e in examples})
    if len(targets) < 2:
        raise UserError(f"{targets[0]}: one target image cannot be split into training and validation; set VAL_DIR")
    count = min(len(targets) - 1, max(1, round(len(targets) * fraction)))
    held = set(np.array(targets)[np.random.default_rng(seed).permutation(len(targets))[:count]])
    return [e for e in examples if e.target not in held], [e for e in examples if e.target in held]


def expand_exposures(examples, offsets):
    """Each example whose EV is drawn at random, once per offset (fixed validation renders)."""
    return [dataclasses.replace(e, ev=ev) if math.isnan(e.ev) else e
            for e in examples for ev in (offsets if math.isnan(e.ev) else (e.ev,))]
