"""Image quality metrics as pure functions of float images in [0, 1] (channels last)."""

import numpy as np
import tensorflow as tf


def _pair(image, reference):
    image = tf.convert_to_tensor(np.asarray(image, np.float32))
    reference = tf.convert_to_tensor(np.asarray(reference, np.float32))
    if image.shape != reference.shape:
        raise ValueError(f"shapes differ: {image.shape} vs {reference.shape}")
    return image, reference


def psnr(image, reference):
    """Peak signal-to-noise ratio in dB (``tf.image.psnr`` with a peak of 1)."""
    return float(tf.image.psnr(*_pair(image, reference), max_val=1.0))


def ssim(image, reference):
    """Structural similarity (``tf.image.ssim``, 11x11 Gaussian window, peak 1)."""
    return float(tf.image.ssim(*_pair(image, reference), max_val=1.0))


# name -> metric(image, reference), higher is better for each.
METRICS = {"psnr": psnr, "ssim": ssim}
