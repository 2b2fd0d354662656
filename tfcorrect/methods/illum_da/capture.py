"""What a real sensor does to the ideal raw image of ``simulate-cameras`` (``raw_effects=True``).

The ideal raw ``E_k`` (camera channel ``k``, any scale) becomes a black-subtracted linear raw in [0, 1]
like the Cube+ importer writes, in this order (:func:`capture`):

1. **Lens shading** (:func:`shade`): ``E_k · (1 - s_k r²)``, ``r`` the distance from the image centre,
   1 at the corners; ``s_k`` is the corner fall-off, slightly larger for red than blue (colour shading:
   the IR-cut filter passes less red at oblique angles). Shading is in front of the sensor, so it comes
   before the exposure is metered.
2. **Exposure** (:func:`expose`, :func:`exposure_level`): scaled so the brightest ``clip_percent`` % of
   pixels (by their largest channel) reach 1, the largest white level of the sensor.
3. **Shot noise** (:func:`shot_noise`): ``x = Poisson(x · F) / F``, ``F`` the full well in electrons at
   level 1: variance ``x / F``.
4. **Read noise** (:func:`read_noise`): ``+ N(0, σ_r / D)``, ``σ_r`` in raw units (DN), ``D`` = largest
   white level - black level (DN per unit).
5. **Digitisation** (:func:`digitise`): ``n = clip(round(x · D + b), 0, 2^bits - 1)``, black level ``b``
   added; the pipeline then subtracts it, ``max(n - b, 0) / D``: values below black go to 0, as in the
   real data sets (so the darkest pixels are biased up by what clipping implies, ``σ φ(μ/σ) + μ Φ(μ/σ)``).
6. **Saturation** (:func:`saturate`): each channel clips at its own level ``(w_k - b) / D`` ≤ 1 (white
   levels ``w_k`` in DN differ per channel by a few %), so the saturation is at most 1.

:class:`SensorProfile` holds a camera's constants; :func:`profile_for` gives the three measured
cameras' (:data:`PROFILES`) and a deterministic random one for any other name.
"""

import dataclasses
import zlib

import numpy as np


@dataclasses.dataclass(frozen=True)
class SensorProfile:
    """A camera's sensor constants at base ISO.

    Attributes:
        full_well: electrons at the largest white level (level 1).
        read_noise: standard deviation of the read noise in DN.
        black_level: DN added before quantisation.
        white_level: ``(w_R, w_G, w_B)`` DN at which each channel saturates, at most ``2^bit_depth - 1``.
        bit_depth: the ADC's bits (12 or 14).
        shading: ``(s_R, s_G, s_B)`` corner fall-off of the lens, in [0, 1).
    """

    full_well: float
    read_noise: float
    black_level: int
    white_level: tuple
    bit_depth: int
    shading: tuple

    def __post_init__(self):
        if not (max(self.white_level) <= 2**self.bit_depth - 1 and self.black_level < min(self.white_level)
                and all(0 <= s < 1 for s in self.shading) and self.full_well > 0 and self.read_noise >= 0):
            raise ValueError(f"implausible sensor profile {self}")

    @property
    def scale(self):
        """DN per unit of the saved image: largest white level - black level."""
        return max(self.white_level) - self.black_level

    @property
    def saturation(self):
        """Each channel's saturation in the saved image, ``(w_k - b) / D``; the largest is 1."""
        return np.array([(w - self.black_level) / self.scale for w in self.white_level])


# Base-ISO constants. Full wells and read noise: photonstophotos.net (Claff) and sensorgen.info
# (DxOMark-derived) figures, rounded; white levels: RawTherapee's camconst.json; per-channel spread and
# lens shading: our assumption for a typical zoom at a moderate aperture.
PROFILES = {
    # Canon EOS 5D Mark II, ISO 100: 14 bit, black 1024 (masked pixels), white 15600 (camconst: "typical
    # 15760", same for all colours; we spread it 1 %), ~65 000 e- full well, read noise ~6 DN (~26 e-).
    # Full frame: strongest vignetting of the three.
    "C": SensorProfile(full_well=65000.0, read_noise=6.0, black_level=1024, white_level=(15600, 15760, 15700),
                       bit_depth=14, shading=(0.42, 0.38, 0.35)),
    # Nikon D5100 (Sony 16 MP APS-C), ISO 100: 14 bit, black 0 (subtracted in camera: read noise below 0 is
    # clipped by the ADC), white ~15 800, ~45 000 e- full well, read noise ~1.1 DN (~3 e-).
    "N": SensorProfile(full_well=45000.0, read_noise=1.1, black_level=0, white_level=(15520, 15800, 15680),
                       bit_depth=14, shading=(0.30, 0.27, 0.25)),
    # Sigma SD1 Merrill (Foveon X3, APS-C, 12-bit X3F): no published measurement, estimated: small
    # stacked wells (~18 000 e-), read noise ~2.5 DN, black 128, white levels 5 % apart, and the strong
    # colour shading Foveon sensors are known for.
    "S": SensorProfile(full_well=18000.0, read_noise=2.5, black_level=128, white_level=(3850, 4030, 3920),
                       bit_depth=12, shading=(0.40, 0.30, 0.22)),
}


def profile_for(camera):
    """The :class:`SensorProfile` of ``camera``: from :data:`PROFILES`, else drawn from plausible ranges.

    An unknown name (a synthetic camera) gets a profile drawn from a generator seeded by
    ``zlib.crc32(name)``, the same every time: 12 or 14 bit, black 0 to 1/8 of the range, white levels up to
    5 % apart, full well 8 000–70 000 e- (log-uniform), read noise 1–8 DN at 14 bit, shading 0.15–0.45.
    """
    if camera in PROFILES:
        return PROFILES[camera]
    rng = np.random.default_rng(zlib.crc32(str(camera).encode()))
    bits = int(rng.choice([12, 14]))
    top = 2**bits - 1
    black = int(rng.choice([0, 64, 128, 256, 512, 1024, 2048]) * 2**bits // 2**14)
    highest = top - int(rng.integers(0, 2**bits // 32))
    levels = rng.uniform(0.95, 1.0, 3)
    levels[rng.integers(3)] = 1.0
    white = tuple(int(black + round((highest - black) * s)) for s in levels)
    green = rng.uniform(0.15, 0.45)
    shading = (min(green * rng.uniform(1.0, 1.3), 0.9), green, green * rng.uniform(0.75, 1.05))
    return SensorProfile(full_well=float(np.exp(rng.uniform(np.log(8000.0), np.log(70000.0)))),
                         read_noise=float(rng.uniform(1.0, 8.0) * 2**bits / 2**14), black_level=black,
                         white_level=white, bit_depth=bits, shading=tuple(float(s) for s in shading))


def exposure_level(raw, clip_percent):
    """The value of ``raw`` that exposure maps to 1: its ``100 - clip_percent`` percentile of each pixel's
    largest channel, or its maximum for ``clip_percent=0``."""
    level = np.percentile(raw.max(axis=-1), 100.0 - clip_percent) if clip_percent else raw.max()
    return max(float(level), 1e-12)


def expose(raw, clip_percent):
    """``raw`` scaled so its brightest ``clip_percent`` % of pixels saturate, clipped to [0, 1] (noise-free)."""
    return np.clip(raw / exposure_level(raw, clip_percent), 0.0, 1.0)


def shading_gain(height, width, shading):
    """``(H, W, 3)`` lens shading ``1 - s_k r²``: 1 at the centre, ``1 - s_k`` at the corners."""
    y = (np.arange(height) - (height - 1) / 2) / max((height - 1) / 2, 1e-12)
    x = (np.arange(width) - (width - 1) / 2) / max((width - 1) / 2, 1e-12)
    r2 = (y[:, None] ** 2 + x[None, :] ** 2) / 2  # 1 at the corners
    return (1.0 - r2[..., None] * np.asarray(shading, np.float64)).astype(np.float32)


def shade(image, shading):
    """``image`` (``HxWx3``) darkened towards the corners by :func:`shading_gain`."""
    return image * shading_gain(image.shape[0], image.shape[1], shading)


def shot_noise(signal, profile, rng):
    """Photon shot noise: ``Poisson(x · F) / F`` (``F`` = :attr:`SensorProfile.full_well`)."""
    electrons = rng.poisson(np.clip(np.asarray(signal, np.float64), 0.0, None) * profile.full_well)
    return electrons / profile.full_well


def read_noise(signal, profile, rng):
    """Gaussian read noise of ``profile.read_noise`` DN, in image units (``/ D``)."""
    return signal + rng.normal(0.0, profile.read_noise / profile.scale, np.shape(signal))


def digitise(signal, profile):
    """Black level added, rounded and clipped to the ADC's range, black subtracted, clipped at 0."""
    counts = np.clip(np.round(signal * profile.scale + profile.black_level), 0, 2**profile.bit_depth - 1)
    return np.clip(counts - profile.black_level, 0, None) / profile.scale


def saturate(image, profile):
    """Each channel clipped at its own saturation (:attr:`SensorProfile.saturation`, at most 1)."""
    return np.minimum(image, profile.saturation)


def sensor(exposed, profile, rng):
    """Steps 3–6 on an exposed image (1 = the largest white level): float32 in [0, 1]."""
    noisy = read_noise(shot_noise(exposed, profile, rng), profile, rng)
    return saturate(digitise(noisy, profile), profile).astype(np.float32)


def capture(raw, profile, rng, clip_percent=1.0):
    """The ideal raw image ``raw`` (``HxWx3``, any scale) as the sensor records it (module docstring).

    Args:
        raw: ``HxWx3`` non-negative camera RGB, e.g. from :func:`tfcorrect.methods.illum_da.cameras.render`.
        profile: a :class:`SensorProfile`.
        rng: a ``numpy.random.Generator`` for the noise.
        clip_percent: share of pixels (in %) exposed to the largest white level.

    Returns:
        ``HxWx3`` float32 black-subtracted linear raw in [0, 1].
    """
    shaded = shade(np.asarray(raw, np.float32), profile.shading)
    return sensor(shaded / exposure_level(shaded, clip_percent), profile, rng)
