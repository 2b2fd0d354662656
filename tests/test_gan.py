"""The Pix2Pix GAN: one step trains both networks; losses return their parts."""

import numpy as np
import tensorflow as tf

from tfcorrect.losses import discriminator_loss, generator_loss
from tfcorrect.train import build_gan
from test_models import params
from conftest import photo


def _batch():
    images = np.stack([tf.image.resize(photo(n), (64, 64)).numpy() for n in ("astronaut", "coffee")])
    return tf.constant(images * 0.4 * 2 - 1), tf.constant(images * 2 - 1)  # darkened input, photo target


def test_one_train_step_changes_both_networks():
    gan = build_gan(params(resol=64, ngf=4, ndf=4))
    before = {net.name: [v.numpy().copy() for v in net.trainable_variables]
              for net in (gan.generator, gan.discriminator)}
    logs = gan.train_step(_batch())
    for net in (gan.generator, gan.discriminator):
        changed = [not np.array_equal(b, v.numpy()) for b, v in zip(before[net.name], net.trainable_variables)]
        assert all(changed), f"{net.name}: {changed.count(False)} variables did not change"
    assert set(logs) == {"g_total", "g_gan", "g_l1", "d_real", "d_fake"}


def test_test_step_does_not_change_weights():
    gan = build_gan(params(resol=64, ngf=4, ndf=4))
    before = [v.numpy().copy() for v in gan.generator.variables]
    gan.test_step(_batch())
    assert all(np.array_equal(b, v.numpy()) for b, v in zip(before, gan.generator.variables))


def test_generator_loss_returns_weighted_parts():
    logits = tf.constant([[[[2.0]]]])
    fake, target = tf.zeros((1, 4, 4, 3)), tf.fill((1, 4, 4, 3), 0.5)
    total, gan, l1 = generator_loss(logits, fake, target, lambda_gan=2.0, lambda_l1=10.0)
    assert np.isclose(float(l1), 0.5)
    assert np.isclose(float(gan), np.log1p(np.exp(-2.0)), atol=1e-6)
    assert np.isclose(float(total), 2 * float(gan) + 10 * 0.5)
    real, fake_part = discriminator_loss(logits, -logits)
    assert np.isclose(float(real), float(fake_part))
