"""``tfcorrect-data simulate-exposure``: a folder of photos rendered at several exposures, as ``paired`` data."""

import csv
import dataclasses
import io
import math
import pathlib
import zlib

from tfcorrect.data.camera import CameraParams, draw_params, render_camera
from tfcorrect.data.examples import condition_name
from tfcorrect.data.exposure import render_exposure
from tfcorrect.data.simulate import simulate_folder
from tfcorrect.errors import UserError
from tfcorrect.io.atomic import write_bytes

MAX_EV = 5.0
RENDER_PARAMS = "render_params.csv"
RENDER_COLUMNS = ("file", "ev", *(field.name for field in dataclasses.fields(CameraParams)))


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


def _linear_renders(ev_offsets, source, seed, rows):
    return [(condition_name(ev), lambda x, _, ev=ev: render_exposure(x, ev)) for ev in ev_offsets]


def _camera_renders(ev_offsets, source, seed, rows):
    """Camera renders seeded by ``(seed, the input's path)``, each appending its drawn parameters to ``rows``."""
    source = pathlib.Path(source)

    def render_at(ev):
        def render(pixels, src):
            src = pathlib.Path(src)
            rel = (src.relative_to(source) if source.is_dir() else pathlib.Path(src.name)).with_suffix(".png")
            file = f"input/{condition_name(ev)}/{rel.as_posix()}"
            pair_seed = (seed, zlib.crc32(file.encode()))
            params = draw_params(pair_seed)
            rows.append({"file": file, "ev": ev, **dataclasses.asdict(params)})
            return render_camera(pixels, ev, pair_seed, params=params)

        return render

    return [(condition_name(ev), render_at(ev)) for ev in ev_offsets]


# --render -> (ev_offsets, source, seed, rows) -> [(condition, render)].
RENDERS = {"linear": _linear_renders, "camera": _camera_renders}


def write_render_params(path, rows):
    """Write ``rows`` (dicts of :data:`RENDER_COLUMNS`) as a CSV sorted by file, atomically."""
    text = io.StringIO()
    writer = csv.DictWriter(text, RENDER_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(sorted(rows, key=lambda row: row["file"]))
    write_bytes(path, text.getvalue().encode("utf-8"))


def simulate_exposure_folder(source, output_dir, *, ev_offsets, render="linear", seed=0, progress=True):
    """Render every photo below ``source`` at each EV offset, as a ``paired`` folder.

    Writes ``output_dir/input/<condition>/<rel>.png`` (the photo rendered ``ev`` stops brighter) and
    ``output_dir/target/<condition>/<rel>.png`` (the photo), where ``<condition>`` is
    :func:`condition_name` of the offset. ``render="linear"`` renders in linear light
    (:func:`~tfcorrect.data.exposure.render_exposure`); ``"camera"`` as a camera would
    (:func:`~tfcorrect.data.camera.render_camera`, each input with its own draw, seeded by ``seed`` and
    its path) and also writes ``output_dir/render_params.csv``: per input its ``file`` (relative to
    ``output_dir``), ``ev`` and drawn parameters.

    Args:
        source: a photo, or a folder searched recursively.
        output_dir: the folder to write; neither ``source`` nor inside it, nor around it.
        ev_offsets: the EV offsets, e.g. ``(-1.5, -1, 0, 1, 1.5)``.
        render: a key of :data:`RENDERS`.
        seed: a non-negative int: the camera draws; the same seed writes the same files.
        progress: show a progress bar.

    Returns:
        ``(written, failed)`` counts of source photos.

    Raises:
        UserError: ``source`` is missing or holds no image, the folders overlap, or ``render`` or
            ``seed`` is not allowed.
    """
    if render not in RENDERS:
        raise UserError(f"--render must be one of {', '.join(RENDERS)}, not '{render}'")
    if seed < 0:
        raise UserError(f"--seed must be a non-negative integer, not {seed}")
    rows = []
    counts = simulate_folder(source, output_dir, RENDERS[render](ev_offsets, source, seed, rows), progress)
    if render == "camera":
        write_render_params(pathlib.Path(output_dir) / RENDER_PARAMS, rows)
    return counts
