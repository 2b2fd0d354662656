"""Cutting aligned patch pairs from a ``paired`` folder of full-size images (``tfcorrect-data patches``).

DPED trains on 100x100 patches cut at the same place from aligned phone and DSLR photos (Que & Lee
crops 96x96 from them). Every input/target pair of ``SRC`` is cut on one grid of ``size`` x
``size`` boxes, ``stride`` apart, from the top-left corner; a box is cut from both images, so each
patch pair shows the same pixels. A remainder narrower than ``size`` at the right or bottom is
left out. Patches are written as PNG with the source's bit depth, named
``<rel>/<stem>_y<top>_x<left>.png`` after the box, either as a ``paired`` folder
(``DST/input/``, ``DST/target/``) or in DPED's layout (``DST/<phone>/``, ``DST/canon/``).
"""

import pathlib

from tfcorrect.data.examples import find_paired
from tfcorrect.errors import UserError
from tfcorrect.io.folders import run_per_file
from tfcorrect.io.images import read_rgb, write_image

# --layout -> (input folder, target folder); "{phone}" is the phone's name.
LAYOUTS = {"paired": ("input", "target"), "dped": ("{phone}", "canon")}


def patch_boxes(height, width, size, stride):
    """``(top, left)`` of every ``size`` x ``size`` box of a ``height`` x ``width`` image, ``stride`` apart.

    Raises:
        ValueError: ``size`` or ``stride`` is below 1.
    """
    if size < 1 or stride < 1:
        raise ValueError(f"size and stride must be at least 1, got {size}, {stride}")
    return [(top, left) for top in range(0, height - size + 1, stride) for left in range(0, width - size + 1, stride)]


def _check_folders(source, output_dir):
    """Neither folder may be the other or inside it."""
    src, out = source.resolve(), output_dir.resolve()
    if out == src or src in out.parents or out in src.parents:
        raise UserError(f"{output_dir}: the output folder must not be {source}, inside it or around it")


def cut_patches_folder(source, output_dir, *, size, stride=None, layout="paired", phone="phone", progress=True):
    """Cut every input/target pair of a ``paired`` folder into aligned ``size``-px patch pairs.

    Args:
        source: a ``paired`` folder (``input/``, ``target/``) of full-size images.
        output_dir: the folder to write; not ``source``, inside it or around it.
        size: patch side in pixels (DPED: 100).
        stride: pixels between neighbouring boxes; ``None`` is ``size`` (patches that do not overlap).
        layout: a key of :data:`LAYOUTS`: ``"paired"`` or ``"dped"``.
        phone: the phone folder's name in the ``dped`` layout.
        progress: show a progress bar.

    Returns:
        ``(written, failed)`` counts of source pairs; a pair whose sizes differ or that is smaller
        than ``size`` fails with its name and the others go on.

    Raises:
        UserError: a bad argument, ``source`` is not a paired folder or holds no pair, or the folders overlap.
    """
    stride = size if stride is None else stride
    if size < 1 or stride < 1:
        raise UserError(f"--size and --stride must be at least 1, got {size}, {stride}")
    if layout not in LAYOUTS:
        raise UserError(f"--layout {layout}: expected one of {', '.join(LAYOUTS)}")
    if layout == "dped" and (not phone or phone == "canon" or pathlib.Path(phone).name != phone):
        raise UserError(f"--phone {phone!r}: a folder name other than canon is needed")
    source, output_dir = pathlib.Path(source), pathlib.Path(output_dir)
    if not source.is_dir():
        raise UserError(f"{source}: no such folder")
    _check_folders(source, output_dir)
    examples = find_paired(source)
    if not examples:
        raise UserError(f"{source}: no input/target pairs found")
    inputs, targets = (output_dir / name.format(phone=phone) for name in LAYOUTS[layout])
    partner = {example.input: example.target for example in examples}

    def work(image_path, relative):
        _cut_pair(image_path, partner[image_path], relative, (inputs, targets), size, stride)

    pairs = [(e.input, pathlib.Path(e.input).relative_to(source / "input")) for e in examples]
    return run_per_file(pairs, work, progress=progress)


def _cut_pair(image_path, target_path, relative, folders, size, stride):
    """Write the patches of one pair into ``folders`` = ``(inputs, targets)``."""
    image, target = read_rgb(image_path), read_rgb(target_path)
    if image[0].shape != target[0].shape:
        raise UserError(f"{image_path}: size {image[0].shape[1]}x{image[0].shape[0]} differs from its target "
                        f"{target_path} ({target[0].shape[1]}x{target[0].shape[0]})")
    boxes = patch_boxes(*image[0].shape[:2], size, stride)
    if not boxes:
        raise UserError(f"{image_path}: {image[0].shape[1]}x{image[0].shape[0]} is smaller than a {size}-px patch")
    for top, left in boxes:
        name = relative.parent / f"{relative.stem}_y{top}_x{left}.png"
        for folder, (pixels, file) in zip(folders, (image, target)):
            write_image(folder / name, pixels[top:top + size, left:left + size], bit_depth=file.bit_depth)
