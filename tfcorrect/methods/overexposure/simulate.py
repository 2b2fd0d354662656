"""``tfcorrect-data simulate-overexposure``: Le Jeune's overexposure, x' = min(1, x * TAU^-GAMMA), as ``paired`` data."""

from tfcorrect.data.exposure import simulate_overexposure
from tfcorrect.data.simulate import simulate_folder


def simulate_overexposure_folder(source, output_dir, *, gamma, tau, progress=True):
    """Overexpose every photo below ``source`` as Le Jeune does, as a ``paired`` folder.

    Writes ``output_dir/input/<rel>.png`` (``min(1, x * tau^-gamma)``,
    :func:`~tfcorrect.data.exposure.simulate_overexposure`) and ``output_dir/target/<rel>.png`` (the photo).

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
    return simulate_folder(source, output_dir, renders, progress)
