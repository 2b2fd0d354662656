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
    """``input/`` and ``target/`` files matched by relative path and stem; strays and clashes are named."""
    inputs, targets = folder / "input", folder / "target"
    for sub in (inputs, targets):
        if not sub.is_dir():
            raise UserError(f"{folder}: a paired dataset needs input/ and target/ folders; {sub.name}/ is missing")
    return match_by_stem(inputs, targets)


def match_by_stem(inputs, targets):
    """Examples of the files of ``inputs`` and ``targets`` with the same relative path and stem.

    A file without a partner is named in a warning and skipped. Files of one folder sharing a
    relative path and stem (``a.jpg`` beside ``a.png``) are named together in one warning and
    skipped with their partner: either could be the one meant.
    """
    by_input, by_target = _by_stem(inputs), _by_stem(targets)
    examples = []
    for key in [*by_input, *(key for key in by_target if key not in by_input)]:
        ins, outs = by_input.get(key, []), by_target.get(key, [])
        if len(ins) > 1 or len(outs) > 1:
            shared = [str(p) for group in (ins, outs) if len(group) > 1 for p in group]
            partner = "".join(f" with {group[0]}" for group in (ins, outs) if len(group) == 1)
            warnings.warn(f"{', '.join(shared[:-1])} and {shared[-1]} share the stem {key.name!r}, so none of them is "
                          f"paired{partner}; keep one file per stem", stacklevel=2)
        elif not outs:
            warnings.warn(f"{ins[0]}: no matching file in {targets}; skipped", stacklevel=2)
        elif not ins:
            warnings.warn(f"{outs[0]}: no matching file in {inputs}; skipped", stacklevel=2)
        else:
            examples.append(Example(target=str(outs[0]), input=str(ins[0])))
    return examples


def _by_stem(folder):
    """``{relative path without suffix: [files]}`` of the images below ``folder``, in listing order."""
    found = {}
    for path in list_images(folder):
        found.setdefault(path.relative_to(folder).with_suffix(""), []).append(path)
    return found


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
