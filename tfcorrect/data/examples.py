"""Examples on disk: pairs of files, and the layouts every data kind shares (``input/`` + ``target/``)."""

import dataclasses
import math
import warnings

import numpy as np

from tfcorrect.errors import UserError
from tfcorrect.io.images import list_images

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


def subfolders(folder):
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


def condition_name(ev):
    """The folder of one EV offset: ``ev-1.5``, ``ev+0``, ``ev+1``."""
    return f"ev{ev + 0.0:+g}"  # + 0.0 turns -0.0 into +0
