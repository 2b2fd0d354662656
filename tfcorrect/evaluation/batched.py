"""Every metric of :data:`tfcorrect.evaluation.metrics.METRICS` for several outputs of one target at once.

``tfcorrect-eval`` scores each method's output of an image against the same target. One call per
metric and output ran about 20 window convolutions of 3 channels each, and a depthwise convolution
of 3 channels takes about as long as one of 16 (its inner loop runs 16 channels at a time). Here
every plane a metric averages over the window (each output, the target, their products and squares,
their HSV saturation) is stacked with the others, 16 to a convolution, for all outputs at once, in
bands of rows that bound the memory; SSIM and MS-SSIM run in a second thread meanwhile. Given the input's
clipped pixels, the same SSIM map is also averaged over them (``ssim_clipped``, :mod:`tfcorrect.evaluation.clipped`).

The values are those of the per-image functions of :mod:`tfcorrect.evaluation.metrics` to float32
round-off of the final means: the same windows (``tf.image.ssim``'s and
:func:`~tfcorrect.evaluation.metrics.gaussian_window`), the same 11x11 convolution and the same
float32 operations in the same order on the same products (NumPy's +, -, *, / and sqrt round as
TensorFlow's; its pow does not, so that one is TensorFlow's). SSIM's means are float32 sums in the
order ``tf.image.ssim`` adds them. Neither a separable window, float64, nor a ``tf.function``
(Grappler turns ``x ** 2`` into ``x * x``) gives these values: SSIM's variances are differences of
nearly equal float32 window sums (``E[x^2] - mu^2``), and ``tf.image.ssim``'s float32 mean over a
0.2 MP photo is up to 2e-3 from the exact one; either rounding, done otherwise, moves the scores
by more than 1e-6.
"""

import concurrent.futures
import functools

import numpy as np
import tensorflow as tf

from tfcorrect.evaluation import clipped as clipped_metrics
from tfcorrect.evaluation import metrics

# Planes one depthwise convolution filters at once: its inner loop's width on this CPU (AVX-512 float32).
GROUP = 16
# Values in one band's stack of planes (16 MiB, which the allocator reuses): a band has as many rows as fit.
BAND_VALUES = 2 ** 22
MARGIN = metrics.FILTER_SIZE - 1  # rows and columns a valid window position loses


@functools.cache
def ssim_window():
    """``tf.image.ssim``'s window by the same float32 ops: the softmax of ``-(i^2 + j^2) / (2 sigma^2)``."""
    size = metrics.FILTER_SIZE
    coords = tf.range(size, dtype=tf.float32) - (size - 1) / 2
    g = tf.square(coords) * (-0.5 / tf.square(tf.constant(metrics.FILTER_SIGMA, tf.float32)))
    window = tf.nn.softmax(tf.reshape(tf.reshape(g, [1, -1]) + tf.reshape(g, [-1, 1]), [1, -1]))
    return tf.reshape(window, [size, size]).numpy()


def window_means(planes, window):
    """The mean over each valid position of ``window`` of each plane of a list of stacks.

    The planes are filtered 16 at a time as the channels of one depthwise convolution, each
    channel exactly as ``tf.nn.depthwise_conv2d`` filters the channels of an RGB image.

    Args:
        planes: stacks of float32 planes of one size, each ``(..., h, w)`` (arrays).
        window: ``(11, 11)``.

    Returns:
        The list of stacks of means, each ``(..., h - 10, w - 10)`` like its planes (arrays).
    """
    h, w = planes[0].shape[-2:]
    sizes = [p.size // (h * w) for p in planes]
    stacked = np.zeros((sum(sizes) + -sum(sizes) % GROUP, h, w), np.float32)
    for part, start, size in zip(planes, np.cumsum([0, *sizes]), sizes):
        stacked[start:start + size] = part.reshape(size, h, w)
    grouped = tf.transpose(tf.reshape(stacked, [-1, GROUP, h, w]), [0, 2, 3, 1])  # (groups, h, w, 16)
    filtered = tf.nn.depthwise_conv2d(grouped, _kernel(window.tobytes()), strides=[1, 1, 1, 1], padding="VALID")
    means = tf.reshape(tf.transpose(filtered, [0, 3, 1, 2]), [-1, *filtered.shape[1:3]]).numpy()
    parts = np.split(means, np.cumsum(sizes))
    return [m.reshape(*p.shape[:-2], *m.shape[1:]) for m, p in zip(parts, planes)]


@functools.cache
def _kernel(window_bytes):
    """The depthwise kernel ``(11, 11, 16, 1)`` of a window given by its float32 bytes."""
    window = np.frombuffer(window_bytes, np.float32).reshape(metrics.FILTER_SIZE, metrics.FILTER_SIZE)
    return tf.constant(np.repeat(window[:, :, None, None], GROUP, axis=2))


def _band_rows(planes, width):
    """Valid window rows of a band whose stack of ``planes`` planes of ``width`` holds :data:`BAND_VALUES`."""
    return max(1, BAND_VALUES // ((planes + -planes % GROUP) * width) - MARGIN)


def _bands(images, rows):
    """Planes ``(b, c, rows + 10, w)`` of ``images`` (``HxWxC`` arrays) band by band, each band's valid
    window rows following the last one's."""
    for top in range(0, images[0].shape[0] - MARGIN, rows):
        yield np.stack([image[top:top + rows + MARGIN].transpose(2, 0, 1) for image in images])


def _pow2(x):
    """``x ** 2`` by TensorFlow's float32 pow, which is not always ``x * x`` (the per-image metrics use it).

    Only the last (size mod 16) samples of a tensor, which TensorFlow runs through scalar code, may
    differ in their last bit from the per-image metric's: a mean moves by 1e-8 at most on real photos.
    """
    return tf.pow(x, 2.0).numpy()


class _Sums:
    """Float32 sums over positions of per-channel maps ``(b, c, rows, w)``, band after band, in the order
    ``tf.image.ssim`` adds a channel's positions: one after the other, as :func:`numpy.add.reduce` adds
    the rows of a channels-last array (after the sum so far, in the first row); and their means."""

    def __init__(self):
        self.sum, self.count = None, 0

    def add(self, maps):
        b, c, h, w = maps.shape
        rows = np.empty((h * w + 1, b * c), np.float32)
        rows[0] = 0 if self.sum is None else self.sum
        rows[1:] = maps.transpose(2, 3, 0, 1).reshape(h * w, b * c)
        # With no sum yet the first row adds 0 to the first position, which leaves it as it is.
        self.sum, self.count, self.shape = np.add.reduce(rows, axis=0), self.count + h * w, (b, c)

    def mean(self):
        return (self.sum / np.float32(self.count)).reshape(self.shape)


class _MaskedSums:
    """Float64 sums of per-channel maps ``(b, c, rows, w)``, band after band, over the positions of ``mask``
    (``(H - 10, W - 10)`` bool: the window centres inside the clipped pixels), and their mean over positions
    and channels (NaN without a position)."""

    def __init__(self, mask):
        self.mask, self.top, self.sum = mask, 0, 0.0

    def add(self, maps):
        band = self.mask[self.top:self.top + maps.shape[2]]
        self.top += maps.shape[2]
        if band.any():
            self.sum = self.sum + maps[:, :, band].sum(axis=-1, dtype=np.float64)  # (b, c)

    def mean(self):
        count = np.count_nonzero(self.mask)
        return np.mean(self.sum / count, axis=-1) if count else np.nan


def _ssim_terms(outputs, target, wanted, centres=None):
    """Per-channel means ``(b, c)`` of SSIM's map (``"ssim"``) and contrast-structure map (``"cs"``), those
    ``wanted``: the float32 ops of ``tf.image.ssim``'s helper on each band. With ``centres`` (window positions,
    ``(H - 10, W - 10)`` bool) also ``"ssim_clipped"`` ``(b,)``: the same SSIM map's mean over those positions."""
    c1, c2, two = np.float32(metrics.K1) ** 2, np.float32(metrics.K2) ** 2, np.float32(2)
    sums = {name: _Sums() for name in wanted}
    masked = _MaskedSums(centres) if centres is not None else None
    h, w, c = target.shape
    rows = _band_rows(3 * len(outputs) * c + c, w)
    for x, y in zip(_bands(outputs, rows), _bands([target], rows)):
        mean_x, mean_xy, mean_squares, mean_y = window_means([x, x * y, x * x + y * y, y], ssim_window())
        num0 = mean_x * mean_y * two
        den0 = mean_x * mean_x + mean_y * mean_y
        cs = (mean_xy * two - num0 + c2) / (mean_squares - den0 + c2)
        maps = {"cs": cs, "ssim": (num0 + c1) / (den0 + c1) * cs if "ssim" in wanted else None}
        for name in wanted:
            sums[name].add(maps[name])
        if masked is not None:
            masked.add(maps["ssim"])
    means = {name: s.mean() for name, s in sums.items()}
    if masked is not None:
        means["ssim_clipped"] = masked.mean()
    return means


def _downscale(image):
    """``tf.image.ssim_multiscale``'s step to the next scale of an ``HxWxC`` image: symmetric padding to
    even sides, 2x2 mean."""
    h, w = image.shape[:2]
    padded = tf.pad(image[None], [[0, 0], [0, h % 2], [0, w % 2], [0, 0]], mode="SYMMETRIC")
    return tf.nn.avg_pool2d(padded, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="VALID").numpy()[0]


def _ssim_scores(outputs, target, power_factors, centres=None):
    """``ssim`` and ``ms_ssim`` ``(b,)`` of ``outputs`` (``HxWx3`` each) against ``target``; with ``centres``
    (:func:`~tfcorrect.evaluation.clipped.window_centres`) also ``ssim_clipped``, from the same SSIM map."""
    last = len(power_factors) - 1
    terms = [_ssim_terms(outputs, target, ("ssim", "cs") if last else ("ssim",), centres)]
    for scale in range(1, last + 1):
        outputs, target = [_downscale(o) for o in outputs], _downscale(target)
        terms.append(_ssim_terms(outputs, target, ("ssim",) if scale == last else ("cs",)))
    stacked = np.stack([np.maximum(t["cs"], 0) for t in terms[:-1]] + [np.maximum(terms[-1]["ssim"], 0)], axis=-1)
    scores = {"ssim": terms[0]["ssim"].mean(axis=-1, dtype=np.float32),
              "ms_ssim": tf.reduce_mean(tf.reduce_prod(tf.pow(stacked, power_factors), [-1]), [-1]).numpy()}
    if centres is not None:
        scores["ssim_clipped"] = np.broadcast_to(terms[0]["ssim_clipped"], len(outputs))  # NaN: one for all
    return scores


def _similarity_scores(outputs, target):
    """``luminance_sim``, ``contrast_sim`` and ``saturation_sim`` ``(b,)``: the float32 ops of
    :func:`~tfcorrect.evaluation.metrics.local_statistics` and its terms, on each band."""
    sums = np.zeros((3, len(outputs)))  # float64: differs from the per-image float32 tree sums by their round-off
    c1, c2, two = np.float32(metrics.K1 ** 2), np.float32(metrics.K2 ** 2), np.float32(2)
    h, w, c = target.shape
    rows = _band_rows(2 * (len(outputs) + 1) * (c + 1), w)
    for x, y in zip(_bands(outputs, rows), _bands([target], rows)):
        pairs = [(x, y), (_saturation(x), _saturation(y))]
        means = window_means([p for a, b in pairs for p in (a, a * a, b, b * b)], metrics.gaussian_window())
        for i, (mu_x, mean_xx, mu_y, mean_yy) in enumerate(zip(*[iter(means)] * 4)):
            mu_x2, mu_y2 = _pow2(mu_x), _pow2(mu_y)
            var_x, var_y = np.maximum(mean_xx - mu_x2, np.float32(0)), np.maximum(mean_yy - mu_y2, np.float32(0))
            luminance = (two * mu_x * mu_y + c1) / (mu_x2 + mu_y2 + c1)
            contrast = (two * np.sqrt(var_x) * np.sqrt(var_y) + c2) / (var_x + var_y + c2)
            terms = (luminance, contrast) if i == 0 else (luminance * contrast,)
            sums[i * 2:i * 2 + len(terms)] += [t.sum(axis=(1, 2, 3), dtype=np.float64) for t in terms]
    return dict(zip(("luminance_sim", "contrast_sim", "saturation_sim"),
                    sums / ((h - MARGIN) * (w - MARGIN) * np.array([[c], [c], [1]]))))


def _saturation(planes):
    """:func:`~tfcorrect.evaluation.metrics.saturation` of RGB planes ``(b, 3, h, w)``: ``(b, 1, h, w)``."""
    r, g, b = planes[:, 0], planes[:, 1], planes[:, 2]
    value, low = np.maximum(np.maximum(r, g), b), np.minimum(np.minimum(r, g), b)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(value > 0, (value - low) / value, np.float32(0))[:, None]


def score_outputs(outputs, target, clipped=None):
    """Every metric of :data:`~tfcorrect.evaluation.metrics.METRICS` of each output against one target, and
    with ``clipped`` those of :data:`~tfcorrect.evaluation.clipped.CLIPPED_METRICS`.

    Args:
        outputs: RGB images in [0, 1], each ``HxWx3`` like ``target``.
        target: ``HxWx3`` RGB in [0, 1].
        clipped: ``HxW`` bool, the input's clipped pixels (:func:`~tfcorrect.evaluation.clipped.clipped_pixels`);
            None leaves ``psnr_clipped`` and ``ssim_clipped`` out. ``ssim_clipped`` averages the SSIM map
            that ``ssim`` is the mean of: it costs no second one.

    Returns:
        ``{metric name: float64 array (n,)}``: the values of the per-image functions of
        :mod:`tfcorrect.evaluation.metrics` (PSNR capped at :data:`~tfcorrect.evaluation.metrics.PSNR_MAX`)
        and :mod:`tfcorrect.evaluation.clipped` (NaN where nothing is clipped).

    Raises:
        ValueError: a shape differs from the target's, or the images cannot hold one 11x11 window.
    """
    target = np.asarray(target, np.float32)
    outputs = [np.asarray(o, np.float32) for o in outputs]
    for output in outputs:
        if output.shape != target.shape:
            raise ValueError(f"shapes differ: {output.shape} vs {target.shape}")
    if clipped is not None and np.shape(clipped) != target.shape[:2]:
        raise ValueError(f"shapes differ: clipped pixels {np.shape(clipped)} vs {target.shape}")
    factors = metrics.MS_SSIM_POWER_FACTORS[:metrics.ms_ssim_scales(*target.shape[:2])]
    names = [*metrics.METRICS, *(clipped_metrics.CLIPPED_METRICS if clipped is not None else ())]
    if not outputs:
        return {name: np.zeros(0) for name in names}
    centres = clipped_metrics.window_centres(np.asarray(clipped, bool)) if clipped is not None else None
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:  # NumPy's work is single-threaded
        ssim = pool.submit(_ssim_scores, outputs, target, [f / sum(factors) for f in factors], centres)
        scores = _similarity_scores(outputs, target)
        scores["psnr"] = [min(float(tf.image.psnr(o, target, max_val=1.0)), metrics.PSNR_MAX) for o in outputs]
        if clipped is not None:
            scores["psnr_clipped"] = clipped_metrics.psnr_clipped_of(outputs, target, clipped)
        scores.update(ssim.result())
    return {name: np.asarray(scores[name], np.float64) for name in names}
