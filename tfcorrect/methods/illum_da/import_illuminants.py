"""Converting public colour-constancy data sets to an ``illuminant`` folder (``tfcorrect-data import-illuminants``).

Cube+ and NUS-8 ship raw camera images as 16-bit PNGs with a black level and a colour chart in the
scene; INTEL-TAU ships 16-bit TIFFs (see :mod:`tfcorrect.methods.illum_da.intel_tau`). Each image is
written as ``DST/images/<name>.png``: black level subtracted, saturated pixels and the chart set to 0
(zeros do not move gray-world, white-patch or shades-of-gray estimates), scaled so the saturation
level is 1; ``DST/illuminants.csv`` gets its ground truth and camera.

**Cube+** (Banić, Koščević and Lončarić, 2017; Canon EOS 550D), input files:

- ``cube+_gt.txt``: one line ``r g b`` per image, line ``i`` (from 1) for image ``i.PNG``;
- the images ``1.PNG`` .. ``1707.PNG``, anywhere below the image folder (the archives unpack to
  ``PNG_1_200/`` etc.).

As the set's README says: the black level is 2048; a pixel is saturated when a channel is within 2 of
the image's largest raw value (``--saturation`` sets a fixed level instead); the SpyderCube sits in
the bottom right corner, from row 1050 and column 2050 (1-based), which is masked.

**NUS-8** (Cheng, Prasad and Brown, 2014), input files, per camera:

- ``<Camera>_gt.mat`` (MATLAB v5): ``groundtruth_illuminants`` (n × 3), ``all_image_names`` (n names
  without extension), ``darkness_level``, ``saturation_level`` and ``CC_coords`` (n × 4: the colour
  checker's rows and columns, ``[top, bottom, left, right]``, 1-based and inclusive);
- the images ``<name>.PNG``, anywhere below the image folder (the camera's ``PNG/`` folder).

The camera is named after the file (``Canon1DsMkIII_gt.mat`` -> ``Canon1DsMkIII``) unless ``--camera``.

**INTEL-TAU** (Laakom et al., 2021; Canon 5DSR, Nikon D810, Sony IMX135), input files: GT_FILE and
IMAGES are both the data set's folder (or one camera's folder) as unpacked,
``<Camera>/<scene type>/<name>.tiff`` with ``<name>.wp`` (``r g b``) beside it. Black level 0 (already
subtracted), saturation 65535, no chart mask (already masked); camera from the camera folder
(``Canon_5DSR`` -> ``Canon5DSR``) unless ``--camera``; written as ``DST/images/<Camera>/<scene type>/<name>.png``.
"""

import dataclasses
import pathlib
import re

import numpy as np
import scipy.io

from tfcorrect.methods.illum_da.illuminants import ILLUMINANTS_CSV, write_illuminants
from tfcorrect.methods.illum_da.intel_tau import INTEL_TAU_BLACK_LEVEL, INTEL_TAU_SATURATION, find_pairs, read_wp
from tfcorrect.errors import UserError
from tfcorrect.io.folders import run_per_file
from tfcorrect.io.images import list_images, read_image, shrink_to, write_image

CUBE_BLACK_LEVEL = 2048
CUBE_SATURATION_MARGIN = 2
CUBE_CHART_CORNER = (1049, 2049)  # 0-based first row and column of the masked bottom-right corner
FORMATS = ("cube", "nus8", "intel-tau")


@dataclasses.dataclass(frozen=True)
class RawEntry:
    """One image of a data set's ground-truth file.

    Attributes:
        name: the image's file stem (``1``, ``IMG_0332``).
        illuminant: the ground-truth ``(r, g, b)``.
        black: black level in raw units.
        saturation: saturation level in raw units; ``None`` derives it from the image (Cube+).
        chart: ``(top, bottom, left, right)`` 0-based, end-exclusive region to mask; None for none.
    """

    name: str
    illuminant: tuple
    black: float
    saturation: float | None
    chart: tuple | None


def read_cube_gt(path, *, black_level=CUBE_BLACK_LEVEL, saturation=None):
    """The entries of a Cube+ ``cube+_gt.txt``.

    Raises:
        UserError: a line is not three non-negative numbers (the message names the line).
    """
    path = pathlib.Path(path)
    entries = []
    for number, line in enumerate(_read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        rgb = _three_numbers(line.split(), f"{path} line {number}")
        chart = (CUBE_CHART_CORNER[0], None, CUBE_CHART_CORNER[1], None)
        entries.append(RawEntry(str(number), rgb, float(black_level), saturation, chart))
    return entries


def read_nus8_gt(path, *, saturation=None):
    """The entries of a NUS-8 ``<Camera>_gt.mat``.

    Raises:
        UserError: the file is unreadable or misses a variable, or a row is not three non-negative numbers.
    """
    path = pathlib.Path(path)
    try:
        mat = scipy.io.loadmat(path, squeeze_me=True)
    except Exception as err:  # scipy's reader fails in many ways on a file that is not MATLAB (IndexError, ...)
        raise UserError(f"{path}: not a readable MATLAB file ({err})") from None
    needed = ("groundtruth_illuminants", "all_image_names", "darkness_level", "saturation_level")
    missing = [k for k in needed if k not in mat]
    if missing:
        raise UserError(f"{path}: missing variable(s) {', '.join(missing)}")
    names = np.atleast_1d(mat["all_image_names"])
    illuminants = np.atleast_2d(mat["groundtruth_illuminants"])
    charts = np.atleast_2d(mat["CC_coords"]) if "CC_coords" in mat else None
    if len(names) != len(illuminants) or (charts is not None and len(charts) != len(names)):
        raise UserError(f"{path}: {len(names)} image names but {len(illuminants)} illuminants")
    black = float(mat["darkness_level"])
    level = float(mat["saturation_level"]) if saturation is None else saturation
    entries = []
    for i, (name, rgb) in enumerate(zip(names, illuminants)):
        rgb = _three_numbers(rgb, f"{path} groundtruth_illuminants row {i + 1}")
        chart = None
        if charts is not None:
            top, bottom, left, right = (int(v) for v in charts[i])
            chart = (top - 1, bottom, left - 1, right)
        entries.append(RawEntry(str(name).strip(), rgb, black, level, chart))
    return entries


def _read_text(path):
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise UserError(f"{path}: cannot read ({err})") from err


def _three_numbers(values, where):
    try:
        rgb = np.array([float(v) for v in values])
    except ValueError:
        rgb = np.array([])
    if rgb.shape != (3,) or not np.all(np.isfinite(rgb)) or np.any(rgb < 0) or rgb.sum() <= 0:
        raise UserError(f"{where}: expected three non-negative numbers r g b, got {' '.join(map(str, values))!r}")
    return tuple(float(v) for v in rgb)


def linearise(raw, entry):
    """A raw image as linear RGB in [0, 1]: black level off, saturated pixels and the chart zeroed.

    Args:
        raw: ``HxWx3`` raw values (0 .. 65535).
        entry: the image's :class:`RawEntry`.

    Returns:
        float32 ``HxWx3``; the saturation level (less the black level) maps to 1.
    """
    raw = np.asarray(raw, np.float32)
    saturation = entry.saturation if entry.saturation is not None else raw.max() - CUBE_SATURATION_MARGIN
    image = np.clip(raw - entry.black, 0, None) / max(saturation - entry.black, 1.0)
    image[np.any(raw >= saturation, axis=-1)] = 0
    if entry.chart is not None:
        top, bottom, left, right = entry.chart
        image[top:bottom, left:right] = 0
    return image


def import_illuminants(fmt, gt_file, images, output_dir, *, camera=None, black_level=None, saturation=None,
                       long_side=0, progress=True):
    """Convert a Cube+, NUS-8 or INTEL-TAU set (module docstring) to an ``illuminant`` folder.

    Args:
        fmt: ``cube``, ``nus8`` or ``intel-tau``.
        gt_file: the ground-truth file (``cube+_gt.txt`` or ``<Camera>_gt.mat``); for INTEL-TAU the
            folder the ``.wp`` files are below.
        images: the folder the raw PNGs (INTEL-TAU: TIFFs) are below.
        output_dir: the ``illuminant`` folder to write; not inside ``images``.
        camera: the camera label (default: ``Canon550D`` for Cube+, the file's camera for NUS-8, the
            camera folder's for INTEL-TAU).
        black_level: Cube+ black level (default 2048); INTEL-TAU's (default 0).
        saturation: a fixed raw saturation level instead of the set's.
        long_side: shrink images so their longer side is at most this (0 keeps them).
        progress: show a progress bar.

    Returns:
        ``(written, failed)`` image counts. Ground-truth rows without an image are named and skipped.

    Raises:
        UserError: an unknown format, a bad ground-truth file, no image found, or overlapping folders.
    """
    gt_file, images, output_dir = pathlib.Path(gt_file), pathlib.Path(images), pathlib.Path(output_dir)
    if fmt == "intel-tau":
        return _import_intel_tau(gt_file, images, output_dir, camera=camera, black_level=black_level,
                                 saturation=saturation, long_side=long_side, progress=progress)
    if fmt == "cube":
        entries = read_cube_gt(gt_file, black_level=CUBE_BLACK_LEVEL if black_level is None else black_level,
                               saturation=saturation)
        camera = camera or "Canon550D"
    elif fmt == "nus8":
        entries = read_nus8_gt(gt_file, saturation=saturation)
        camera = camera or re.sub(r"_gt$", "", gt_file.stem)
    else:
        raise UserError(f"--format {fmt}: expected one of {', '.join(FORMATS)}")
    _check_folders(images, output_dir)
    by_stem = {p.stem: p for p in list_images(images)}
    pairs, by_path = [], {}
    for entry in entries:
        if entry.name not in by_stem:
            print(f"skipped: {gt_file}: no image {entry.name}.PNG below {images}")
            continue
        by_path[by_stem[entry.name]] = entry
        pairs.append((by_stem[entry.name], output_dir / "images" / f"{entry.name}.png"))
    if not pairs:
        raise UserError(f"{images}: none of the {len(entries)} images of {gt_file} found")
    rows = {}

    def work(src, dst):
        raw = read_image(src)
        if raw.bit_depth != 16 or raw.is_gray:
            raise UserError(f"{src}: expected a 16-bit RGB raw PNG")
        entry = by_path[src]
        write_image(dst, shrink_to(linearise(raw.pixels * 65535.0, entry), long_side), bit_depth=16)
        r, g, b = entry.illuminant
        rows[src] = {"file": dst.relative_to(output_dir).as_posix(), "r": r, "g": g, "b": b, "camera": camera}

    result = run_per_file(pairs, work, progress=progress)
    if rows:
        write_illuminants(output_dir / ILLUMINANTS_CSV, [rows[src] for src, _ in pairs if src in rows])
    return result


def _check_folders(images, output_dir):
    if not images.is_dir():
        raise UserError(f"{images}: no such folder")
    if output_dir.resolve() == images.resolve() or images.resolve() in output_dir.resolve().parents:
        raise UserError(f"{output_dir}: the output folder must not be {images} or inside it")


def _import_intel_tau(gt_root, images, output_dir, *, camera, black_level, saturation, long_side, progress):
    """:func:`import_illuminants` for INTEL-TAU: each ``.wp`` is read with its image, so a bad one skips only it."""
    _check_folders(images, output_dir)
    found, skipped = find_pairs(gt_root, images, camera=camera)
    for line in skipped:
        print(line)
    if not found:
        raise UserError(f"{images}: none of the images of the {len(skipped)} .wp files below {gt_root} found")
    black = INTEL_TAU_BLACK_LEVEL if black_level is None else float(black_level)
    level = INTEL_TAU_SATURATION if saturation is None else float(saturation)
    if level <= black:
        raise UserError(f"--saturation {level:g}: must be above the black level {black:g}")
    by_path = {src: (wp, label) for wp, src, _, label in found}
    pairs = [(src, (output_dir / "images" / relative).with_suffix(".png")) for _, src, relative, _ in found]
    rows = {}

    def work(src, dst):
        wp, label = by_path[src]
        entry = RawEntry(wp.stem, read_wp(wp), black, level, None)
        raw = read_image(src)
        if raw.bit_depth != 16 or raw.is_gray:
            raise UserError(f"{src}: expected a 16-bit RGB TIFF")
        write_image(dst, shrink_to(linearise(raw.pixels * 65535.0, entry), long_side), bit_depth=16)
        r, g, b = entry.illuminant
        rows[src] = {"file": dst.relative_to(output_dir).as_posix(), "r": r, "g": g, "b": b, "camera": label}

    result = run_per_file(pairs, work, progress=progress)
    if rows:
        write_illuminants(output_dir / ILLUMINANTS_CSV, [rows[src] for src, _ in pairs if src in rows])
    return result
