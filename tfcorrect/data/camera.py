"""A camera-like rendering of an exposure error, beside the plain linear one.

:func:`~tfcorrect.data.exposure.render_exposure` scales linear light by ``2^ev``, clips and
re-encodes to sRGB: every wrong exposure looks like the photo's own camera got the gain wrong and
nothing else. A real camera adds sensor noise before the clip, may lift its shadows locally
(smartphone HDR, "dynamic range optimiser"), applies a tone curve of its own and saves a JPEG.
:func:`render_camera` does the same, with each step's strength drawn from a seed:

1. ``x = srgb_to_linear(photo) * 2^ev``: the approximate raw signal at the wrong exposure.
2. ``x += N(0, sqrt(shot * x + read^2))`` per channel: shot and read noise, before the clip at the
   sensor's white (1.0), so a noisy highlight clips as it would on the sensor.
3. With probability ``LOCAL_TONE_P``: local tone mapping, a gain ``clip((0.18 / (Yb + 0.01))^s, 1, 4)``
   from the blurred luminance ``Yb``, which brightens dark regions as a whole and leaves bright ones.
4. ``T = contrast ∘ shoulder ∘ toe ∘ srgb_encode``: the camera's tone curve on the encoded values.
5. With probability ``JPEG_P``: a JPEG round trip at a quality drawn from ``JPEG_QUALITY_RANGE``.

With :meth:`CameraParams.identity` every step is the identity and the render is exactly
``render_exposure(photo, ev)``. The ranges keep every tone-curve piece increasing on [0, 1] with
0 → 0 and 1 → 1: ``toe'(s) = 1 + a(1-s)^2(1-4s)`` stays positive for ``-1 < a < 4`` and
``shoulder'(s) = 1 - b s^2(3-4s)`` for ``-1 < b < 4``; the contrast curve rises for any ``k > 0``.
"""

import dataclasses

import cv2
import numpy as np
import tensorflow as tf

from tfcorrect.data.exposure import linear_to_srgb, luma, srgb_to_linear

SHOT_RANGE = (0.0, 4e-3)  # noise variance per unit of linear signal: 0 (base ISO) to a high-ISO phone
READ_RANGE = (0.0, 2e-3)  # noise std at zero signal (read noise), in units of the sensor's white
LOCAL_TONE_P = 0.5  # share of renders with local tone mapping (the others keep the plain gain)
LOCAL_TONE_RANGE = (0.0, 0.35)  # its strength s: 0.35 lifts a region at 1/16 of mid-gray by about 2.4x
LOCAL_TONE_SIGMA = 0.04  # its blur's sigma, as a share of the shorter side: regions, not edges
LOCAL_TONE_MAX_GAIN = 4.0  # its largest gain (2 stops), so black stays black-ish, not gray
MID_GRAY_LINEAR = 0.18  # the level local tone mapping pulls regions towards, in linear light
TOE_RANGE = (-0.6, 0.4)  # toe strength a: < 0 deeper shadows, > 0 lifted shadows
SHOULDER_RANGE = (-0.6, 0.3)  # shoulder strength b: > 0 softer highlights, < 0 brighter ones
CONTRAST_RANGE = (0.7, 1.6)  # S-curve k: < 1 flatter, 1 none, > 1 punchier mid-tones
JPEG_P = 0.5  # share of renders saved as JPEG
JPEG_QUALITY_RANGE = (70, 95)  # its quality, drawn uniformly (both ends included)


@dataclasses.dataclass(frozen=True)
class CameraParams:
    """One camera's rendering of one photo (see the module's steps).

    Attributes:
        shot: shot-noise variance per unit of linear signal (``a``).
        read: read-noise standard deviation (``b``).
        local_tone: local tone mapping strength ``s``; 0 when it is off.
        toe: toe strength (:func:`toe`).
        shoulder: shoulder strength (:func:`shoulder`).
        contrast: S-curve ``k`` (:func:`contrast`).
        jpeg_quality: JPEG quality; 0 when the render is not saved as JPEG.
    """

    shot: float = 0.0
    read: float = 0.0
    local_tone: float = 0.0
    toe: float = 0.0
    shoulder: float = 0.0
    contrast: float = 1.0
    jpeg_quality: int = 0

    @classmethod
    def identity(cls):
        """No noise, no local tone mapping, an identity curve, no JPEG: the linear render."""
        return cls()


def _seed_sequence(seed):
    """A ``SeedSequence`` of an int or a sequence of ints (negative ones, as TF's seeds are, wrap)."""
    return np.random.SeedSequence(np.asarray(seed, np.int64).astype(np.uint64).ravel().tolist())


def _streams(seed):
    """Independent generators for the parameters and for the noise of ``seed``."""
    return [np.random.default_rng(s) for s in _seed_sequence(seed).spawn(2)]


def draw_params(seed):
    """The :class:`CameraParams` of ``seed`` (an int or a sequence of ints).

    Every value is drawn whether it is used or not, so that the draws never shift each other.
    """
    rng = _streams(seed)[0]
    shot, read = rng.uniform(*SHOT_RANGE), rng.uniform(*READ_RANGE)
    local, strength = rng.uniform() < LOCAL_TONE_P, rng.uniform(*LOCAL_TONE_RANGE)
    toe_a, shoulder_b = rng.uniform(*TOE_RANGE), rng.uniform(*SHOULDER_RANGE)
    k = rng.uniform(*CONTRAST_RANGE)
    jpeg, quality = rng.uniform() < JPEG_P, rng.integers(JPEG_QUALITY_RANGE[0], JPEG_QUALITY_RANGE[1] + 1)
    return CameraParams(shot=float(shot), read=float(read), local_tone=float(strength) if local else 0.0,
                        toe=float(toe_a), shoulder=float(shoulder_b), contrast=float(k),
                        jpeg_quality=int(quality) if jpeg else 0)


def toe(s, a):
    """``s + a·s·(1−s)^3``: lifts (``a > 0``) or deepens (``a < 0``) the shadows; 0 and 1 stay."""
    return s + a * s * (1 - s) ** 3


def shoulder(s, b):
    """``s − b·s^3·(1−s)``: rolls off (``b > 0``) or brightens (``b < 0``) the highlights; 0 and 1 stay."""
    return s - b * s ** 3 * (1 - s)


def contrast(t, k):
    """Schlick's S-curve: ``0.5·B_k(2t)`` below 0.5, ``1 − 0.5·B_k(2 − 2t)`` above.

    ``B_k(u) = u / (u + k(1−u))`` is Schlick's bias function. ``k > 1`` steepens the mid-tones (slope
    ``k`` at 0.5), ``k < 1`` flattens them; ``k = 1`` is the identity.
    """
    def bias(u):
        return u / (u + k * (1 - u))

    return np.where(t < 0.5, 0.5 * bias(2 * t), 1 - 0.5 * bias(2 - 2 * t))


def tone_curve(s, toe_a, shoulder_b, contrast_k):
    """``contrast(shoulder(toe(s)))`` of encoded values ``s`` in [0, 1]; ``(0, 0, 1)`` returns ``s`` unchanged."""
    s = np.asarray(s)
    if (toe_a, shoulder_b, contrast_k) == (0, 0, 1):
        return s
    return contrast(shoulder(toe(s, toe_a), shoulder_b), contrast_k).astype(s.dtype)


def local_tone_gain(linear, strength):
    """The local tone mapping gain (``HxWx1``) of linear RGB: ``clip((0.18 / (Yb + 0.01))^s, 1, 4)``."""
    luminance = luma(linear)
    sigma = LOCAL_TONE_SIGMA * min(linear.shape[:2])
    blurred = cv2.GaussianBlur(luminance, (0, 0), sigmaX=sigma, sigmaY=sigma, borderType=cv2.BORDER_REFLECT)
    gain = (MID_GRAY_LINEAR / (blurred + 0.01)) ** np.float32(strength)
    return np.clip(gain, 1.0, LOCAL_TONE_MAX_GAIN)[..., None]


def jpeg_round_trip(image, quality):
    """``image`` (RGB in [0, 1]) saved as an 8-bit JPEG of ``quality`` and read back."""
    bgr = cv2.cvtColor((np.clip(image, 0, 1) * 255).round().astype(np.uint8), cv2.COLOR_RGB2BGR)
    ok, data = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ValueError(f"JPEG encoding at quality {quality} failed")
    return cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB).astype(np.float32) / 255


def render_camera(photo, ev, seed, *, params=None):
    """``photo`` as a camera would have taken it ``ev`` stops brighter.

    Args:
        photo: sRGB ``HxWx3`` in [0, 1].
        ev: the exposure error in stops.
        seed: an int or a sequence of ints; the same seed gives the same render.
        params: the :class:`CameraParams` to render with; ``None`` draws them from ``seed``
            (:func:`draw_params`). The noise is drawn from ``seed`` either way.

    Returns:
        float32 ``HxWx3`` in [0, 1].
    """
    params = draw_params(seed) if params is None else params
    # The same TF ops as render_exposure, so that the identity parameters give its very values.
    linear = (srgb_to_linear(photo) * 2.0 ** tf.cast(ev, tf.float32)).numpy()
    if params.shot or params.read:
        std = np.sqrt(params.shot * np.maximum(linear, 0) + params.read ** 2).astype(np.float32)
        linear = linear + std * _streams(seed)[1].standard_normal(linear.shape, np.float32)
    linear = np.clip(linear, 0.0, 1.0)  # the sensor's white
    if params.local_tone:
        linear = np.clip(linear * local_tone_gain(linear, params.local_tone), 0.0, 1.0)
    image = tone_curve(linear_to_srgb(linear).numpy(), params.toe, params.shoulder, params.contrast)
    if params.jpeg_quality:
        image = jpeg_round_trip(image, params.jpeg_quality)
    return np.clip(image, 0.0, 1.0).astype(np.float32)
