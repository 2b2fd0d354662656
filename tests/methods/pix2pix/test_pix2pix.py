"""The pix2pix method: one step trains both networks; losses are named parts; GAN_LOSS picks them."""

import numpy as np
import pytest
import tensorflow as tf

from tfcorrect.nn.losses import GAN_LOSSES, pix2pix_generator_loss
from tfcorrect.methods import METHODS, build_trainer
from conftest import params, photo


def _batch():
    images = np.stack([tf.image.resize(photo(n), (64, 64)).numpy() for n in ("astronaut", "coffee")])
    return tf.constant(images * 0.4 * 2 - 1), tf.constant(images * 2 - 1)  # darkened input, photo target


def _state(trainer):
    return {f"{name}/{v.path}": v.numpy().copy() for name, net in trainer.networks.items() for v in net.variables}


def test_one_train_step_changes_every_trainable_variable_of_both_networks():
    trainer = build_trainer(params(resol=64, ngf=4, ndf=4))
    before = _state(trainer)
    logs = trainer.train_step(_batch())
    for name, net in trainer.networks.items():
        unchanged = [v.path for v in net.trainable_variables if np.array_equal(before[f"{name}/{v.path}"], v.numpy())]
        assert not unchanged, f"{name}: {unchanged} did not change"
    assert set(logs) == set(METHODS["pix2pix"].loss_parts)
    assert all(int(opt.iterations) == 1 for opt in trainer.optimizers.values())


def test_test_step_changes_no_variable_of_any_network_or_optimiser():
    trainer = build_trainer(params(resol=64, ngf=4, ndf=4))
    trainer.train_step(_batch())  # moving statistics and optimiser slots hold values now
    before = _state(trainer)
    slots = [v.numpy().copy() for opt in trainer.optimizers.values() for v in opt.variables]
    trainer.test_step(_batch())
    after = _state(trainer)
    assert [k for k in before if not np.array_equal(before[k], after[k])] == []
    assert all(np.array_equal(s, v.numpy()) for s, v in
               zip(slots, [v for opt in trainer.optimizers.values() for v in opt.variables]))


def test_a_zero_generator_learning_rate_freezes_only_the_generator():
    trainer = build_trainer(params(resol=64, ngf=4, ndf=4, g_lr=0.0, d_lr=1e-3))
    before = _state(trainer)
    trainer.train_step(_batch())
    changed = {k.split("/")[0] for k, v in _state(trainer).items() if not np.array_equal(before[k], v)}
    # The generator's batch-norm statistics still move in training mode; its trainable weights do not.
    assert all(np.array_equal(before[f"generator/{v.path}"], v.numpy())
               for v in trainer.generator.trainable_variables)
    assert "discriminator" in changed


def test_generator_loss_returns_weighted_named_parts():
    logits = tf.constant([[[[2.0]]]])
    fake, target = tf.zeros((1, 4, 4, 3)), tf.fill((1, 4, 4, 3), 0.5)
    parts = pix2pix_generator_loss(logits, fake, target, gan_loss=GAN_LOSSES["bce"], lambda_gan=2.0, lambda_content=10.0)
    assert np.isclose(float(parts["l1"]), 0.5)
    assert np.isclose(float(parts["gan"]), np.log1p(np.exp(-2.0)), atol=1e-6)
    assert np.isclose(float(parts["total"]), 2 * float(parts["gan"]) + 10 * 0.5)


@pytest.mark.parametrize("name", sorted(GAN_LOSSES))
def test_every_gan_loss_rewards_a_discriminator_that_tells_real_from_fake(name):
    gan_loss = GAN_LOSSES[name]
    # Outputs 1 on real and 0 on fakes are right for both: LSGAN's targets are 1 and 0, not +-infinity.
    right = gan_loss.discriminator(tf.fill((2, 4, 4, 1), 1.0), tf.fill((2, 4, 4, 1), 0.0))
    wrong = gan_loss.discriminator(tf.fill((2, 4, 4, 1), 0.0), tf.fill((2, 4, 4, 1), 1.0))
    assert set(right) == {"real", "fake"}
    assert all(float(right[k]) < float(wrong[k]) for k in right)
    # The generator's term falls as the discriminator takes its fakes for real.
    assert float(gan_loss.generator(tf.fill((1, 4, 4, 1), 3.0))) < float(gan_loss.generator(tf.fill((1, 4, 4, 1), -3.0)))


def test_a_perceptual_weight_without_a_perceptual_loss_is_refused():
    with pytest.raises(ValueError, match="lambda_perceptual"):
        pix2pix_generator_loss(tf.zeros((1, 2, 2, 1)), tf.zeros((1, 4, 4, 3)), tf.zeros((1, 4, 4, 3)),
                               gan_loss=GAN_LOSSES["lsgan"], lambda_gan=1.0, lambda_content=1.0, lambda_perceptual=0.5)
