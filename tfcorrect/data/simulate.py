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

``simulate_phone_folder`` renders each photo as a phone camera might (:func:`phone_degradation`),
for a DPED-like folder of phone/DSLR pairs when the real DPED is not at hand (seed 002's report
and notebook).
"""

import math
import pathlib
import zlib

import numpy as np

from tfcorrect.errors import UserError
from tfcorrect.exposure import render_exposure, simulate_overexposure
from tfcorrect.folders import mirror_paths, run_per_file
from tfcorrect.imageio import read_rgb, write_image

MAX_EV = 5.0
# The phone-like rendering (see phone_degradation).
PHONE_SEED = 2026
PHONE_BLUR_SIGMA = 1.0
PHONE_TONE = (0.04, 0.88, 1.25)  # black lift, range, exponent: x -> 0.04 + 0.88 * x**1.25
PHONE_COLOUR_GAINS = (1.08, 1.0, 0.86)
PHONE_DESATURATION = 0.15
PHONE_NOISE = (0.01, 0.02)  # standard deviation a + b * sqrt(x), per pixel and channel


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
    renders = [(condition_name(ev), lambda x, _, ev=ev: render_exposure(x, ev)) for ev in ev_offsets]
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
    renders = [("", lambda x, _: simulate_overexposure(x, gamma, tau))]
    return _simulate_folder(source, output_dir, renders, progress)


def phone_degradation(image, rng):
    """A phone-like rendering of an RGB photo in [0, 1]: blur, flat tone curve, colour cast, sensor noise.

    In order: a Gaussian blur of ``PHONE_BLUR_SIGMA`` px (a small lens, demosaicing), a tone curve
    with lifted blacks, dimmed highlights and darker mid-tones (``PHONE_TONE``), a warm cast
    (``PHONE_COLOUR_GAINS`` per RGB channel) with ``PHONE_DESATURATION`` of the saturation taken
    away, and Gaussian noise per pixel and channel whose deviation grows with the signal
    (``PHONE_NOISE``). The noise comes from ``rng`` (a ``numpy.random.Generator``) only, so a
    seeded generator gives the same image on every run.

    Returns:
        ``float32`` pixels in [0, 1], the shape of ``image``.
    """
    import cv2

    x = cv2.GaussianBlur(np.asarray(image, np.float32), (0, 0), PHONE_BLUR_SIGMA)
    lift, span, exponent = PHONE_TONE
    x = lift + span * x ** exponent
    x = x * np.asarray(PHONE_COLOUR_GAINS, np.float32)
    gray = x @ np.asarray([0.299, 0.587, 0.114], np.float32)
    x = gray[..., None] + (1 - PHONE_DESATURATION) * (x - gray[..., None])
    x = x + rng.normal(size=x.shape).astype(np.float32) * (PHONE_NOISE[0] + PHONE_NOISE[1] * np.sqrt(np.clip(x, 0, 1)))
    return np.clip(x, 0.0, 1.0).astype(np.float32)


def simulate_phone_folder(source, output_dir, *, seed=PHONE_SEED, progress=True):
    """Render every photo below ``source`` as a phone might (:func:`phone_degradation`), as a ``paired`` folder.

    Writes ``output_dir/input/<rel>.png`` (the phone-like rendering) and
    ``output_dir/target/<rel>.png`` (the photo, standing for the DSLR's). The noise of each photo
    is seeded by ``seed`` and the photo's file name, so a rerun writes the same files.

    Args:
        source: a photo, or a folder searched recursively.
        output_dir: the folder to write; neither ``source`` nor inside it, nor around it.
        seed: the noise seed.
        progress: show a progress bar.

    Returns:
        ``(written, failed)`` counts of source photos.

    Raises:
        UserError: ``source`` is missing or holds no image, or the folders overlap.
    """
    def render(pixels, path):
        return phone_degradation(pixels, np.random.default_rng([seed, zlib.crc32(path.name.encode())]))

    return _simulate_folder(source, output_dir, [("", render)], progress)


def _simulate_folder(source, output_dir, renders, progress):
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


