"""Exposure in linear light: sRGB transfer functions, EV rendering and global re-exposure.

All functions take float tensors (or arrays) of encoded sRGB values in [0, 1] with the
channels last and work on any leading shape, so the same code serves the data pipeline,
the generator's layers and the demo's baseline.
"""

import cv2
import numpy as np
import tensorflow as tf

MID_GRAY = 0.5


def srgb_to_linear(x):
    """Decode sRGB values in [0, 1] to linear light (IEC 61966-2-1)."""
    x = tf.clip_by_value(tf.convert_to_tensor(x, tf.float32), 0.0, 1.0)
    return tf.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(x, clip=True):
    """Encode linear light in [0, 1] to sRGB values in [0, 1].

    With ``clip=False`` values above 1 are encoded by the same curve instead of clipped,
    which keeps a gradient for a network whose output overshoots.
    """
    x = tf.convert_to_tensor(x, tf.float32)
    x = tf.clip_by_value(x, 0.0, 1.0) if clip else tf.maximum(x, 0.0)
    # The floor keeps the power's gradient finite where x is zero.
    return tf.where(x <= 0.0031308, x * 12.92, 1.055 * tf.maximum(x, 0.0031308) ** (1 / 2.4) - 0.055)


def render_exposure(x, ev):
    """An sRGB image as it would look ``ev`` stops brighter (clipped like a sensor)."""
    return linear_to_srgb(srgb_to_linear(x) * 2.0 ** tf.cast(ev, tf.float32))


def reexposure_gain(x, target=MID_GRAY, iterations=24):
    """Per-image linear gain that brings the mean encoded value of ``x`` to ``target``.

    Args:
        x: encoded sRGB images, shape ``(b, h, w, c)``.
        target: the wanted mean of the re-encoded image.
        iterations: bisection steps on log2(gain) over [-12, 12] stops.

    Returns:
        Gains of shape ``(b, 1, 1, 1)``; the mean encoded value grows monotonically with the gain.
    """
    linear = srgb_to_linear(x)
    batch = tf.shape(linear)[0]
    low = tf.fill([batch, 1, 1, 1], -12.0)
    high = tf.fill([batch, 1, 1, 1], 12.0)
    for _ in range(iterations):
        mid = (low + high) / 2
        mean = tf.reduce_mean(linear_to_srgb(linear * 2.0 ** mid), axis=[1, 2, 3], keepdims=True)
        too_bright = mean > target
        high = tf.where(too_bright, mid, high)
        low = tf.where(too_bright, low, mid)
    return 2.0 ** ((low + high) / 2)


def global_reexposure(x, target=MID_GRAY):
    """The blind baseline: one linear-light scale per image bringing its mean encoded value to mid-gray."""
    return linear_to_srgb(srgb_to_linear(x) * reexposure_gain(x, target))


def white_point_gain(x, share=0.005, max_gain=256.0):
    """Per-image linear gain that brings the brightest ``share`` of pixels to white.

    The brightness of a pixel is its largest channel in linear light. A well-exposed photo
    has highlights near white, so an underexposed one is recovered by this gain; an
    overexposed one (clipped highlights) gets a gain of 1.

    Returns:
        Gains of shape ``(b, 1, 1, 1)`` in ``[1 / max_gain, max_gain]``.
    """
    brightness = tf.reduce_max(srgb_to_linear(x), axis=-1)
    flat = tf.reshape(brightness, [tf.shape(brightness)[0], -1])
    k = tf.maximum(1, tf.cast(tf.math.ceil(share * tf.cast(tf.shape(flat)[1], tf.float32)), tf.int32))
    level = tf.math.top_k(flat, k).values[:, -1]
    gain = tf.clip_by_value(1.0 / tf.maximum(level, 1e-6), 1.0 / max_gain, max_gain)
    return tf.reshape(gain, [-1, 1, 1, 1])


def apply_gain(linear, gain, highlight_rolloff=0.0):
    """``linear * gain``, with a darkening gain's highlights bent up to white when ``highlight_rolloff`` > 0.

    With ``k = highlight_rolloff`` and ``g < 1`` the result is ``g·x + (1 − g)·x^k``: the same gain
    for shadows and mid-tones (``x^k`` is tiny there for a large ``k``), but 1 at ``x = 1``, so a
    clipped white stays white instead of becoming gray, and the tones just below white are spread
    between ``g`` and white. The curve rises monotonically. Brightening gains (``g ≥ 1``) are
    plain products; values above 1 are left for the caller to clip.

    Args:
        linear: linear-light values in [0, 1] (tensor or array).
        gain: linear gain, broadcastable to ``linear``.
        highlight_rolloff: the exponent ``k``; 0 turns the roll-off off.
    """
    gained = linear * gain
    if not highlight_rolloff:
        return gained
    if isinstance(linear, np.ndarray):
        return gained + np.maximum(1.0 - gain, 0.0) * linear ** highlight_rolloff
    return gained + tf.nn.relu(1.0 - gain) * linear ** highlight_rolloff


# An 8-bit channel at or above this (sRGB, in [0, 1]) counts as clipped: 253 of 255 and up, so JPEG
# ringing just below white in a blown-out area is part of it.
CLIP_LEVEL = 252.5 / 255


def clipped_mask(pixels, level=CLIP_LEVEL):
    """The pixels clipped at white in every channel (``HxW`` bool), with holes of a pixel or two closed.

    A hole is only closed where the pixel is nearly white too (JPEG ringing), never across a dark line.

    Args:
        pixels: sRGB values in [0, 1], ``HxWxC``.
    """
    darkest = np.asarray(pixels, np.float32).min(axis=-1)
    clipped = (darkest >= level).astype(np.uint8)
    closed = cv2.morphologyEx(clipped, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5)))
    return (closed > 0) & (darkest >= level - 16 / 255)


LUMA = np.array([0.2126, 0.7152, 0.0722], np.float32)  # Rec. 709 weights: luminance of linear RGB, luma of sRGB


def luma(pixels):
    """Weighted sum of the channels (``HxW`` float32); a one-channel image is its own luma."""
    pixels = np.asarray(pixels, np.float32)
    if pixels.shape[-1] == 1:
        return pixels[..., 0]
    return pixels @ LUMA


def clipped_distance(clipped):
    """Pixels from each clipped pixel to the nearest one not clipped (``HxW`` float32; 0 where not clipped)."""
    return cv2.distanceTransform(clipped.astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)


# The steepest a highlight fill may rise, in sRGB per pixel of a copy shrunk to a 512-px longer side:
# half the slope from which tfcorrect-eval counts a new edge (its Sobel magnitude is sqrt(2) x slope).
FILL_SLOPE = 0.02
FILL_SIDE = 512


def fill_width(shape, gain, share):
    """:func:`fill_highlights`' length scale in pixels for a photo of ``shape`` darkened by ``gain``.

    ``share`` (``HIGHLIGHT_FILL``) of the shorter side, or wider, so that the ramp's start, its
    steepest part (rising from ``gain``), stays under :data:`FILL_SLOPE`: a clipped area's border
    never becomes an edge the photo did not have.
    """
    gain = float(min(max(gain, 1e-3), 1.0))
    # d sRGB / d linear at the ramp's start, times its slope in linear light, (1 - gain) / width.
    srgb_slope = float(linear_to_srgb(gain + 1e-3) - linear_to_srgb(gain)) / 1e-3
    at_fill_side = (1.0 - gain) * srgb_slope / FILL_SLOPE
    return max(share * min(shape), at_fill_side * max(1.0, max(shape) / FILL_SIDE), 1.0)


def fill_highlights(linear, clipped, gain, width, *, distance=None):
    """``linear * gain`` with the clipped areas of a darkened photo filled by a ramp up to white.

    A pixel clipped in every channel was somewhere above white, so a darkening gain ``g < 1`` alone
    would turn it into a flat gray ``g``. Instead each clipped area rises smoothly from ``g`` at its
    edge (where the photo's last unclipped tones are) to white inside, the same in every channel:
    ``g + (1 - g)(1 - exp(-d / width))`` at a distance of ``d`` pixels from the nearest pixel that is
    not clipped. A specular glint becomes a soft bright spot, a blown-out sky is white away from
    its edges, and nothing is grayer than the plain gain makes it. A pixel clipped in some channels
    only keeps the plain gain: raising its clipped channels alone would tint it (light fur with
    red clipped would turn pink). Brightening gains (``g >= 1``) leave clipped pixels white anyway.

    Args:
        linear: linear-light ``HxWxC`` in [0, 1] (numpy).
        clipped: :func:`clipped_mask` of the same photo (``HxW``).
        gain: the photo's linear gain, or one per pixel (``HxW``).
        width: the ramp's length scale in pixels (:func:`fill_width`).
        distance: :func:`clipped_distance` of the whole photo, to fill a band of its rows: ``linear``,
            ``clipped`` and ``distance`` are then that band's rows (distances cross band edges).

    Returns:
        float32 ``HxWxC``; values above 1 only where ``gain > 1`` (the caller clips).
    """
    gain = np.asarray(gain, np.float32)
    out = np.asarray(linear, np.float32) * (gain[..., None] if gain.ndim == 2 else gain)
    if np.all(gain >= 1.0) or width <= 0 or not clipped.any():
        return out
    distance = clipped_distance(clipped) if distance is None else distance
    ramp = (gain + (1.0 - gain) * -np.expm1(-distance / width))[..., None]
    darkened = (clipped & (gain < 1.0))[..., None]
    return np.where(darkened, np.maximum(out, ramp), out).astype(np.float32)


def simulate_overexposure(x, gamma=1 / 2.2, tau=0.5):
    """Seed 003's overexposure: ``x' = min(1, x * tau^-gamma)`` on encoded (gamma-space) values."""
    return tf.minimum(tf.convert_to_tensor(x, tf.float32) * tau ** -gamma, 1.0)


def invert_overexposure(x, gamma=1 / 2.2, tau=0.5):
    """The trivial inverse of :func:`simulate_overexposure`: exact where the simulation did not clip."""
    return tf.convert_to_tensor(x, tf.float32) * tau ** gamma


# G_PRENORM -> per-image gain function.
PRENORM_GAINS = {"mean_gray": reexposure_gain, "white_point": white_point_gain}
