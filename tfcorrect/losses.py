"""Losses as pure functions of tensors; composite losses return dicts of named parts.

An adversarial loss is a pair of named functions, chosen by the table's ``GAN_LOSS`` from
:data:`GAN_LOSSES`: one gives the generator's adversarial term from the discriminator's output
on fakes, the other the discriminator's parts on real and on fake inputs.
"""

import dataclasses
from collections.abc import Callable

import keras
from keras import ops


def _bce(label, logits):
    """Mean binary cross-entropy of logits against a constant label."""
    targets = ops.full_like(logits, label)
    return ops.mean(keras.losses.binary_crossentropy(targets, logits, from_logits=True))


def bce_generator_loss(fake_logits):
    """The non-saturating GAN loss: BCE of the logits on fakes against "real"."""
    return _bce(1.0, fake_logits)


def bce_discriminator_loss(real_logits, fake_logits):
    """BCE on real inputs (against 1) and on fakes (against 0): ``{"real": ..., "fake": ...}``."""
    return {"real": _bce(1.0, real_logits), "fake": _bce(0.0, fake_logits)}


@dataclasses.dataclass(frozen=True)
class GanLoss:
    """An adversarial loss: ``generator(fake_logits)`` and ``discriminator(real_logits, fake_logits)``."""

    generator: Callable
    discriminator: Callable


# GAN_LOSS -> the adversarial loss it names.
GAN_LOSSES = {"bce": GanLoss(bce_generator_loss, bce_discriminator_loss)}


def l1_loss(prediction, target):
    """Mean absolute difference."""
    return ops.mean(ops.abs(target - prediction))


def pix2pix_generator_loss(fake_logits, fake, target, *, gan_loss, lambda_gan, lambda_l1):
    """The pix2pix generator loss.

    Returns:
        ``{"total", "gan", "l1"}``: ``total = lambda_gan * gan + lambda_l1 * l1``, where ``gan`` is
        ``gan_loss``'s generator term and ``l1`` the mean absolute difference to the target.
    """
    gan = gan_loss.generator(fake_logits)
    l1 = l1_loss(fake, target)
    return {"total": lambda_gan * gan + lambda_l1 * l1, "gan": gan, "l1": l1}
