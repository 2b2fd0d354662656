"""Writing simulated data sets to disk as ``paired`` folders (``tfcorrect-data``).

A folder of well-exposed photos becomes ``DST/input/`` and ``DST/target/``, files matched by
relative path and stem as :func:`~tfcorrect.data.examples.find_paired` reads them. The inputs
are made by the same functions the training pipeline uses (:mod:`tfcorrect.exposure`), so a
model trained on ``simulate_exposure`` data can be evaluated on the written folder.

Each photo is read as RGB: a gray photo gets three equal channels and an alpha channel is
dropped (the pixels are kept as stored, not composited), as in training. A 16-bit photo gives
16-bit PNGs, any other gives 8-bit PNGs. The target is the photo itself, re-encoded as PNG with
its EXIF orientation applied, so that input and target line up pixel for pixel.

When the input's relative path has a first folder component, that component names the condition
(e.g. ``ev-1.5``): ``simulate_exposure_folder`` writes one such folder per EV offset on both sides.
"""

import math
import pathlib

import numpy as np

from tfcorrect.errors import UserError
from tfcorrect.exposure import render_exposure, simulate_overexposure
from tfcorrect.folders import mirror_paths, run_per_file
from tfcorrect.imageio import read_rgb, write_image

MAX_EV = 5.0


def condition_name(ev):
    """The folder of one EV offset: ``ev-1.5``, ``ev+0``, ``ev+1``."""
    return f"ev{ev + 0.0:+g}"  # + 0.0 turns -0.0 into +0


def parse_ev_offsets(text):
    """``"-1.5,-1,0,1,1.5"`` as a tuple of floats.

    Raises:
        UserError: not comma-separated numbers within +-5, or one given twice.
    """
    try:
        offsets = tuple(float(v) for v in text.split(","))
    except ValueError:
        offsets = ()
    if not offsets or not all(math.isfinite(v) and abs(v) <= MAX_EV for v in offsets) or \
            len({condition_name(v) for v in offsets}) < len(offsets):
        raise UserError(f"--ev-offsets must be comma-separated numbers within +-{MAX_EV:g}, each once, not '{text}'")
    return offsets


def simulate_exposure_folder(source, output_dir, *, ev_offsets, progress=True):
    """Render every photo below ``source`` at each EV offset, as a ``paired`` folder.

    Writes ``output_dir/input/<condition>/<rel>.png`` (the photo rendered ``ev`` stops brighter in
    linear light, :func:`~tfcorrect.exposure.render_exposure`) and ``output_dir/target/<condition>/<rel>.png``
    (the photo), where ``<condition>`` is :func:`condition_name` of the offset.

    Args:
        source: a photo, or a folder searched recursively.
        output_dir: the folder to write; neither ``source`` nor inside it, nor around it.
        ev_offsets: the EV offsets, e.g. ``(-1.5, -1, 0, 1, 1.5)``.
        progress: show a progress bar.

    Returns:
        ``(written, failed)`` counts of source photos.

    Raises:
        UserError: ``source`` is missing or holds no image, or the folders overlap.
    """
    renders = [(condition_name(ev), lambda x, ev=ev: render_exposure(x, ev)) for ev in ev_offsets]
    return _simulate_folder(source, output_dir, renders, progress)


def simulate_overexposure_folder(source, output_dir, *, gamma, tau, progress=True):
    """Overexpose every photo below ``source`` as seed 003 does, as a ``paired`` folder.

    Writes ``output_dir/input/<rel>.png`` (``min(1, x * tau^-gamma)``,
    :func:`~tfcorrect.exposure.simulate_overexposure`) and ``output_dir/target/<rel>.png`` (the photo).

    Args:
        source: a photo, or a folder searched recursively.
        output_dir: the folder to write; neither ``source`` nor inside it, nor around it.
        gamma: the simulation's gamma (``GAMMA``).
        tau: the simulation's tau (``TAU``).
        progress: show a progress bar.

    Returns:
        ``(written, failed)`` counts of source photos.

    Raises:
        UserError: ``source`` is missing or holds no image, or the folders overlap.
    """
    renders = [("", lambda x: simulate_overexposure(x, gamma, tau))]
    return _simulate_folder(source, output_dir, renders, progress)


def _simulate_folder(source, output_dir, renders, progress):
    """Write ``input/<condition>/<rel>.png`` = render(photo) and ``target/<condition>/<rel>.png`` = photo."""
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
            write_image(output_dir / "input" / condition / rel, np.asarray(render(pixels)), bit_depth=bit_depth)
        origin[rel] = src

    return run_per_file(pairs, work, progress=progress)


def _mirror(source, output_dir):
    """``(photo, output_dir/<rel>.png)`` pairs; the folders must not overlap either way."""
    pairs = mirror_paths(source, output_dir, suffix=".png")
    src, out = pathlib.Path(source).resolve(), output_dir.resolve()
    if out in src.parents:
        raise UserError(f"{source}: the source must not be inside the output folder {output_dir}")
    return pairs


