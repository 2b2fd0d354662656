"""The ``illuminant`` data kind: linear camera images with a ground-truth illuminant and a camera label each.

A folder of this kind holds ``illuminants.csv`` and the images it names::

    DATA/illuminants.csv        header: file,r,g,b,camera  (more columns allowed: source, light)
    DATA/images/<name>.png      16-bit PNG, linear camera raw RGB, black level 0

``file`` is relative to ``DATA``; ``r,g,b`` is the camera's response to a white surface under the
scene's light, at any positive scale; ``camera`` a short name (``C``, ``N``). ``source`` names the
photo a simulated image was made from, so a test set can hold out whole photos; ``light`` says
which light it was. ``tfcorrect-data simulate-cameras`` and ``tfcorrect-data import-illuminants``
write such folders.
"""

import csv
import dataclasses
import io
import math
import pathlib

import numpy as np

from tfcorrect.io.atomic import write_bytes
from tfcorrect.data.examples import Example
from tfcorrect.errors import UserError

ILLUMINANTS_CSV = "illuminants.csv"
COLUMNS = ("file", "r", "g", "b", "camera")
OPTIONAL_COLUMNS = ("source", "light")


@dataclasses.dataclass(frozen=True)
class IlluminantExample(Example):
    """One image of an ``illuminant`` folder.

    Attributes:
        target: the image's path (``DATA/<file>``).
        illuminant: the ground truth as unit-norm ``(r, g, b)``.
        camera: the camera's short name.
        source: the photo the image was made from (``file`` when the CSV does not say).
    """

    illuminant: tuple = (math.nan, math.nan, math.nan)
    camera: str = ""
    source: str = ""


def read_illuminants(folder):
    """The examples listed in ``folder/illuminants.csv``.

    Args:
        folder: an ``illuminant`` folder.

    Returns:
        A list of :class:`IlluminantExample` in the CSV's order.

    Raises:
        UserError: the CSV is missing or lacks a column, or a row names a missing file, has an
            r, g or b that is not a positive finite number, or no camera (the message names the line).
    """
    folder = pathlib.Path(folder)
    path = folder / ILLUMINANTS_CSV
    if not path.is_file():
        raise UserError(f"{folder}: an illuminant folder needs {ILLUMINANTS_CSV} (columns {','.join(COLUMNS)})")
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise UserError(f"{path} line 1: missing column(s) {', '.join(missing)}; expected {','.join(COLUMNS)}")
        return [_example(folder, row, f"{path} line {reader.line_num}") for row in reader]


def _example(folder, row, where):
    """One CSV row as an :class:`IlluminantExample`; ``where`` names the row in errors."""
    file, camera = (row["file"] or "").strip(), (row["camera"] or "").strip()
    if not file:
        raise UserError(f"{where}: empty file")
    if pathlib.PurePath(file).is_absolute() or ".." in pathlib.PurePath(file).parts:
        raise UserError(f"{where}: {file}: file must be a path relative to {folder}, inside it")
    image = folder / file
    if not image.is_file():
        raise UserError(f"{where}: {file}: no such image in {folder}")
    try:
        rgb = np.array([float(row[c]) for c in "rgb"])
    except (TypeError, ValueError):
        rgb = np.array([math.nan] * 3)
    if not (np.all(np.isfinite(rgb)) and np.all(rgb >= 0) and rgb.sum() > 0):
        raise UserError(f"{where}: r,g,b must be non-negative numbers, not all 0; got "
                        f"{row['r']!r},{row['g']!r},{row['b']!r}")
    if not camera:
        raise UserError(f"{where}: empty camera")
    source = (row.get("source") or "").strip() or file
    return IlluminantExample(target=str(image), illuminant=tuple(rgb / np.linalg.norm(rgb)), camera=camera,
                             source=source)


def find_illuminants(folder):
    """The ``illuminant`` data kind's finder: :func:`read_illuminants`."""
    return read_illuminants(folder)


def write_illuminants(path, rows):
    """Write an ``illuminants.csv`` atomically.

    Args:
        path: the CSV file.
        rows: dicts with the keys of :data:`COLUMNS` and any of :data:`OPTIONAL_COLUMNS`.
    """
    extra = [c for c in OPTIONAL_COLUMNS if any(c in row for row in rows)]
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=[*COLUMNS, *extra], lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: (f"{v:.8g}" if isinstance(v, float) else v) for k, v in row.items()})
    write_bytes(path, text.getvalue().encode("utf-8"))
