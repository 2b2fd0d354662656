"""Seed 004's homomorphic filter, its reflection mask, and ``PREPROCESS=homomorphic``.

An image is illumination times reflectance; in the log domain the product is a sum, and a
Gaussian high-emphasis transfer function

    H(D) = (gamma_H - gamma_L) * (1 - exp(-c * D**2 / D0**2)) + gamma_L

scales the slowly varying illumination (low frequencies) by ``gamma_L`` and the reflectance
(edges, high frequencies) by ``gamma_H``; ``exp`` undoes the log. ``D`` is measured in cycles
across the image's shorter side, so ``D0`` (``HOMO_CUTOFF``) means the same at every resolution.
The zero frequency (the mean log-luminance: the overall brightness) is kept, so the filter
evens out lighting without brightening or darkening the picture. The image is mirrored to twice
its size before the FFT, which makes it periodic without a jump at its borders.

With ``REFLECTION_ONLY`` the filtered image replaces the original only where light reflections
damaged it (bright, unsaturated, brighter than their surroundings: :func:`reflection_mask`),
blended through a feathered mask; pixels outside the feather are the original ones, bit for bit.
"""

import dataclasses

import cv2
import numpy as np

from tfcorrect.io.folders import mirror_paths, run_per_file
from tfcorrect.io.images import read_image, write_image
from tfcorrect.params import option

LOG_OFFSET = 1.0 / 255  # log(x + 1/255): an 8-bit black stays finite, as log(1 + I) does for I in 0..255


@dataclasses.dataclass(frozen=True)
class HomomorphicOptions:
    """Kim & Hwang's homomorphic filter and the reflection mask it is limited to."""

    homo_gamma_l: float = option(
        0.5, "Homomorphic filter: gain of the low frequencies (illumination) in the log domain; < 1 compresses "
        "uneven lighting and glare.", minimum=0.0, maximum=4.0
    )
    homo_gamma_h: float = option(
        1.5, "Homomorphic filter: gain of the high frequencies (reflectance, edges) in the log domain.",
        minimum=0.0, maximum=4.0
    )
    homo_cutoff: float = option(
        20.0, "Homomorphic filter: cutoff D0 of H = (GAMMA_H - GAMMA_L)(1 - exp(-C D^2/D0^2)) + GAMMA_L, in "
        "cycles across the shorter side (the same at every resolution).", minimum=0.1
    )
    homo_c: float = option(1.0, "Homomorphic filter: steepness C of the transfer function.", minimum=0.01)
    homo_channels: str = option(
        "luminance", "Homomorphic filter on 'luminance' (Y of YCrCb; colour kept) or on each 'rgb' channel.",
        choices=lambda: CHANNELS,
    )
    reflection_only: bool = option(
        False, "Homomorphic filter only where light reflections are (REFLECT_* mask), blended through a "
        "feathered edge; the rest of each image stays as it was."
    )
    reflect_value: float = option(
        0.85, "Reflection mask: minimum HSV value (brightness) of a reflection.", minimum=0.0, maximum=1.0
    )
    reflect_saturation: float = option(
        0.25, "Reflection mask: maximum HSV saturation of a reflection (glare is nearly white).",
        minimum=0.0, maximum=1.0
    )
    reflect_excess: float = option(
        0.1, "Reflection mask: minimum luminance above the mean of the surroundings (a specular spot stands "
        "out; a white wall or sky does not).", minimum=0.0, maximum=1.0
    )
    reflect_feather: float = option(
        0.02, "Reflection mask: radius of its soft edge (the mask is grown and blurred by it), as a share of "
        "the shorter side, so no seam shows.", minimum=0.001, maximum=0.5
    )


def _default(name):
    """The table's default of ``name``: the table and the library share one set of defaults."""
    return getattr(HomomorphicOptions(), name.lower())


@dataclasses.dataclass(frozen=True)
class Homomorphic:
    """The filter's and the mask's settings (the table's ``HOMO_*`` and ``REFLECT*`` parameters).

    Defaults are the table's (:class:`HomomorphicOptions`), except ``neighbourhood``, which is not a table parameter.

    Attributes:
        gamma_l: gain of the low frequencies (illumination) in the log domain (``HOMO_GAMMA_L``).
        gamma_h: gain of the high frequencies (reflectance) (``HOMO_GAMMA_H``).
        cutoff: ``D0``, in cycles across the shorter side (``HOMO_CUTOFF``).
        c: steepness of the transition (``HOMO_C``).
        channels: a key of :data:`CHANNELS`: ``"luminance"`` (colour kept) or ``"rgb"`` (each channel).
        reflection_only: filter only the reflection mask's area (``REFLECTION_ONLY``).
        min_value: a reflection's HSV value is at least this (``REFLECT_VALUE``).
        max_saturation: its HSV saturation is at most this (``REFLECT_SATURATION``).
        min_excess: its luminance exceeds the neighbourhood's mean by at least this (``REFLECT_EXCESS``).
        feather: width of the mask's soft edge, as a share of the shorter side (``REFLECT_FEATHER``).
        neighbourhood: Gaussian sigma of that neighbourhood, as a share of the shorter side.
    """

    gamma_l: float = _default("HOMO_GAMMA_L")
    gamma_h: float = _default("HOMO_GAMMA_H")
    cutoff: float = _default("HOMO_CUTOFF")
    c: float = _default("HOMO_C")
    channels: str = _default("HOMO_CHANNELS")
    reflection_only: bool = _default("REFLECTION_ONLY")
    min_value: float = _default("REFLECT_VALUE")
    max_saturation: float = _default("REFLECT_SATURATION")
    min_excess: float = _default("REFLECT_EXCESS")
    feather: float = _default("REFLECT_FEATHER")
    neighbourhood: float = 0.05

    @classmethod
    def from_params(cls, params):
        """The settings a resolved :class:`~tfcorrect.params.Params` gives."""
        return cls(gamma_l=params.homo_gamma_l, gamma_h=params.homo_gamma_h, cutoff=params.homo_cutoff,
                   c=params.homo_c, channels=params.homo_channels, reflection_only=params.reflection_only,
                   min_value=params.reflect_value, max_saturation=params.reflect_saturation,
                   min_excess=params.reflect_excess, feather=params.reflect_feather)


def transfer_function(shape, *, gamma_l, gamma_h, cutoff, c=1.0, side=None):
    """H on the ``numpy.fft.rfft2`` grid of an image of ``shape``, the zero frequency set to 1.

    Args:
        shape: ``(rows, columns)`` of the array transformed.
        gamma_l, gamma_h, cutoff, c: see :class:`Homomorphic`.
        side: the length ``D`` counts cycles across; default the shorter of ``shape``.

    Returns:
        float32 ``(rows, columns // 2 + 1)``.
    """
    rows, cols = shape
    side = min(shape) if side is None else side
    fy = np.fft.fftfreq(rows)[:, np.newaxis] * side  # cycles per side
    fx = np.fft.rfftfreq(cols)[np.newaxis, :] * side
    d2 = fy**2 + fx**2
    h = (gamma_h - gamma_l) * (1 - np.exp(-c * d2 / cutoff**2)) + gamma_l
    h[0, 0] = 1.0  # keep the mean: brightness stays, only its variation is compressed
    return h.astype(np.float32)


def filter_log(planes, settings):
    """Apply H to log images: ``(h, w, n)`` float planes, each filtered on its own.

    The planes are mirrored to ``(2h, 2w)`` first, so the FFT sees a periodic image without
    border jumps; the transfer function still counts cycles across the original shorter side.
    """
    h, w = planes.shape[:2]
    mirrored = np.pad(planes, ((0, h), (0, w), (0, 0)), mode="symmetric")  # (2h, 2w, n)
    transfer = transfer_function((2 * h, 2 * w), gamma_l=settings.gamma_l, gamma_h=settings.gamma_h,
                                 cutoff=settings.cutoff, c=settings.c, side=2 * min(h, w))
    spectrum = np.fft.rfft2(mirrored, axes=(0, 1)) * transfer[..., np.newaxis]  # (2h, w + 1, n)
    return np.fft.irfft2(spectrum, s=(2 * h, 2 * w), axes=(0, 1))[:h, :w].astype(np.float32)


def _homomorphic(planes, settings):
    """log -> H -> exp on ``(h, w, n)`` planes in [0, 1]."""
    logs = np.log(planes.astype(np.float32) + LOG_OFFSET)
    return np.clip(np.exp(filter_log(logs, settings)) - LOG_OFFSET, 0.0, 1.0)


def _filter_luminance(image, settings):
    """Filter Y of YCrCb; the chroma planes are kept."""
    if image.shape[2] == 1:
        return _homomorphic(image, settings)
    ycrcb = cv2.cvtColor(image, cv2.COLOR_RGB2YCrCb)  # float32: Y in [0, 1], Cr/Cb around 0.5
    ycrcb[..., :1] = _homomorphic(ycrcb[..., :1], settings)
    return np.clip(cv2.cvtColor(ycrcb, cv2.COLOR_YCrCb2RGB), 0.0, 1.0)


def _filter_rgb(image, settings):
    return _homomorphic(image, settings)


# HOMO_CHANNELS -> what the filter is applied to.
CHANNELS = {"luminance": _filter_luminance, "rgb": _filter_rgb}


def homomorphic_filter(image, settings=Homomorphic()):
    """The homomorphic filter of a whole image.

    Args:
        image: float ``HxWx3`` RGB or ``HxWx1`` gray in [0, 1].
        settings: a :class:`Homomorphic`.

    Returns:
        float32 array of the image's shape, in [0, 1].

    Raises:
        ValueError: unknown ``settings.channels`` or an image of another shape.
    """
    image = np.asarray(image, np.float32)
    if image.ndim != 3 or image.shape[2] not in (1, 3):
        raise ValueError(f"expected an HxWx3 or HxWx1 image, got shape {image.shape}")
    if settings.channels not in CHANNELS:
        raise ValueError(f"unknown channels {settings.channels!r}; known: {', '.join(CHANNELS)}")
    return CHANNELS[settings.channels](image, settings)


def reflection_mask(image, settings=Homomorphic()):
    """Where light reflections damaged the image: bright, unsaturated and brighter than around.

    Args:
        image: float ``HxWx3`` RGB or ``HxWx1`` gray in [0, 1].
        settings: a :class:`Homomorphic` (``min_value``, ``max_saturation``, ``min_excess``,
            ``neighbourhood``).

    Returns:
        bool ``HxW``.
    """
    image = np.asarray(image, np.float32)
    rgb = np.repeat(image, 3, axis=2) if image.shape[2] == 1 else image
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)  # float32: S and V in [0, 1]
    luminance = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    sigma = settings.neighbourhood * min(image.shape[:2])
    around = cv2.GaussianBlur(luminance, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
    return ((hsv[..., 2] >= settings.min_value) & (hsv[..., 1] <= settings.max_saturation)
            & (luminance - around >= settings.min_excess))


def feathered_mask(mask, feather):
    """A soft version of a bool mask: 1 over it, falling to exactly 0 within a few feather widths.

    The mask is grown by the feather radius (the halo round a highlight belongs to it), then
    blurred with a Gaussian of half that radius, whose kernel is cut at three sigmas.

    Args:
        mask: bool ``HxW``.
        feather: the radius, as a share of the shorter side.

    Returns:
        float32 ``HxW`` in [0, 1]; 0 wherever the grown mask is more than 1.5 radii away.
    """
    radius = max(1, round(feather * min(mask.shape)))
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    grown = cv2.dilate(mask.astype(np.uint8), disk).astype(np.float32)
    sigma = radius / 2
    size = 2 * int(np.ceil(3 * sigma)) + 1
    return np.clip(cv2.GaussianBlur(grown, (size, size), sigma, borderType=cv2.BORDER_REFLECT), 0.0, 1.0)


def preprocess_image(image, settings=Homomorphic()):
    """``PREPROCESS=homomorphic`` of one image: filtered whole, or only where reflections are.

    Returns:
        ``(pixels, weight)``: the float32 result in [0, 1] and the ``HxW`` share of the filtered
        image in each pixel (all ones without ``reflection_only``). Where the weight is 0 the
        pixels are the input's, unchanged.
    """
    image = np.asarray(image, np.float32)
    filtered = homomorphic_filter(image, settings)
    if not settings.reflection_only:
        return filtered, np.ones(image.shape[:2], np.float32)
    weight = feathered_mask(reflection_mask(image, settings), settings.feather)
    blended = image + weight[..., np.newaxis] * (filtered - image)
    return np.where(weight[..., np.newaxis] > 0, blended, image), weight


def homomorphic_folder(source, output_dir, *, settings=Homomorphic(), progress=True):
    """``tfcorrect-data homomorphic``: every image below ``source`` filtered into ``output_dir``.

    Outputs are PNG at the inputs' relative paths, of the input's bit depth, alpha and channels.

    Returns:
        ``(written, failed)`` counts.

    Raises:
        UserError: ``source`` is missing or empty, or the folders overlap.
    """
    def work(src, dst):
        image = read_image(src)
        pixels = preprocess_image(image.pixels, settings)[0]
        write_image(dst, pixels, alpha=image.alpha, bit_depth=image.bit_depth)

    return run_per_file(mirror_paths(source, output_dir, suffix=".png"), work, progress=progress)
