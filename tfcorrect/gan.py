"""The pix2pix conditional GAN as a ``keras.Model`` with its own train and test steps."""

import keras
import tensorflow as tf

from tfcorrect.losses import discriminator_loss, generator_loss

LOSS_NAMES = ("g_total", "g_gan", "g_l1", "d_real", "d_fake")


class Pix2Pix(keras.Model):
    """A generator and a conditional discriminator trained against each other.

    Data are ``(input, target)`` batches of images in [-1, 1]. Only the two networks hold
    weights; saving them is the training driver's job.

    Args:
        generator: maps an input image to a corrected image.
        discriminator: maps ``[input, candidate]`` to patch logits.
        lambda_gan: weight of the adversarial term of the generator loss.
        lambda_l1: weight of the L1 term of the generator loss.
    """

    def __init__(self, generator, discriminator, *, lambda_gan=1.0, lambda_l1=100.0, **kwargs):
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.lambda_gan = lambda_gan
        self.lambda_l1 = lambda_l1
        self.trackers = {name: keras.metrics.Mean(name=name) for name in LOSS_NAMES}

    def compile(self, *, g_optimizer, d_optimizer, **kwargs):
        """Set one optimiser per network."""
        super().compile(**kwargs)
        self.g_optimizer = g_optimizer
        self.d_optimizer = d_optimizer

    def build_optimizers(self):
        """Create the optimisers' slots now (needed under ``tf.distribute`` before ``fit``)."""
        self.g_optimizer.build(self.generator.trainable_variables)
        self.d_optimizer.build(self.discriminator.trainable_variables)

    @property
    def metrics(self):
        return list(self.trackers.values())

    def call(self, inputs, training=False):
        return self.generator(inputs, training=training)

    def _gan_losses(self, image, target, training):
        fake = self.generator(image, training=training)
        real_logits = self.discriminator([image, target], training=training)
        fake_logits = self.discriminator([image, fake], training=training)
        g_total, g_gan, g_l1 = generator_loss(fake_logits, fake, target,
                                              lambda_gan=self.lambda_gan, lambda_l1=self.lambda_l1)
        d_real, d_fake = discriminator_loss(real_logits, fake_logits)
        return dict(zip(LOSS_NAMES, (g_total, g_gan, g_l1, d_real, d_fake)))

    def _report(self, losses):
        for name, value in losses.items():
            self.trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    def train_step(self, data):
        image, target = data
        # Gradients are summed over replicas, so each replica contributes its share.
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            losses = self._gan_losses(image, target, training=True)
            g_share = losses["g_total"] / replicas
            d_share = (losses["d_real"] + losses["d_fake"]) / (2 * replicas)
        g_vars = self.generator.trainable_variables
        d_vars = self.discriminator.trainable_variables
        g_grads = g_tape.gradient(g_share, g_vars)
        d_grads = d_tape.gradient(d_share, d_vars)
        self.g_optimizer.apply_gradients(zip(g_grads, g_vars))
        self.d_optimizer.apply_gradients(zip(d_grads, d_vars))
        return self._report(losses)

    def test_step(self, data):
        image, target = data
        return self._report(self._gan_losses(image, target, training=False))
