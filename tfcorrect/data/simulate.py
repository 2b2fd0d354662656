"""Writing simulated data sets to disk as ``paired`` folders (``tfcorrect-data simulate-*``).

A folder of well-exposed photos becomes ``DST/input/`` and ``DST/target/``, files matched by
relative path and stem as :func:`~tfcorrect.data.examples.find_paired` reads them. The inputs
are made by the functions each method's training pipeline uses, so a model trained on a
simulated data kind can be evaluated on the written folder.

Each photo is read as RGB: a gray photo gets three equal channels and an alpha channel is
dropped (the pixels are kept as stored, not composited), as in training. A 16-bit photo gives
16-bit PNGs, any other gives 8-bit PNGs. The target is the photo itself, re-encoded as PNG with
its EXIF orientation applied, so that input and target line up pixel for pixel.

When the input's relative path has a first folder component, that component names the condition
(e.g. ``ev-1.5``), by which ``tfcorrect-eval`` groups its report.
"""

import pathlib

import numpy as np

from tfcorrect.errors import UserError
from tfcorrect.io.folders import mirror_paths, run_per_file
from tfcorrect.io.images import read_rgb, write_image


def simulate_folder(source, output_dir, renders, progress):
    """Write ``input/<condition>/<rel>.png`` = render(photo, its path) and ``target/<condition>/<rel>.png`` = photo."""
    output_dir = pathlib.Path(output_dir)
    pairs = _mirror(source, output_dir)
    origin = {}  # relative output path -> the photo it was written from

    def work(src, dst):
        rel = dst.relative_to(output_dir)
        if rel in origin:
            raise UserError(f"{src}: has the same name as {origin[rel]} once written as {rel}; skipped")
        pixels, image = read_rgb(src)
        bit_depth = image.bit_depth
        for condition, render in renders:
            write_image(output_dir / "target" / condition / rel, pixels, bit_depth=bit_depth)
            write_image(output_dir / "input" / condition / rel, np.asarray(render(pixels, src)), bit_depth=bit_depth)
        origin[rel] = src

    return run_per_file(pairs, work, progress=progress)


def _mirror(source, output_dir):
    """``(photo, output_dir/<rel>.png)`` pairs; the folders must not overlap either way."""
    pairs = mirror_paths(source, output_dir, suffix=".png")
    src, out = pathlib.Path(source).resolve(), output_dir.resolve()
    if out in src.parents:
        raise UserError(f"{source}: the source must not be inside the output folder {output_dir}")
    return pairs
