"""The lights of ``simulate-cameras`` and the priors they are drawn from (spectra from ``colour-science``).

Three kinds of light, each a spectral power distribution on :data:`SHAPE` (380–780 nm, 5 nm):

- **daylight**: CIE daylight (D series, defined from 4000 K);
- **blackbody**: a Planckian radiator; at 2500–3500 K it is an incandescent (tungsten, halogen) bulb;
- **lamp**: a measured lamp of ``colour.SDS_LIGHT_SOURCES`` (fluorescent, LED, metal halide, ...) whose
  correlated colour temperature is within 2500–10000 K and whose chromaticity is within Duv 0.02 of the
  Planckian locus (this leaves out sodium lamps and a green mercury lamp).

A :class:`LightPrior` says how often each kind is drawn and at which temperatures; every temperature
is drawn uniformly in reciprocal temperature (mired) within its band. :data:`PRIORS`:

- ``uniform``: the old draw, one third each: daylight 4000–10000 K, blackbody 2500–10000 K, a lamp;
- ``mixed`` (the default), like a real colour-constancy data set: 65 % daylight, 15 % incandescent,
  20 % lamps. Real sets are mostly outdoor: Cube+ (Banić and Lončarić 2017) is 1365 outdoor images of
  the Cube set plus 342 indoor and night ones (80 % outdoor), INTEL-TAU (Laakom et al. 2021) and
  Gehler-Shi hold more indoor scenes; 65 % is between them;
- ``outdoor``: 90 % daylight, 4 % incandescent, 6 % lamps;
- ``indoor``: 15 % daylight (through windows), 40 % incandescent, 45 % lamps.

The non-uniform priors draw daylight at 5000–7500 K (direct sun and sky) 65 % of the time, 7500–10000 K
(shade, overcast) 20 % and 4000–5000 K (low sun) 15 %: measured daylight clusters around 5500–7000 K
with a long tail to blue shade (Hernández-Andrés et al. 1999, JOSA A 16(9)).
"""

import dataclasses
import functools
import warnings

import colour
import numpy as np

from tfcorrect.errors import UserError

SHAPE = colour.SpectralShape(380, 780, 5)
CCT_RANGE = (2500.0, 10000.0)
DAYLIGHT_MIN_CCT = 4000.0  # the CIE D series is defined from 4000 K
MAX_DUV = 0.02
LIGHT_KINDS = ("daylight", "blackbody", "lamp")


@dataclasses.dataclass(frozen=True)
class Light:
    """A light source: its name and spectral power on :data:`SHAPE` (``(81,)``, any scale)."""

    name: str
    spectrum: np.ndarray


@dataclasses.dataclass(frozen=True)
class LightPrior:
    """How lights are drawn.

    Attributes:
        shares: how often each of :data:`LIGHT_KINDS` is drawn (daylight, blackbody, lamp), summing to 1.
        daylight_bands: ``((low K, high K, weight), ...)``: a band is picked by weight, then a temperature
            uniform in mired within it.
        blackbody_range: ``(low K, high K)``, uniform in mired.
    """

    shares: tuple
    daylight_bands: tuple
    blackbody_range: tuple


NATURAL_DAYLIGHT = ((4000.0, 5000.0, 0.15), (5000.0, 7500.0, 0.65), (7500.0, 10000.0, 0.20))
INCANDESCENT = (2500.0, 3500.0)
PRIORS = {
    "mixed": LightPrior((0.65, 0.15, 0.20), NATURAL_DAYLIGHT, INCANDESCENT),
    "outdoor": LightPrior((0.90, 0.04, 0.06), NATURAL_DAYLIGHT, INCANDESCENT),
    "indoor": LightPrior((0.15, 0.40, 0.45), NATURAL_DAYLIGHT, INCANDESCENT),
    "uniform": LightPrior((1 / 3, 1 / 3, 1 / 3), ((DAYLIGHT_MIN_CCT, CCT_RANGE[1], 1.0),), CCT_RANGE),
}


def aligned(sd):
    """A spectral distribution on :data:`SHAPE`; zero outside its measured range."""
    return sd.copy().align(SHAPE, extrapolator_kwargs={"method": "Constant", "left": 0, "right": 0})


def daylight(cct):
    """CIE daylight (D series) of a correlated colour temperature in kelvin (>= 4000)."""
    xy = colour.temperature.CCT_to_xy_CIE_D(cct)
    return Light(f"daylight {cct:.0f}K", np.asarray(aligned(colour.sd_CIE_illuminant_D_series(xy)).values))


def blackbody(temperature):
    """A Planckian radiator at ``temperature`` kelvin."""
    return Light(f"blackbody {temperature:.0f}K", np.asarray(colour.sd_blackbody(temperature, SHAPE).values))


@functools.cache
def cmfs():
    """The CIE 1931 2° colour-matching functions on :data:`SHAPE`: ``(81, 3)`` float64 x̄, ȳ, z̄."""
    return np.asarray(aligned(colour.MSDS_CMFS["CIE 1931 2 Degree Standard Observer"]).values, np.float64)


def cct_duv(light):
    """A light's correlated colour temperature (K) and distance from the Planckian locus (Ohno 2013)."""
    uv = colour.xy_to_UCS_uv(colour.XYZ_to_xy(cmfs().T @ light.spectrum))  # an emitter's own colour
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # colour warns about chromaticities far from the locus
        cct, duv = colour.uv_to_CCT(uv, "Ohno 2013")
    return float(cct), float(duv)


@functools.cache
def lamps():
    """The measured lamps of ``colour.SDS_LIGHT_SOURCES`` near the Planckian locus within :data:`CCT_RANGE`.

    Returns:
        A tuple of :class:`Light` named ``lamp <name>``.
    """
    kept = []
    for name, sd in colour.SDS_LIGHT_SOURCES.items():
        light = Light(f"lamp {name}", np.asarray(aligned(sd).values))
        cct, duv = cct_duv(light)
        if CCT_RANGE[0] <= cct <= CCT_RANGE[1] and abs(duv) <= MAX_DUV:
            kept.append(light)
    return tuple(kept)


def _mired_uniform(rng, low, high):
    """A temperature drawn uniformly in reciprocal temperature between ``low`` and ``high`` kelvin."""
    return 1e6 / rng.uniform(1e6 / high, 1e6 / low)


def _pick(rng, weights):
    """An index drawn by ``weights``; equal weights draw with ``rng.integers`` as the old one-third draw did."""
    if len(weights) == 1:
        return 0
    if len(set(weights)) == 1:
        return int(rng.integers(len(weights)))
    return int(rng.choice(len(weights), p=np.asarray(weights) / np.sum(weights)))


def prior_named(name):
    """The :class:`LightPrior` called ``name`` (a key of :data:`PRIORS`); a LightPrior is returned as is.

    Raises:
        UserError: an unknown name.
    """
    if isinstance(name, LightPrior):
        return name
    if name not in PRIORS:
        raise UserError(f"unknown light prior {name!r}; known: {', '.join(PRIORS)}")
    return PRIORS[name]


def draw_light(rng, prior="mixed"):
    """One light drawn from ``prior`` (a name of :data:`PRIORS` or a :class:`LightPrior`), see the docstring.

    ``prior="uniform"`` consumes ``rng`` exactly as the old one-third draw, so it repeats old data sets.
    """
    prior = prior_named(prior)
    kind = LIGHT_KINDS[_pick(rng, prior.shares)]
    if kind == "daylight":
        low, high, _ = prior.daylight_bands[_pick(rng, [band[2] for band in prior.daylight_bands])]
        return daylight(_mired_uniform(rng, low, high))
    if kind == "blackbody":
        return blackbody(_mired_uniform(rng, *prior.blackbody_range))
    choices = lamps()
    return choices[rng.integers(len(choices))]


def parse_lights(spec, cameras):
    """Each camera's prior name from ``"mixed"`` (all cameras) or ``"C=outdoor,N=indoor"`` (or a mapping).

    Cameras a per-camera list leaves out get ``mixed``.

    Raises:
        UserError: an unknown prior, a camera not in ``cameras``, or a malformed list.
    """
    if isinstance(spec, str) and "=" not in spec:
        prior_named(spec.strip())
        return {camera: spec.strip() for camera in cameras}
    if isinstance(spec, str):
        pairs = [item.split("=") for item in spec.split(",") if item.strip()]
        if any(len(pair) != 2 for pair in pairs):
            raise UserError(f"--lights must be a prior or CAMERA=PRIOR,..., not '{spec}'")
        spec = {camera.strip(): prior.strip() for camera, prior in pairs}
    chosen = {camera: "mixed" for camera in cameras}
    for camera, prior in dict(spec).items():
        if camera not in chosen:
            raise UserError(f"--lights names camera {camera!r}, which is not among {', '.join(cameras)}")
        prior_named(prior)
        chosen[camera] = prior
    return chosen
