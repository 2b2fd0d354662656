"""Classical corrections a learned model is compared against, on float RGB images in [0, 1]."""

import numpy as np
import tensorflow as tf
from skimage import exposure as skexposure

from tfcorrect.data import exposure

# A bisection step of reexposure_gain whose float64 mean is this far from the target is decided by it: the
# float32 mean of the same samples (TensorFlow's tree reduction, float32 encoding) is within 1e-5 of it.
DECISIVE_MARGIN = 1e-4


def identity(image):
    """The input unchanged: what doing nothing scores."""
    return np.asarray(image, np.float32)


def inverse_overexposure(image, gamma=1 / 2.2, tau=0.5):
    """Seed 003's trivial inverse of its overexposure simulation (exact on unclipped pixels)."""
    return exposure.invert_overexposure(np.asarray(image, np.float32), gamma, tau).numpy()


def clahe(image):
    """Contrast-limited adaptive histogram equalisation (``skimage.exposure.equalize_adapthist``)."""
    return skexposure.equalize_adapthist(np.asarray(image, np.float32)).astype(np.float32)


def histogram_equalisation(image):
    """Global histogram equalisation of each channel (``skimage.exposure.equalize_hist``)."""
    image = np.asarray(image, np.float32)
    channels = [skexposure.equalize_hist(image[..., c]) for c in range(image.shape[-1])]
    return np.stack(channels, axis=-1).astype(np.float32)


def global_reexposure(image):
    """One scale factor in linear light bringing the mean encoded value to mid-gray.

    The values of :func:`tfcorrect.data.exposure.global_reexposure`, bit for bit, in a fraction of its
    time: see :func:`reexposure_gain`.
    """
    image = np.asarray(image, np.float32)
    levels = _levels(image)
    gain = tf.reshape(reexposure_gain(image, levels=levels), [-1])
    return each_sample(lambda x: exposure.linear_to_srgb(exposure.srgb_to_linear(x) * gain), image, levels)


def _levels(image):
    """``(values, index)``: an image's distinct values and each sample's index into them (8/16-bit ones at once)."""
    for top in (255, 65535):
        codes = np.rint(image * top)
        if codes.size and 0 <= codes.min() and codes.max() <= top:
            values, codes = np.arange(top + 1, dtype=np.float32) / np.float32(top), codes.astype(np.int32)
            if np.array_equal(values[codes], image):
                return values, codes
    values, index = np.unique(image, return_inverse=True)
    return values, index.reshape(image.shape).astype(np.int32)


def each_sample(function, image, levels=None):
    """``function(image)`` for an elementwise float32 TensorFlow ``function``, run once per distinct value.

    TensorFlow rounds the last (size mod 16) samples of a tensor with scalar code and the others with
    vector code, whose float32 pow differs in the last bit now and then: the values are run as a
    tensor a multiple of 16 long, and the image's last samples as a tensor of their own, so each
    sample gets the bits ``function(image)`` gives it.

    Args:
        function: tensor -> tensor of the same size, each output sample a function of its input sample.
        image: float32 array.
        levels: :func:`_levels` of ``image`` when known.
    """
    values, index = _levels(image) if levels is None else levels
    padded = np.pad(values, (0, -len(values) % 16), mode="edge")
    out = np.take(np.reshape(function(padded), -1), index)
    if tail := image.size % 16:
        out.reshape(-1)[-tail:] = np.reshape(function(image.reshape(-1)[-tail:]), -1)
    return out


def reexposure_gain(image, target=exposure.MID_GRAY, iterations=24, *, levels=None):
    """:func:`tfcorrect.data.exposure.reexposure_gain` of one ``HxWxC`` image, ``(1, 1, 1, 1)``, bit for bit.

    The same bisection, each step's mean taken over the image's distinct values (256 for an 8-bit
    file) weighted by their counts instead of over every sample. A step whose float64 mean is more
    than :data:`DECISIVE_MARGIN` from ``target`` is decided by it; the others take the float32 mean
    of every sample with the original's ops.
    """
    values, index = levels = _levels(image) if levels is None else levels
    counts = np.bincount(index.ravel(), minlength=len(values)).astype(np.float64)
    linear64 = _srgb_to_linear64(values)
    low, high = tf.fill([1, 1, 1, 1], -12.0), tf.fill([1, 1, 1, 1], 12.0)
    for _ in range(iterations):
        mid = (low + high) / 2
        mean = counts @ _linear_to_srgb64(linear64 * 2.0 ** float(mid.numpy().item())) / counts.sum()
        too_bright = bool(mean > target)
        if abs(mean - target) <= DECISIVE_MARGIN:
            gain = 2.0 ** tf.reshape(mid, [1])
            encoded = each_sample(lambda x: exposure.linear_to_srgb(exposure.srgb_to_linear(x) * gain), image, levels)
            too_bright = bool(tf.reduce_mean(encoded[None], axis=[1, 2, 3]) > target)
        too_bright = tf.fill([1, 1, 1, 1], too_bright)
        high = tf.where(too_bright, mid, high)
        low = tf.where(too_bright, low, mid)
    return 2.0 ** ((low + high) / 2)


def _srgb_to_linear64(x):
    x = np.clip(x.astype(np.float64), 0.0, 1.0)
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)


def _linear_to_srgb64(x):
    x = np.clip(x, 0.0, 1.0)
    return np.where(x <= 0.0031308, x * 12.92, 1.055 * np.maximum(x, 0.0031308) ** (1 / 2.4) - 0.055)


def white_point_reexposure(image):
    """One scale factor in linear light bringing the brightest 0.5 % of pixels to white."""
    image = np.asarray(image, np.float32)
    gain = tf.reshape(exposure.white_point_gain(image[None]), [-1])
    return each_sample(lambda x: exposure.linear_to_srgb(exposure.srgb_to_linear(x) * gain), image)


# --baselines name -> function(image) -> corrected image.
BASELINES = {
    "identity": identity,
    "inverse": inverse_overexposure,
    "histogram_equalisation": histogram_equalisation,
    "clahe": clahe,
    "global_reexposure": global_reexposure,
    "white_point_reexposure": white_point_reexposure,
}
