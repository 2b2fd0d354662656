"""``tfcorrect-data simulate-exposure``: a folder of photos rendered at several exposures, as ``paired`` data."""

import math

from tfcorrect.data.examples import condition_name
from tfcorrect.data.exposure import render_exposure
from tfcorrect.data.simulate import simulate_folder
from tfcorrect.errors import UserError

MAX_EV = 5.0


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
    linear light, :func:`~tfcorrect.data.exposure.render_exposure`) and ``output_dir/target/<condition>/<rel>.png``
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
    return simulate_folder(source, output_dir, renders, progress)
