"""A physically based two-camera colour-constancy data set made from ordinary photos (``simulate-cameras``).

The physics, per pixel and wavelength λ (380–780 nm in 5 nm steps; all spectra from ``colour-science``):

1. **Reflectance.** The photo's sRGB values are decoded to linear sRGB ``(r, g, b)`` and read as the
   colour of a surface seen under D65. Mallett and Yuksel (2019) give three basis spectra
   ``B_r, B_g, B_b`` (``colour.recovery.MSDS_BASIS_FUNCTIONS_sRGB_MALLETT2019``), each in [0, 1] and
   summing to 1 at every λ, whose colours are the sRGB primaries: ``ρ(λ) = r·B_r(λ) + g·B_g(λ) + b·B_b(λ)``
   is a plausible reflectance in [0, 1] with that colour, and white (1, 1, 1) is the perfect
   reflector ``ρ = 1``. Per pixel this is a product with a fixed ``(81, 3)`` basis.
2. **Light.** A spectral power distribution ``L(λ)`` drawn from a prior over daylight, blackbody
   (incandescent) and measured lamps (:mod:`~tfcorrect.methods.illum_da.lights`): by default ``mixed``,
   mostly outdoor daylight as in real data sets; each camera may have its own (``--lights
   C=outdoor,N=indoor``), so the cameras' data sets differ in their lights as real ones do.
3. **Camera.** A camera's spectral sensitivities ``S_k(λ)``, ``k`` = R, G, B: the three measured ones
   ``colour-science`` ships (``C`` Canon EOS 5D Mark II, ``N`` Nikon 5100, ``S`` Sigma SD Merrill) or a
   synthetic ``X<k>`` made by mixing, shifting and stretching them (:mod:`~tfcorrect.methods.illum_da.sensors`).
   The raw value is ``Σ_λ S_k(λ) L(λ) ρ(λ)``, linear in ``(r, g, b)``: a 3×3 matrix
   ``M_kc = Σ_λ S_k(λ) L(λ) B_c(λ)`` per camera and light.
4. **Ground truth.** The camera's response to the perfect white surface under the same light,
   ``Σ_λ S_k(λ) L(λ)``: what a gray card would give, the usual definition of the illuminant.
5. **Capture** (``raw_effects``, on by default; :mod:`~tfcorrect.methods.illum_da.capture`): lens
   shading, exposure so the brightest ``clip_percent`` % of pixels (1 % by default) reach the sensor's
   white level, shot and read noise, a black level added by the ADC and subtracted again, and each
   channel clipped at its own saturation, with each camera's sensor constants. Clipping matters: an
   sRGB photo's blown highlights are white, so unclipped they would hand white-patch the light
   exactly. ``raw_effects=False`` only exposes and clips at 1 (the ideal sensor of earlier releases).
   Written as 16-bit linear PNG; no mosaic.

Because two cameras' sensitivities differ, the same scene under the same light gives different raw
colours and a different ground truth on each: the domain shift the colour-constancy method learns
to ignore.
"""

import functools
import pathlib
import re

import colour
import numpy as np

from tfcorrect.errors import UserError
from tfcorrect.io.folders import mirror_paths, run_per_file
from tfcorrect.io.images import read_rgb, shrink_to, write_image
from tfcorrect.methods.illum_da.capture import capture, expose, profile_for
from tfcorrect.methods.illum_da.illuminants import ILLUMINANTS_CSV, write_illuminants
from tfcorrect.methods.illum_da.lights import aligned, draw_light, parse_lights
from tfcorrect.methods.illum_da.sensors import CAMERAS, camera_sensitivities


@functools.cache
def reflectance_basis():
    """Mallett and Yuksel's (2019) sRGB basis: ``(81, 3)``, reflectance = basis @ linear sRGB."""
    return np.asarray(aligned(colour.recovery.MSDS_BASIS_FUNCTIONS_sRGB_MALLETT2019).values, np.float64)


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
    """``"C,N"`` as ``("C", "N")``; ``X0..X3`` stands for ``X0,X1,X2,X3`` (synthetic cameras).

    Raises:
        UserError: an unknown name, a repeated one, or fewer than one.
    """
    names = []
    for item in (n.strip() for n in text.split(",") if n.strip()):
        span = re.fullmatch(r"X(\d+)\.\.X?(\d+)", item)
        names += [f"X{k}" for k in range(int(span[1]), int(span[2]) + 1)] if span else [item]
    for name in names:
        camera_sensitivities(name)  # raises for an unknown name
    if not names or len(set(names)) < len(names):
        raise UserError(f"--cameras must name distinct cameras from {', '.join(CAMERAS)} or X<k>, not '{text}'")
    return tuple(names)


def simulate_cameras_folder(source, output_dir, *, cameras=("C", "N"), per_photo=2, seed=0, long_side=512,
                            split=False, clip_percent=1.0, raw_effects=True, lights="mixed", progress=True):
    """Write an ``illuminant`` folder: each photo lit by random lights and seen by each camera.

    For photo ``i`` (in sorted order) the lights are drawn from a generator seeded by ``(seed, i)``, so a
    photo's images do not depend on which other photos are there. Writes
    ``output_dir/images/<rel dir>/<stem>_<camera>_<k>.png`` (16-bit linear, ``k`` = 0 .. per_photo - 1;
    with both cameras, light ``k`` is the same light for each) and ``output_dir/illuminants.csv``
    (``file,r,g,b,camera,source,light``; ``source`` is the photo's path relative to ``source``). When
    the cameras' light priors differ, each camera draws its own lights (generator ``(seed, i, camera)``).

    Args:
        source: a photo (sRGB, any format) or a folder searched recursively.
        output_dir: the folder to write; not ``source`` nor inside it.
        cameras: camera short names (keys of :data:`CAMERAS`).
        per_photo: lights per photo (and camera).
        seed: random seed of the lights (and of the split).
        long_side: photos are shrunk so their longer side is at most this many pixels.
        split: each photo seen by one camera only (cameras dealt out evenly at random) instead of all.
        clip_percent: share of pixels (in %, 0 to 50) exposed to saturation, see :func:`expose`.
        raw_effects: add shading, noise, black level and per-channel saturation (module docstring, step 5).
        lights: a light prior's name for every camera, or ``"C=outdoor,N=indoor"`` (or a mapping),
            see :func:`~tfcorrect.methods.illum_da.lights.parse_lights`.
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
    priors = parse_lights(lights, cameras)
    shared_lights = len(set(priors.values())) == 1
    output_dir = pathlib.Path(output_dir)
    pairs = mirror_paths(source, output_dir / "images", suffix=".png")
    if output_dir.resolve() in pathlib.Path(source).resolve().parents:
        raise UserError(f"{source}: the source must not be inside the output folder {output_dir}")
    root = pathlib.Path(source) if pathlib.Path(source).is_dir() else pathlib.Path(source).parent
    deal = np.random.default_rng(seed).permutation(len(pairs)) % len(cameras)
    rows = {}  # photo index -> its CSV rows, once all its images are written

    def work(index, src, dst):
        photo = shrink_to(colour.cctf_decoding(read_rgb(src)[0], function="sRGB").astype(np.float32), long_side)
        seen_by = (cameras[deal[index]],) if split else cameras
        if shared_lights:
            rng = np.random.default_rng([seed, index])
            shared = [draw_light(rng, priors[seen_by[0]]) for _ in range(per_photo)]
        written = []
        for c, camera in enumerate(seen_by):
            if not shared_lights:
                rng = np.random.default_rng([seed, index, cameras.index(camera) + 1])
            lights_seen = shared if shared_lights else [draw_light(rng, priors[camera]) for _ in range(per_photo)]
            for k, light in enumerate(lights_seen):
                raw = render(photo, camera, light)
                if raw_effects:
                    noise = np.random.default_rng([seed, index, k, cameras.index(camera), 7])
                    recorded = capture(raw, profile_for(camera), noise, clip_percent)
                else:
                    recorded = expose(raw, clip_percent)
                path = dst.with_name(f"{dst.stem}_{camera}_{k}.png")
                write_image(path, recorded, bit_depth=16)
                r, g, b = white_response(camera, light)
                written.append({"file": path.relative_to(output_dir).as_posix(), "r": r, "g": g, "b": b,
                                "camera": camera, "source": src.relative_to(root).as_posix(), "light": light.name})
        rows[index] = written

    index_of = {src: i for i, (src, _) in enumerate(pairs)}
    result = run_per_file(pairs, lambda src, dst: work(index_of[src], src, dst), progress=progress)
    if rows:
        write_illuminants(output_dir / ILLUMINANTS_CSV, [row for i in sorted(rows) for row in rows[i]])
    return result
