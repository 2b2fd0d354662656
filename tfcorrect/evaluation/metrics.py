"""Image quality metrics as pure functions of float images in [0, 1] (channels last).

Every per-image metric of :data:`METRICS` takes ``(image, reference)`` of the same ``HxWxC`` shape and
returns a float, higher is better. :func:`new_edges` needs no target: it compares a correction's
output with its own input, lower is better (:data:`INPUT_METRICS`). The similarities are fractions
in [0, 1]; reports may show them in percent as Le Jeune's table does. The inception score is a
set-level metric (see :func:`inception_score`).

Luminance, contrast and saturation similarity (Le Jeune) have no public reference code; they are
built from the terms of SSIM (Wang et al. 2004) with ``tf.image.ssim``'s own settings: an 11x11
Gaussian window of sigma 1.5 (valid positions only), ``C1 = (0.01 L)^2`` and ``C2 = (0.03 L)^2``
with ``L = 1``, computed on each channel and averaged over positions and channels:

- luminance similarity: the mean of ``l = (2 mu_x mu_y + C1) / (mu_x^2 + mu_y^2 + C1)``;
- contrast similarity: the mean of ``c = (2 sigma_x sigma_y + C2) / (sigma_x^2 + sigma_y^2 + C2)``;
- saturation similarity: the mean of ``l * c`` on the two images' HSV saturation maps
  (``tf.image.rgb_to_hsv``). Structure is left out: SSIM measures it already, and the
  saturation of a photo is its colourfulness, not its edges.
"""

import numpy as np
import skimage.color
import skimage.filters
import tensorflow as tf

from tfcorrect.io.images import shrink_to
from tfcorrect.nn.pretrained import load_application

# tf.image.ssim's defaults, which the similarities share.
FILTER_SIZE = 11
FILTER_SIGMA = 1.5
K1, K2 = 0.01, 0.03
# PSNR in dB of an exact match (mse 0, an infinite PSNR) and of anything closer than 1e-5 rms.
PSNR_MAX = 100.0
# Wang et al.'s MS-SSIM weights of the 5 scales, finest first (tf.image.ssim_multiscale's default).
MS_SSIM_POWER_FACTORS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)
# Sobel magnitude of gray in [0, 1] above which an output pixel is on an edge (a step of about 0.06: sobel gives 0.71 h).
NEW_EDGE_HIGH = 0.04
# Sobel magnitude below which an input pixel is flat: sensor noise and JPEG blocks stay under it.
NEW_EDGE_LOW = 0.005
# Longer side both images are shrunk to first, so the fraction does not depend on the resolution.
NEW_EDGE_SIDE = 512


def _pair(image, reference):
    image = tf.convert_to_tensor(np.asarray(image, np.float32))
    reference = tf.convert_to_tensor(np.asarray(reference, np.float32))
    if image.shape != reference.shape:
        raise ValueError(f"shapes differ: {image.shape} vs {reference.shape}")
    return image, reference


def _windowed_pair(image, reference):
    """:func:`_pair`, checking the images can hold one SSIM window."""
    image, reference = _pair(image, reference)
    if min(image.shape[-3:-1]) < FILTER_SIZE:
        raise ValueError(f"image of {image.shape[-3]}x{image.shape[-2]} pixels is smaller than the "
                         f"{FILTER_SIZE}x{FILTER_SIZE} SSIM window")
    return image, reference


def psnr(image, reference):
    """Peak signal-to-noise ratio in dB (``tf.image.psnr`` with a peak of 1), at most :data:`PSNR_MAX`.

    An exact match has an infinite PSNR, which would make every mean over a set with one such pair
    infinite; it scores :data:`PSNR_MAX` (100 dB, an rms error of 1e-5, below one 16-bit step) instead.
    """
    return min(float(tf.image.psnr(*_pair(image, reference), max_val=1.0)), PSNR_MAX)


def ssim(image, reference):
    """Structural similarity (``tf.image.ssim``, 11x11 Gaussian window, peak 1)."""
    return float(tf.image.ssim(*_windowed_pair(image, reference), max_val=1.0))


def ms_ssim_scales(height, width, max_scales=len(MS_SSIM_POWER_FACTORS)):
    """How many MS-SSIM scales an image of this size holds.

    ``tf.image.ssim_multiscale`` halves the image (rounding up) between scales and needs the
    11x11 window to fit at the coarsest one, so the 5 default scales need a side of 161 pixels.

    Raises:
        ValueError: the image is smaller than one window.
    """
    side = min(height, width)
    if side < FILTER_SIZE:
        raise ValueError(f"image of {height}x{width} pixels is smaller than the "
                         f"{FILTER_SIZE}x{FILTER_SIZE} SSIM window")
    scales = 1
    while scales < max_scales and -(-side // 2 ** scales) >= FILTER_SIZE:
        scales += 1
    return scales


def ms_ssim(image, reference):
    """Multi-scale SSIM (``tf.image.ssim_multiscale``, peak 1).

    Images with a side under 161 pixels cannot hold the 5 default scales; they use as many
    scales as fit (:func:`ms_ssim_scales`), with the first power factors renormalised to sum to
    1. With a single scale (sides of 11 to 20 pixels) this is SSIM.
    """
    image, reference = _windowed_pair(image, reference)
    factors = MS_SSIM_POWER_FACTORS[:ms_ssim_scales(*image.shape[-3:-1])]
    factors = [f / sum(factors) for f in factors]
    return float(tf.image.ssim_multiscale(image, reference, max_val=1.0, power_factors=factors))


def gaussian_window(size=FILTER_SIZE, sigma=FILTER_SIGMA):
    """The normalised 2-D Gaussian window of ``tf.image.ssim``, shape ``(size, size)``."""
    coords = np.arange(size, dtype=np.float64) - (size - 1) / 2
    g = np.exp(-coords ** 2 / (2 * sigma ** 2))
    window = np.outer(g, g)
    return (window / window.sum()).astype(np.float32)


def local_statistics(image, reference):
    """Gaussian-weighted local statistics of two images, per channel, at every valid window position.

    Args:
        image, reference: float ``HxWxC`` (or ``BxHxWxC``) of the same shape.

    Returns:
        A dict of ``mu_x, mu_y, var_x, var_y, cov_xy`` and the squared means ``mu_x2, mu_y2``, each
        ``(B, H - 10, W - 10, C)``.
    """
    x, y = _windowed_pair(image, reference)
    if x.shape.rank == 3:
        x, y = x[None], y[None]
    kernel = np.tile(gaussian_window()[:, :, None, None], [1, 1, x.shape[-1], 1])

    def reduce(z):
        return tf.nn.depthwise_conv2d(z, kernel, strides=[1, 1, 1, 1], padding="VALID")

    return moments(reduce(x), reduce(y), reduce(x * x), reduce(y * y), reduce(x * y))


def moments(mu_x, mu_y, mean_xx, mean_yy, mean_xy):
    """:func:`local_statistics` from the window means of ``x, y, x*x, y*y, x*y`` (``cov_xy`` None without ``x*y``)."""
    mu_x2, mu_y2 = mu_x ** 2, mu_y ** 2  # kept for luminance_term: a float32 pow is the costliest op here
    # Variances below zero are float round-off of a flat patch.
    return {"mu_x": mu_x, "mu_y": mu_y, "mu_x2": mu_x2, "mu_y2": mu_y2,
            "var_x": tf.maximum(mean_xx - mu_x2, 0.0),
            "var_y": tf.maximum(mean_yy - mu_y2, 0.0),
            "cov_xy": None if mean_xy is None else mean_xy - mu_x * mu_y}


def luminance_term(stats):
    """SSIM's luminance comparison ``l`` at every position of :func:`local_statistics`."""
    c1 = K1 ** 2
    return (2 * stats["mu_x"] * stats["mu_y"] + c1) / (stats["mu_x2"] + stats["mu_y2"] + c1)


def contrast_term(stats):
    """SSIM's contrast comparison ``c`` at every position of :func:`local_statistics`."""
    c2 = K2 ** 2
    sigma_x, sigma_y = tf.sqrt(stats["var_x"]), tf.sqrt(stats["var_y"])
    return (2 * sigma_x * sigma_y + c2) / (stats["var_x"] + stats["var_y"] + c2)


def luminance_similarity(image, reference):
    """Mean of SSIM's luminance term over positions and channels, in [0, 1] (Le Jeune)."""
    return float(tf.reduce_mean(luminance_term(local_statistics(image, reference))))


def contrast_similarity(image, reference):
    """Mean of SSIM's contrast term over positions and channels, in [0, 1] (Le Jeune)."""
    return float(tf.reduce_mean(contrast_term(local_statistics(image, reference))))


def saturation(image):
    """Per-pixel HSV saturation ``(max - min) / max`` of RGB images, ``HxWx1`` (0 where black)."""
    image = image if tf.is_tensor(image) else tf.convert_to_tensor(np.asarray(image, np.float32))
    # The S of tf.image.rgb_to_hsv by the same float32 ops, without its hue.
    value = tf.reduce_max(image, axis=-1, keepdims=True)
    return tf.where(value > 0, (value - tf.reduce_min(image, axis=-1, keepdims=True)) / value, 0.0)


def saturation_similarity(image, reference):
    """Mean of ``l * c`` on the HSV saturation maps of two RGB images, in [0, 1] (Le Jeune)."""
    image, reference = _windowed_pair(image, reference)
    stats = local_statistics(saturation(image), saturation(reference))
    return float(tf.reduce_mean(luminance_term(stats) * contrast_term(stats)))


# name -> metric(image, reference), higher is better for each.
METRICS = {
    "psnr": psnr,
    "ssim": ssim,
    "ms_ssim": ms_ssim,
    "luminance_sim": luminance_similarity,
    "contrast_sim": contrast_similarity,
    "saturation_sim": saturation_similarity,
}


def new_edge_mask(output, input):
    """Where ``output`` has an edge that ``input`` lacks, at :data:`NEW_EDGE_SIDE` px: ``HxW`` booleans.

    Both are shrunk (area averaging, never enlarged) to a longer side of :data:`NEW_EDGE_SIDE`, made gray
    (``skimage.color.rgb2gray``) and filtered by ``skimage.filters.sobel``; a new edge is where the output's
    magnitude exceeds :data:`NEW_EDGE_HIGH` and the input's is below :data:`NEW_EDGE_LOW`.

    Raises:
        ValueError: the shapes differ.
    """
    output, input = (np.asarray(x, np.float32) for x in (output, input))
    if output.shape != input.shape:
        raise ValueError(f"shapes differ: {output.shape} vs {input.shape}")
    output, input = (skimage.filters.sobel(skimage.color.rgb2gray(shrink_to(x, NEW_EDGE_SIDE))) for x in (output, input))
    return (output > NEW_EDGE_HIGH) & (input < NEW_EDGE_LOW)


def new_edges(output, input):
    """Fraction of pixels where ``output`` drew an edge into a flat part of its ``input`` (:func:`new_edge_mask`).

    Both float RGB in [0, 1], ``HxWx3``. Lower is better: a global gain scales the input's gradients and
    draws none; halos, banding, tile seams and pasted-in structure do. No target is needed.
    """
    return float(np.mean(new_edge_mask(output, input)))


# name -> metric(output, input) of a correction against its own input, lower is better; no target needed.
INPUT_METRICS = {"new_edges": new_edges}


def load_inception(weights=""):
    """InceptionV3 with its ImageNet weights (``weights`` a file, or Keras's cached copy).

    Raises:
        UserError: the weights are not available (one line naming the file to supply).
    """
    return load_application("inception_v3", weights)


def class_probabilities(images, classifier, batch_size=16):
    """A classifier's softmax outputs for RGB images in [0, 1] of any size.

    Each image is resized (bilinear) to the classifier's input size (299x299 when it takes any
    size) and scaled by ``keras.applications.inception_v3.preprocess_input`` to [-1, 1].

    Args:
        images: an iterable of ``HxWx3`` float images in [0, 1].
        classifier: a Keras model mapping ``(b, h, w, 3)`` in [-1, 1] to class probabilities.
        batch_size: images classified at once.

    Returns:
        float64 array ``(n, classes)``.
    """
    from keras.applications.inception_v3 import preprocess_input

    size = classifier.input_shape[1:3]
    size = size if None not in size else (299, 299)
    prepared = [tf.image.resize(np.asarray(image, np.float32)[..., :3], size) for image in images]
    outputs = [classifier.predict_on_batch(preprocess_input(tf.stack(prepared[i:i + batch_size]) * 255.0))
               for i in range(0, len(prepared), batch_size)]
    return np.concatenate([np.asarray(o, np.float64) for o in outputs]) if outputs else np.zeros((0, 0))


def inception_score_from_probabilities(probabilities, splits=1, eps=1e-12):
    """``exp(E_x KL(p(y|x) || p(y)))`` on each of ``splits`` consecutive parts of the set.

    Args:
        probabilities: ``(n, classes)``, each row a distribution ``p(y|x)``.
        splits: parts the set is cut into (Salimans et al. use 10); ``p(y)`` is each part's mean.
        eps: floor on probabilities inside the logarithms.

    Returns:
        ``(mean, std)`` of the parts' scores; between 1 and the number of classes.

    Raises:
        ValueError: fewer images than splits.
    """
    probabilities = np.asarray(probabilities, np.float64)
    if not 1 <= splits <= len(probabilities):
        raise ValueError(f"splits must be in [1, {len(probabilities)}] (the number of images), got {splits}")
    scores = []
    for part in np.array_split(probabilities, splits):
        marginal = part.mean(axis=0, keepdims=True)
        kl = np.sum(part * (np.log(np.maximum(part, eps)) - np.log(np.maximum(marginal, eps))), axis=1)
        scores.append(np.exp(kl.mean()))
    return float(np.mean(scores)), float(np.std(scores))


def inception_score(images, classifier=None, splits=1, *, weights=""):
    """Inception score (Salimans et al. 2016) of a set of RGB images in [0, 1].

    Args:
        images: an iterable of ``HxWx3`` float images in [0, 1], any sizes.
        classifier: a softmax classifier; ``None`` loads InceptionV3 (:func:`load_inception`).
        splits: parts the set is cut into; the score is their mean.
        weights: InceptionV3 weight file when ``classifier`` is None.

    Returns:
        ``(mean, std)`` over the splits.

    Raises:
        UserError: ``classifier`` is None and the InceptionV3 weights are not available.
    """
    classifier = classifier if classifier is not None else load_inception(weights)
    return inception_score_from_probabilities(class_probabilities(images, classifier), splits)
