"""The fused LeakyReLU gradient, BatchNormalization and Adam give Keras's values; weight files and checkpoints interchange."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfcorrect.nn.activations import LeakyReLU
from tfcorrect.nn.normalization import BatchNormalization
from tfcorrect.nn.optimizers import Adam
from conftest import photo


def _features(shape_hw=(32, 32), batch=4):
    """A (batch, h, w, 8) feature map from real photos: a random convolution of four crops, in [-1, 1]."""
    crops = [tf.image.resize(photo(name), shape_hw).numpy() for name in ("astronaut", "coffee", "chelsea", "rocket")]
    images = tf.constant(np.stack(crops[:batch]) * 2.0 - 1.0, tf.float32)
    conv = keras.layers.Conv2D(8, 3, padding="same", kernel_initializer=keras.initializers.RandomNormal(seed=1))
    return conv(images)


def _pair(**kwargs):
    """Keras's layer and the fused one with identical, non-trivial weights."""
    ours, theirs = BatchNormalization(**kwargs), keras.layers.BatchNormalization(**kwargs)
    ours.build((None, None, None, 8)), theirs.build((None, None, None, 8))
    rng = np.random.default_rng(0)
    weights = [rng.uniform(0.5, 2, 8), rng.normal(size=8), rng.normal(size=8), rng.uniform(0.5, 2, 8)]
    ours.set_weights(weights), theirs.set_weights(weights)
    return ours, theirs


@pytest.mark.parametrize("hw, batch", [((32, 32), 4), ((1, 1), 2), ((1, 1), 1)])
def test_fused_batch_norm_trains_like_keras(hw, batch):
    features = _features(batch=batch) if hw == (32, 32) else tf.reduce_mean(_features(batch=batch), [1, 2], True)
    ours, theirs = _pair(momentum=0.9)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(features)
        outputs = [layer(features, training=True) for layer in (ours, theirs)]
        # A loss that weights every output differently, so the gradient depends on each one.
        losses = [tf.reduce_sum(tf.sin(out * 3.0)) for out in outputs]
    np.testing.assert_allclose(outputs[0], outputs[1], atol=2e-5)
    for got, want in zip(ours.get_weights(), theirs.get_weights()):  # moving mean and variance updated alike
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    for of in (features, ours.gamma, ours.beta):
        other = {id(ours.gamma): theirs.gamma, id(ours.beta): theirs.beta}.get(id(of), of)
        got, want = tape.gradient(losses[0], of).numpy(), tape.gradient(losses[1], other).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-3 * np.abs(want).max())


@pytest.mark.parametrize("slope", [0.2, 0.0])
def test_leaky_relu_gradient_from_its_output_is_keras_gradient(slope):
    features = _features()
    assert float(tf.reduce_min(features)) < 0 < float(tf.reduce_max(features))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(features)
        outputs = [layer(features) for layer in (LeakyReLU(slope), keras.layers.LeakyReLU(slope))]
        losses = [tf.reduce_sum(tf.sin(out * 3.0)) for out in outputs]
    np.testing.assert_array_equal(outputs[0], outputs[1])
    got, want = (tape.gradient(loss, features).numpy() for loss in losses)
    np.testing.assert_array_equal(got, want)


def test_fused_batch_norm_infers_like_keras_and_shares_its_weight_names():
    features = _features()
    ours, theirs = _pair()
    np.testing.assert_allclose(ours(features, training=False), theirs(features, training=False), atol=1e-5)
    assert [w.path for w in ours.weights] == [w.path.replace(theirs.name, ours.name) for w in theirs.weights]


def test_fused_adam_follows_keras_adam_for_many_steps():
    rng = np.random.default_rng(3)
    start = rng.normal(size=(64, 16)).astype("float32")
    variables = [keras.Variable(start, name="w") for _ in range(2)]
    optimizers = [Adam(1e-2, beta_1=0.5), keras.optimizers.Adam(1e-2, beta_1=0.5)]
    for step in range(20):
        gradient = tf.constant(rng.normal(size=start.shape).astype("float32") * (step + 1))
        for variable, optimizer in zip(variables, optimizers):
            optimizer.apply_gradients([(gradient, variable)])
    moved = np.abs(variables[1].numpy() - start).mean()
    assert moved > 0.02  # the comparison means something: the weights moved
    np.testing.assert_allclose(variables[0].numpy(), variables[1].numpy(), atol=1e-5 * 20)
    # The same variables under the same names below the optimiser's own (auto-numbered) name, as checkpoints key them.
    names = [[v.path.split("/", 1)[1] for v in optimizer.variables] for optimizer in optimizers]
    assert names[0] == names[1]
