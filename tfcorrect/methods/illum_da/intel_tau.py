"""Reading INTEL-TAU (``tfcorrect-data import-illuminants --format intel-tau``).

INTEL-TAU (Laakom, Raitoharju, Nikkanen, Iosifidis and Gabbouj, IEEE Access 2021) has 7022 images from
three cameras. Its processed release (``Canon_5DSR_1080p.zip``, ``Nikon_D810_1080p.zip``,
``Sony_IMX135_BLCCSC_1080p.zip``) unpacks to one folder per camera, four scene-type folders in each,
and a TIFF with its ground truth beside it::

    ROOT/Canon_5DSR/field_1_cameras/C_5DSR_field_001.tiff    16-bit RGB, linear camera RGB
    ROOT/Canon_5DSR/field_1_cameras/C_5DSR_field_001.wp      the illuminant: "r g b"
    ROOT/Canon_5DSR/{field_3_cameras,lab_printouts,lab_realscene}/...
    ROOT/Nikon_D810/..., ROOT/Sony_IMX135_BLCCSC/...

The TIFFs come with the black level already subtracted and the colour chart masked, so the black
level defaults to 0 and nothing is masked here; a pixel is saturated when a channel reaches the
16-bit maximum 65535 (``--black-level`` and ``--saturation`` set other levels). A ``.wp`` holds three
numbers ``r g b`` (spaces, commas or new lines between them); two numbers are read as the
chromaticities ``R/G B/G`` of the original raw release. The raw ``.plain16`` Bayer files are not read.

GT_FILE is the folder the ``.wp`` files are below and IMAGES the folder the TIFFs are below: both are
the data set's root (or one camera's folder) as unpacked. Each ``.wp`` is paired with the image of the
same name in the same folder below IMAGES (``_1`` and ``_001`` are the same number). The camera folder
gives the label (``Canon_5DSR`` -> ``Canon5DSR``) unless ``--camera``; the images keep their paths
(``DST/images/Canon_5DSR/field_1_cameras/C_5DSR_field_001.png``), so the scene type stays in the name
and two cameras' files cannot clash. A bad ``.wp`` is named and its image skipped; the rest are written.
"""

import pathlib
import re

from tfcorrect.errors import UserError
from tfcorrect.io.images import list_images
from tfcorrect.io.walk import walk_files

INTEL_TAU_BLACK_LEVEL = 0.0
INTEL_TAU_SATURATION = 65535.0
WP_SUFFIX = ".wp"
TIFF_SUFFIXES = (".tif", ".tiff")


def camera_label(folder_name):
    """A short camera label from a camera folder's name: ``Canon_5DSR`` -> ``Canon5DSR``."""
    return re.sub(r"[^0-9A-Za-z]+", "", folder_name) or folder_name


def read_wp(path):
    """The ground truth ``(r, g, b)`` of one ``.wp`` file (module docstring).

    Raises:
        UserError: the file is unreadable or does not hold 3 (``r g b``) or 2 (``R/G B/G``) non-negative
            numbers, not all 0 (the message names the file).
    """
    path = pathlib.Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise UserError(f"{path}: cannot read ({err})") from None
    fields = [f for f in re.split(r"[\s,;]+", text) if f]
    try:
        values = [float(f) for f in fields]
    except ValueError:
        values = []
    if len(values) == 2:
        values = [values[0], 1.0, values[1]]
    if len(values) != 3 or not all(v >= 0 and v < float("inf") for v in values) or sum(values) <= 0:
        shown = " ".join(fields)[:60]
        raise UserError(f"{path}: expected three non-negative numbers r g b, got {shown!r}")
    return tuple(values)


def _number_key(stem):
    """``stem`` with its trailing number's leading zeros dropped, so ``x_1`` and ``x_001`` pair."""
    return re.sub(r"\d+$", lambda m: str(int(m.group())), stem)


def find_pairs(gt_root, images, *, camera=None):
    """The ``.wp`` files below ``gt_root`` with their images below ``images``.

    Args:
        gt_root: the folder the ``.wp`` files are below (the data set's root or one camera's folder).
        images: the folder the TIFFs are below, in the same layout.
        camera: the label of every image; default: from each camera folder (:func:`camera_label`).

    Returns:
        ``(pairs, skipped)``: ``pairs`` a list of ``(wp, image, relative, label)`` where ``relative``
        is the image's path below ``images``; ``skipped`` lines naming each ``.wp`` without an image.

    Raises:
        UserError: ``gt_root`` is not a folder or has no ``.wp`` file below it.
    """
    gt_root, images = pathlib.Path(gt_root), pathlib.Path(images)
    if not gt_root.is_dir():
        raise UserError(f"{gt_root}: --format intel-tau expects GT_FILE to be the INTEL-TAU folder "
                        f"(<Camera>/<scene type>/<name>{WP_SUFFIX} below it), not a file")
    wps = sorted(p for p in walk_files(gt_root) if p.suffix.lower() == WP_SUFFIX)
    if not wps:
        raise UserError(f"{gt_root}: no {WP_SUFFIX} ground-truth file below it "
                        f"(expected <Camera>/<scene type>/<name>{WP_SUFFIX})")
    by_key = {}
    tiff_first = sorted(list_images(images), key=lambda p: (p.suffix.lower() not in TIFF_SUFFIXES, p))
    for path in tiff_first:  # a TIFF, not a JPEG preview beside it
        relative = path.relative_to(images)
        by_key.setdefault((relative.parent, _number_key(path.stem)), (path, relative))
    root_name = gt_root.resolve().name
    pairs, skipped = [], []
    for wp in wps:
        relative = wp.relative_to(gt_root)
        found = by_key.get((relative.parent, _number_key(wp.stem)))
        if found is None:
            skipped.append(f"skipped: {wp}: no image {wp.stem}.tiff in {images / relative.parent}")
            continue
        folders = relative.parent.parts  # <Camera>/<scene type>, or <scene type> below one camera's folder
        label = camera or camera_label(folders[0] if len(folders) >= 2 else root_name)
        pairs.append((wp, found[0], found[1], label))
    return pairs, skipped
