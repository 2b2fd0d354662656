"""A physically based two-camera colour-constancy data set made from ordinary photos (``simulate-cameras``).

The physics, per pixel and wavelength λ (380–780 nm in 5 nm steps; all spectra from ``colour-science``):

1. **Reflectance.** The photo's sRGB values are decoded to linear sRGB ``(r, g, b)`` and read as the
   colour of a surface seen under D65. Mallett and Yuksel (2019) give three basis spectra
   ``B_r, B_g, B_b`` (``colour.recovery.MSDS_BASIS_FUNCTIONS_sRGB_MALLETT2019``), each in [0, 1] and
   summing to 1 at every λ, whose colours are the sRGB primaries: ``ρ(λ) = r·B_r(λ) + g·B_g(λ) + b·B_b(λ)``
   is a plausible reflectance in [0, 1] with that colour, and white (1, 1, 1) is the perfect
   reflector ``ρ = 1``. Per pixel this is a product with a fixed ``(81, 3)`` basis.
2. **Light.** A spectral power distribution ``L(λ)`` drawn at random, one third each: CIE daylight
   (D series, 4000–10000 K), a Planckian (blackbody) radiator (2500–10000 K), both uniform in
   reciprocal temperature (mired), and a measured lamp from ``colour.SDS_LIGHT_SOURCES`` (fluorescent,
   LED, metal halide, incandescent, ...) whose correlated colour temperature is within 2500–10000 K and
   whose chromaticity is within Duv 0.02 of the Planckian locus (this leaves out sodium lamps and a
   green mercury lamp).
3. **Camera.** A camera's measured spectral sensitivities ``S_k(λ)``, ``k`` = R, G, B: camera ``C`` is
   the Canon EOS 5D Mark II of the rawtoaces characterisation data shipped in
   ``colour.characterisation``, ``N`` the Nikon 5100 and ``S`` the Sigma SD Merrill, both measured by
   the NPL (``colour.MSDS_CAMERA_SENSITIVITIES``). The raw value is ``Σ_λ S_k(λ) L(λ) ρ(λ)``, linear in
   ``(r, g, b)``: a 3×3 matrix ``M_kc = Σ_λ S_k(λ) L(λ) B_c(λ)`` per camera and light.
4. **Ground truth.** The camera's response to the perfect white surface under the same light,
   ``Σ_λ S_k(λ) L(λ)``: what a gray card would give, the usual definition of the illuminant.
5. **Exposure.** Each image is scaled, as an auto-exposed raw is, so that its brightest ``clip_percent``
   % of pixels (by their largest channel; 1 % by default) reach the sensor's saturation, and clipped
   at 1; ``clip_percent=0`` scales the largest value to 1 and nothing clips. Clipping matters: an sRGB
   photo's blown highlights are white, so unclipped they would hand white-patch the light exactly,
   while in a raw capture they saturate. The scale does not change the illuminant's direction.
   Written as 16-bit linear PNG. No sensor noise, no mosaic, no black level.

Because two cameras' sensitivities differ, the same scene under the same light gives different raw
colours and a different ground truth on each: the domain shift the colour-constancy method learns
to ignore.
"""

import dataclasses
import functools
import os
import pathlib
import warnings

import colour
import numpy as np

from tfcorrect.methods.illum_da.illuminants import ILLUMINANTS_CSV, write_illuminants
from tfcorrect.errors import UserError
from tfcorrect.io.folders import mirror_paths, run_per_file
from tfcorrect.io.images import read_rgb, shrink_to, write_image

SHAPE = colour.SpectralShape(380, 780, 5)
# Camera short name -> where its measured sensitivities come from.
CAMERAS = {"C": "Canon EOS 5D Mark II (rawtoaces)", "N": "Nikon 5100 (NPL)", "S": "Sigma SDMerill (NPL)"}
CCT_RANGE = (2500.0, 10000.0)
DAYLIGHT_MIN_CCT = 4000.0  # the CIE D series is defined from 4000 K
MAX_DUV = 0.02
LIGHT_KINDS = ("daylight", "blackbody", "lamp")


@dataclasses.dataclass(frozen=True)
class Light:
    """A light source: its name and spectral power on :data:`SHAPE` (``(81,)``, any scale)."""

    name: str
    spectrum: np.ndarray


def _aligned(sd):
    """A spectral distribution on :data:`SHAPE`; zero outside its measured range."""
    return sd.copy().align(SHAPE, extrapolator_kwargs={"method": "Constant", "left": 0, "right": 0})


@functools.cache
def camera_sensitivities(camera):
    """A camera's measured spectral sensitivities.

    Args:
        camera: a key of :data:`CAMERAS`.

    Returns:
        ``(81, 3)`` float64: R, G, B sensitivity at each wavelength of :data:`SHAPE`, zero outside the
        measured range and where the measurement dips below zero.

    Raises:
        UserError: an unknown camera.
    """
    if camera not in CAMERAS:
        raise UserError(f"unknown camera {camera!r}; known: " + ", ".join(f"{k} ({v})" for k, v in CAMERAS.items()))
    if camera == "C":
        from colour.characterisation.aces_it import ROOT_RESOURCES_RAWTOACES

        path = os.path.join(ROOT_RESOURCES_RAWTOACES, "CANON_EOS_5DMark_II_RGB_Sensitivities.csv")
        msds = colour.characterisation.RGB_CameraSensitivities(colour.io.read_sds_from_csv_file(path))
    else:
        msds = colour.MSDS_CAMERA_SENSITIVITIES[CAMERAS[camera]]
    return np.clip(np.asarray(_aligned(msds).values, np.float64), 0, None)  # NPL data has tiny negative noise


@functools.cache
def reflectance_basis():
    """Mallett and Yuksel's (2019) sRGB basis: ``(81, 3)``, reflectance = basis @ linear sRGB."""
    return np.asarray(_aligned(colour.recovery.MSDS_BASIS_FUNCTIONS_sRGB_MALLETT2019).values, np.float64)


def daylight(cct):
    """CIE daylight (D series) of a correlated colour temperature in kelvin (>= 4000)."""
    xy = colour.temperature.CCT_to_xy_CIE_D(cct)
    return Light(f"daylight {cct:.0f}K", np.asarray(_aligned(colour.sd_CIE_illuminant_D_series(xy)).values))


def blackbody(temperature):
    """A Planckian radiator at ``temperature`` kelvin."""
    return Light(f"blackbody {temperature:.0f}K", np.asarray(colour.sd_blackbody(temperature, SHAPE).values))


@functools.cache
def lamps():
    """The measured lamps of ``colour.SDS_LIGHT_SOURCES`` near the Planckian locus within :data:`CCT_RANGE`.

    Returns:
        A tuple of :class:`Light` named ``lamp <name>``.
    """
    cmfs = _aligned(colour.MSDS_CMFS["CIE 1931 2 Degree Standard Observer"]).values  # (81, 3)
    kept = []
    for name, sd in colour.SDS_LIGHT_SOURCES.items():
        spectrum = _aligned(sd)
        uv = colour.xy_to_UCS_uv(colour.XYZ_to_xy(cmfs.T @ spectrum.values))  # an emitter's own colour
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # colour warns about chromaticities far from the locus
            cct, duv = colour.uv_to_CCT(uv, "Ohno 2013")
        if CCT_RANGE[0] <= cct <= CCT_RANGE[1] and abs(duv) <= MAX_DUV:
            kept.append(Light(f"lamp {name}", np.asarray(spectrum.values)))
    return tuple(kept)


def _mired_uniform(rng, low, high):
    """A temperature drawn uniformly in reciprocal temperature between ``low`` and ``high`` kelvin."""
    return 1e6 / rng.uniform(1e6 / high, 1e6 / low)


def draw_light(rng):
    """One light: daylight, blackbody or a measured lamp (one third each), see the module docstring."""
    kind = LIGHT_KINDS[rng.integers(len(LIGHT_KINDS))]
    if kind == "daylight":
        return daylight(_mired_uniform(rng, DAYLIGHT_MIN_CCT, CCT_RANGE[1]))
    if kind == "blackbody":
        return blackbody(_mired_uniform(rng, *CCT_RANGE))
    choices = lamps()
    return choices[rng.integers(len(choices))]


def white_response(camera, light):
    """The camera's raw RGB for the perfect white reflector under ``light``: the ground-truth illuminant."""
    return camera_sensitivities(camera).T @ light.spectrum  # (3,)


def render(linear_srgb, camera, light):
    """What ``camera`` records of the scene ``linear_srgb`` lit by ``light`` (module docstring, steps 1–3).

    Args:
        linear_srgb: ``HxWx3`` linear sRGB in [0, 1], the scene's reflectance colours.
        camera: a key of :data:`CAMERAS`.
        light: a :class:`Light`.

    Returns:
        ``HxWx3`` float32 raw RGB, unscaled (divide by the maximum to expose).
    """
    weighted = camera_sensitivities(camera) * light.spectrum[:, None]  # (81, 3): S_k(λ) L(λ)
    matrix = weighted.T @ reflectance_basis()  # (3 camera channels, 3 sRGB primaries)
    return (np.asarray(linear_srgb, np.float32) @ matrix.T.astype(np.float32)).astype(np.float32)


def parse_cameras(text):
    """``"C,N"`` as ``("C", "N")``.

    Raises:
        UserError: an unknown name, a repeated one, or fewer than one.
    """
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    for name in names:
        camera_sensitivities(name)  # raises for an unknown name
    if not names or len(set(names)) < len(names):
        raise UserError(f"--cameras must name distinct cameras from {', '.join(CAMERAS)}, not '{text}'")
    return names


def expose(raw, clip_percent):
    """``raw`` scaled so its brightest ``clip_percent`` % of pixels saturate, clipped to [0, 1] (docstring, step 5)."""
    level = np.percentile(raw.max(axis=-1), 100.0 - clip_percent) if clip_percent else raw.max()
    return np.clip(raw / max(float(level), 1e-12), 0.0, 1.0)


def simulate_cameras_folder(source, output_dir, *, cameras=("C", "N"), per_photo=2, seed=0, long_side=512,
                            split=False, clip_percent=1.0, progress=True):
    """Write an ``illuminant`` folder: each photo lit by random lights and seen by each camera.

    For photo ``i`` (in sorted order) the lights are drawn from a generator seeded by ``(seed, i)``, so a
    photo's images do not depend on which other photos are there. Writes
    ``output_dir/images/<rel dir>/<stem>_<camera>_<k>.png`` (16-bit linear, ``k`` = 0 .. per_photo - 1;
    with both cameras, light ``k`` is the same light for each) and ``output_dir/illuminants.csv``
    (``file,r,g,b,camera,source,light``; ``source`` is the photo's path relative to ``source``).

    Args:
        source: a photo (sRGB, any format) or a folder searched recursively.
        output_dir: the folder to write; not ``source`` nor inside it.
        cameras: camera short names (keys of :data:`CAMERAS`).
        per_photo: lights per photo (and camera).
        seed: random seed of the lights (and of the split).
        long_side: photos are shrunk so their longer side is at most this many pixels.
        split: each photo seen by one camera only (cameras dealt out evenly at random) instead of all.
        clip_percent: share of pixels (in %, 0 to 50) exposed to saturation, see :func:`expose`.
        progress: show a progress bar.

    Returns:
        ``(written, failed)`` counts of photos.

    Raises:
        UserError: bad options, ``source`` missing or without images, or overlapping folders.
    """
    if per_photo < 1 or long_side < 8 or not 0 <= clip_percent <= 50:
        raise UserError(f"--per-photo must be at least 1, --long-side at least 8 and --clip-percent in [0, 50], "
                        f"not {per_photo}, {long_side}, {clip_percent}")
    cameras = tuple(cameras)
    for camera in cameras:
        camera_sensitivities(camera)
    output_dir = pathlib.Path(output_dir)
    pairs = mirror_paths(source, output_dir / "images", suffix=".png")
    if output_dir.resolve() in pathlib.Path(source).resolve().parents:
        raise UserError(f"{source}: the source must not be inside the output folder {output_dir}")
    root = pathlib.Path(source) if pathlib.Path(source).is_dir() else pathlib.Path(source).parent
    deal = np.random.default_rng(seed).permutation(len(pairs)) % len(cameras)
    rows = {}  # photo index -> its CSV rows, once all its images are written

    def work(index, src, dst):
        photo = shrink_to(colour.cctf_decoding(read_rgb(src)[0], function="sRGB").astype(np.float32), long_side)
        rng = np.random.default_rng([seed, index])
        lights = [draw_light(rng) for _ in range(per_photo)]
        seen_by = (cameras[deal[index]],) if split else cameras
        written = []
        for k, light in enumerate(lights):
            for camera in seen_by:
                raw = render(photo, camera, light)
                path = dst.with_name(f"{dst.stem}_{camera}_{k}.png")
                write_image(path, expose(raw, clip_percent), bit_depth=16)
                r, g, b = white_response(camera, light)
                written.append({"file": path.relative_to(output_dir).as_posix(), "r": r, "g": g, "b": b,
                                "camera": camera, "source": src.relative_to(root).as_posix(), "light": light.name})
        rows[index] = written

    index_of = {src: i for i, (src, _) in enumerate(pairs)}
    result = run_per_file(pairs, lambda src, dst: work(index_of[src], src, dst), progress=progress)
    if rows:
        write_illuminants(output_dir / ILLUMINANTS_CSV, [row for i in sorted(rows) for row in rows[i]])
    return result
