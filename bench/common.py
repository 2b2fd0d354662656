"""What the benchmarks share: convolution FLOPs counted from a model's layers and a measured FLOP rate."""

import statistics
import time

MATMUL_N = 2048
MATMUL_REPEATS = 10
MATMUL_WARMUPS = 2


def _conv_flops(layer, in_shape, out_shape):
    """Multiply-add FLOPs (2 per MAC) of one Conv2D or Conv2DTranspose call, bias ignored."""
    import keras

    kh, kw = layer.kernel_size
    c_in, c_out = in_shape[-1], layer.filters
    if isinstance(layer, keras.layers.Conv2DTranspose):
        return 2 * kh * kw * c_in * c_out * in_shape[1] * in_shape[2]
    return 2 * kh * kw * (c_in // layer.groups) * c_out * out_shape[1] * out_shape[2]


def conv_flops(model, side):
    """FLOPs of one forward pass of ``model``'s convolutions on ``side`` x ``side`` inputs (batch 1).

    Shapes come from evaluating the layers on zero inputs; normalisation and activations are
    ignored as small. Returns ``(flops, number of convolution layers)``.
    """
    import keras
    import numpy as np

    convs = [layer for layer in model.layers if isinstance(layer, (keras.layers.Conv2D, keras.layers.Conv2DTranspose))]
    if not convs:
        raise RuntimeError(f"{model.name}: no Conv2D/Conv2DTranspose layers to count")
    probe = keras.Model(model.inputs, [t for layer in convs for t in (layer.input, layer.output)])
    zeros = [np.zeros((1, side, side, t.shape[-1]), np.float32) for t in model.inputs]
    shapes = [tuple(t.shape) for t in probe(zeros)]
    return sum(_conv_flops(layer, shapes[2 * i], shapes[2 * i + 1]) for i, layer in enumerate(convs)), len(convs)


def matmul_flop_rate(n=MATMUL_N, repeats=MATMUL_REPEATS):
    """FLOP/s of float32 ``n x n @ n x n`` TensorFlow matmuls: ``(best, median)`` of ``repeats``."""
    import tensorflow as tf

    a, b = tf.random.uniform((n, n), dtype=tf.float32), tf.random.uniform((n, n), dtype=tf.float32)
    for _ in range(MATMUL_WARMUPS):
        tf.matmul(a, b).numpy()
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        tf.matmul(a, b).numpy()
        seconds.append(time.perf_counter() - start)
    return 2 * n ** 3 / min(seconds), 2 * n ** 3 / statistics.median(seconds)
