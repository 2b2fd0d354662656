"""Cameras' spectral sensitivities: the three that ``colour-science`` ships measured, and synthetic ones.

Measured (:data:`CAMERAS`): ``C`` the Canon EOS 5D Mark II of the rawtoaces characterisation data in
``colour.characterisation``, ``N`` the Nikon 5100 and ``S`` the Sigma SD Merrill (a Foveon sensor),
both measured by the NPL (``colour.MSDS_CAMERA_SENSITIVITIES``).

Synthetic (``X0``, ``X1``, ...; :func:`synthetic_sensitivities`): a model meant for cameras it never
saw needs more than three sensors. Camera ``X<k>`` is drawn from a generator seeded by ``k``:

1. **Mix** two of the measured cameras, channel by channel, each channel scaled to peak 1 first:
   ``w S_a + (1 - w) S_b`` with ``w`` uniform in [0, 1].
2. **Shift** each channel along the wavelength axis by up to ±12 nm and **stretch** it about its
   peak by a factor in [0.85, 1.15] (filters of other dyes and thicknesses).
3. **Gain**: green keeps peak 1, red and blue peak in [0.45, 1.0] (real sensors' red and blue are the
   weaker channels: the 5D Mark II's red peaks at 0.51 of green).

A draw is kept only if it is :func:`plausible` (checked on every measured camera too); otherwise
the generator draws again. Plausible means: every value non-negative; peaks in the order
blue < green < red, blue at 420–500 nm, green at 500–600 nm, red at 570–660 nm (the measured cameras:
460–480, 530–590, 595–645); neighbouring channels' correlation below 0.9 (they are distinct); and
the least-squares fit to the CIE 1931 colour-matching functions leaves a relative residual below 0.4
(the measured cameras: 0.24–0.36) through a 3x3 matrix of condition number below 12 (the measured:
2.7–8), so its colours can be told apart about as well as a real camera's.
"""

import functools
import os
import re

import colour
import numpy as np

from tfcorrect.errors import UserError
from tfcorrect.methods.illum_da.lights import SHAPE, aligned, cmfs

# Camera short name -> where its measured sensitivities come from.
CAMERAS = {"C": "Canon EOS 5D Mark II (rawtoaces)", "N": "Nikon 5100 (NPL)", "S": "Sigma SDMerill (NPL)"}
SYNTHETIC = re.compile(r"X(\d{1,6})")
WAVELENGTHS = np.asarray(SHAPE.wavelengths, np.float64)
PEAK_RANGES = ((570.0, 660.0), (500.0, 600.0), (420.0, 500.0))  # R, G, B
MAX_CORRELATION = 0.9
MAX_RESIDUAL = 0.4
MAX_CONDITION = 12.0


def known_camera(camera):
    """Whether ``camera`` names a measured camera or a synthetic ``X<k>``."""
    return camera in CAMERAS or SYNTHETIC.fullmatch(str(camera)) is not None


@functools.cache
def _measured(camera):
    if camera == "C":
        from colour.characterisation.aces_it import ROOT_RESOURCES_RAWTOACES

        path = os.path.join(ROOT_RESOURCES_RAWTOACES, "CANON_EOS_5DMark_II_RGB_Sensitivities.csv")
        msds = colour.characterisation.RGB_CameraSensitivities(colour.io.read_sds_from_csv_file(path))
    else:
        msds = colour.MSDS_CAMERA_SENSITIVITIES[CAMERAS[camera]]
    return np.clip(np.asarray(aligned(msds).values, np.float64), 0, None)  # NPL data has tiny negative noise


@functools.cache
def camera_sensitivities(camera):
    """A camera's spectral sensitivities.

    Args:
        camera: a key of :data:`CAMERAS` or a synthetic name ``X<k>`` (module docstring).

    Returns:
        ``(81, 3)`` float64: R, G, B sensitivity at each wavelength of :data:`SHAPE`, zero outside the
        measured range and where the measurement dips below zero.

    Raises:
        UserError: an unknown camera.
    """
    if camera in CAMERAS:
        return _measured(camera)
    match = SYNTHETIC.fullmatch(str(camera))
    if match is None:
        raise UserError(f"unknown camera {camera!r}; known: "
                        + ", ".join(f"{k} ({v})" for k, v in CAMERAS.items()) + ", or X0, X1, ... (synthetic)")
    return synthetic_sensitivities(int(match.group(1)))


def _warp(channel, shift, stretch):
    """``channel`` moved ``shift`` nm and stretched by ``stretch`` about its peak, zero outside."""
    peak = WAVELENGTHS[np.argmax(channel)]
    source = peak + (WAVELENGTHS - peak - shift) / stretch
    return np.interp(source, WAVELENGTHS, channel, left=0.0, right=0.0)


def synthetic_sensitivities(index, attempts=200):
    """Sensitivities of synthetic camera ``X<index>`` (module docstring): ``(81, 3)`` float64, green peak 1.

    Raises:
        RuntimeError: no plausible draw in ``attempts`` (does not happen for the documented ranges).
    """
    rng = np.random.default_rng([20251, index])
    measured = [_measured(name) / _measured(name).max(axis=0) for name in CAMERAS]
    for _ in range(attempts):
        a, b = rng.choice(len(measured), 2, replace=False)
        w = rng.uniform()
        mixed = w * measured[a] + (1 - w) * measured[b]
        warped = np.stack([_warp(mixed[:, k], rng.uniform(-12, 12), rng.uniform(0.85, 1.15)) for k in range(3)], 1)
        warped /= np.maximum(warped.max(axis=0), 1e-12)
        gains = np.array([rng.uniform(0.45, 1.0), 1.0, rng.uniform(0.45, 1.0)])
        curves = warped * gains
        if plausible(curves):
            return curves
    raise RuntimeError(f"no plausible synthetic camera X{index} in {attempts} draws")


def plausibility(curves):
    """What :func:`plausible` checks: ``dict`` of peaks (nm, R G B), neighbour correlations, fit residual, condition."""
    curves = np.asarray(curves, np.float64)
    unit = curves / np.maximum(curves.max(axis=0), 1e-12)
    matrix = np.linalg.lstsq(curves, cmfs(), rcond=None)[0]
    correlation = np.corrcoef(unit.T)
    return {"peaks": WAVELENGTHS[np.argmax(curves, axis=0)],
            "correlation": (correlation[0, 1], correlation[1, 2]),
            "residual": np.linalg.norm(curves @ matrix - cmfs()) / np.linalg.norm(cmfs()),
            "condition": np.linalg.cond(matrix), "minimum": curves.min()}


def plausible(curves):
    """Whether ``(81, 3)`` sensitivities look like a real camera's (the module docstring's checks)."""
    facts = plausibility(curves)
    red, green, blue = facts["peaks"]
    in_ranges = all(low <= peak <= high for peak, (low, high) in zip(facts["peaks"], PEAK_RANGES))
    return bool(facts["minimum"] >= 0 and blue < green < red and in_ranges
                and max(facts["correlation"]) < MAX_CORRELATION and facts["residual"] < MAX_RESIDUAL
                and facts["condition"] < MAX_CONDITION)
