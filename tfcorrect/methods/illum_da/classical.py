"""Colour constancy: the angular error, its summary statistics, classical illuminant estimators, von Kries.

Images here are *linear* camera RGB (raw values, black level removed), float ``HxWx3``; an illuminant
is the camera's RGB response to a white surface under the light, of any positive scale. Each
estimator returns a unit-norm RGB estimate; only its direction matters, which is what the angular
error measures.

The estimators are the classical family of van de Weijer, Gevers and Gijsenij (2007),
``e ∝ (∫ |∂ⁿ f_σ / ∂xⁿ|^p dx)^(1/p)``: gray-world (n = 0, p = 1), white-patch / max-RGB (n = 0,
p = ∞), shades-of-gray (n = 0, p = 6, Finlayson and Trezzi 2004) and first-order gray-edge (n = 1).
"""

import numpy as np
from scipy import ndimage

STATISTICS = ("mean", "median", "trimean", "best25", "worst25", "p95")
SATURATION = 0.98  # pixels with a channel at or above this are treated as clipped
CLIPPED_PEAK = 0.9  # a channel whose image maximum is above this may have clipped at its own level
_NEUTRAL = np.full(3, 1 / np.sqrt(3))


def angular_error(estimate, truth):
    """The angle between estimated and true illuminants, in degrees.

    Args:
        estimate: ``(..., 3)`` RGB illuminants, any positive scale.
        truth: ``(..., 3)`` RGB illuminants, broadcastable against ``estimate``.

    Returns:
        ``(...)`` float64 angles in [0, 180]; NaN where a vector is all zeros.
    """
    estimate, truth = np.asarray(estimate, np.float64), np.asarray(truth, np.float64)
    norms = np.linalg.norm(estimate, axis=-1) * np.linalg.norm(truth, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cosine = np.sum(estimate * truth, axis=-1) / norms
    return np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0)))


def error_statistics(errors):
    """Summary statistics of angular errors, in the convention of FC4 (Hu et al. 2017, ``get_summary``).

    With the errors sorted ascending and ``n`` of them: ``median`` and ``p95`` are numpy's linearly
    interpolated percentiles; ``trimean = (Q1 + 2·Q2 + Q3) / 4`` on those percentiles; ``best25`` is the
    mean of the first ``floor(n / 4)`` errors and ``worst25`` the mean of the errors from index
    ``floor(3n / 4)`` on. (FFCC instead averages the errors ``<=`` / ``>=`` MATLAB's 25th / 75th
    quantile, which differs slightly with ties and small ``n``.) With fewer than 4 errors ``best25``
    is the smallest error (FC4 would give the mean of nothing).

    Args:
        errors: angular errors in degrees, any shape; NaNs are ignored.

    Returns:
        ``{name: float}`` for each of :data:`STATISTICS`; all NaN when there is no finite error.
    """
    errors = np.sort(np.asarray(errors, np.float64).ravel())
    errors = errors[np.isfinite(errors)]
    n = errors.size
    if n == 0:
        return {name: float("nan") for name in STATISTICS}
    q1, q2, q3, p95 = np.percentile(errors, [25, 50, 75, 95])
    return {"mean": float(errors.mean()), "median": float(q2), "trimean": float((q1 + 2 * q2 + q3) / 4),
            "best25": float(errors[:max(1, n // 4)].mean()), "worst25": float(errors[(3 * n) // 4:].mean()),
            "p95": float(p95)}


def _unit(rgb):
    """``rgb`` scaled to unit length; the neutral direction when it is zero or not finite."""
    rgb = np.asarray(rgb, np.float64)
    norm = np.linalg.norm(rgb)
    return rgb / norm if np.isfinite(norm) and norm > 0 else _NEUTRAL.copy()


def _pixels(image):
    """``(N, 3)`` float64 pixels of an ``HxWx3`` image."""
    image = np.asarray(image, np.float64)
    if image.ndim != 3 or image.shape[-1] != 3:
        raise ValueError(f"expected an HxWx3 image, got shape {image.shape}")
    return image.reshape(-1, 3)


def gray_world(image):
    """Gray-world (Buchsbaum 1980): the scene's mean reflectance is gray, so the mean pixel is the light.

    Args:
        image: ``HxWx3`` linear RGB.

    Returns:
        ``(3,)`` unit-norm illuminant estimate.
    """
    return _unit(_pixels(image).mean(axis=0))


def white_patch(image, percentile=100.0):
    """White-patch / max-RGB (Land 1977): the brightest value of each channel is the light's.

    Args:
        image: ``HxWx3`` linear RGB.
        percentile: 100 takes each channel's maximum; lower values (e.g. 99) are robust to a few
            hot or clipped pixels.

    Returns:
        ``(3,)`` unit-norm illuminant estimate.
    """
    if not 0 < percentile <= 100:
        raise ValueError(f"percentile must be in (0, 100], not {percentile}")
    return _unit(np.percentile(_pixels(image), percentile, axis=0))


def shades_of_gray(image, p=6):
    """Shades-of-gray (Finlayson and Trezzi 2004): each channel's Minkowski ``p``-norm.

    Args:
        image: ``HxWx3`` linear RGB.
        p: the norm; 1 is gray-world, infinity white-patch, 6 the usual choice.

    Returns:
        ``(3,)`` unit-norm illuminant estimate.
    """
    if p < 1:
        raise ValueError(f"p must be at least 1, not {p}")
    pixels = _pixels(image)
    scale = max(pixels.max(), np.finfo(np.float64).tiny)  # avoids overflow of x^p
    return _unit(np.mean((pixels / scale) ** p, axis=0) ** (1 / p))


def gray_edge(image, p=1, sigma=1.0):
    """First-order gray-edge (van de Weijer et al. 2007): the mean edge is achromatic.

    Each channel is smoothed by a Gaussian of ``sigma`` pixels and differentiated (Gaussian derivative
    filters, ``scipy.ndimage.gaussian_gradient_magnitude``); the Minkowski ``p``-norm of the gradient
    magnitude over the image is that channel's estimate.

    Args:
        image: ``HxWx3`` linear RGB.
        p: Minkowski norm over pixels.
        sigma: Gaussian scale in pixels (> 0).

    Returns:
        ``(3,)`` unit-norm illuminant estimate.
    """
    if p < 1 or sigma <= 0:
        raise ValueError(f"gray_edge needs p >= 1 and sigma > 0, not p={p}, sigma={sigma}")
    image = np.asarray(image, np.float64)
    _pixels(image)  # checks the shape
    edges = np.stack([ndimage.gaussian_gradient_magnitude(image[..., c], sigma) for c in range(3)], axis=-1)
    return shades_of_gray(edges, p)


def mask_saturated(image, level=SATURATION):
    """``image`` with every pixel that has a clipped channel set to 0.

    A channel is clipped at or above ``level``, or at or above ``level`` times its own maximum in the
    image when that maximum is above ``CLIPPED_PEAK``: raw channels saturate at their own white levels
    (a Foveon's red at 0.95 of its green, say), so a fixed threshold would miss them.

    Clipped pixels no longer hold the light's colour; zeroed, they do not move the estimators above
    (gray-edge sees an edge at the mask's border, as in the published evaluations that mask this way).

    Args:
        image: ``HxWx3`` linear RGB in [0, 1].
        level: the saturation level.

    Returns:
        float32 ``HxWx3``.
    """
    image = np.asarray(image, np.float32)
    peak = image.reshape(-1, 3).max(axis=0)
    limit = np.where(peak > CLIPPED_PEAK, level * peak, level).astype(np.float32)
    return np.where(np.any(image >= limit, axis=-1, keepdims=True), np.float32(0), image)


def correct(image, illuminant):
    """Von Kries correction: each channel divided by the illuminant's, scaled so green is unchanged.

    Args:
        image: ``HxWx3`` linear RGB.
        illuminant: ``(3,)`` RGB of the light, any positive scale.

    Returns:
        float32 ``HxWx3``: the image as under a white light of the same green; not clipped.

    Raises:
        ValueError: a channel of the illuminant is not positive.
    """
    illuminant = np.asarray(illuminant, np.float64)
    if illuminant.shape != (3,) or not np.all(illuminant > 0):
        raise ValueError(f"the illuminant must be 3 positive values, not {illuminant}")
    return (np.asarray(image, np.float32) * (illuminant[1] / illuminant).astype(np.float32)).astype(np.float32)


# Estimator name (as tfcorrect-eval reports it) -> estimate(image) -> (3,) unit-norm illuminant.
ESTIMATORS = {
    "gray_world": gray_world,
    "white_patch": white_patch,
    "shades_of_gray": shades_of_gray,
    "gray_edge": gray_edge,
}
