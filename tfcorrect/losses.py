"""pix2pix losses as pure functions of tensors; composite losses return their parts."""

import keras
from keras import ops


def _bce(label, logits):
    """Mean binary cross-entropy of logits against a constant label."""
    targets = ops.full_like(logits, label)
    return ops.mean(keras.losses.binary_crossentropy(targets, logits, from_logits=True))


def generator_loss(fake_logits, fake, target, *, lambda_gan, lambda_l1):
    """The pix2pix generator loss.

    Returns:
        ``(total, gan, l1)``: ``total = lambda_gan * gan + lambda_l1 * l1``, where ``gan`` is the
        BCE of the discriminator's logits on the fake pair against "real", and ``l1`` the mean
        absolute difference to the target.
    """
    gan = _bce(1.0, fake_logits)
    l1 = ops.mean(ops.abs(target - fake))
    return lambda_gan * gan + lambda_l1 * l1, gan, l1


def discriminator_loss(real_logits, fake_logits):
    """The PatchGAN's BCE on real pairs (against 1) and on fake pairs (against 0): ``(real, fake)``."""
    return _bce(1.0, real_logits), _bce(0.0, fake_logits)
