"""Losses as pure functions of tensors; composite losses return dicts of named parts.

An adversarial loss is a pair of named functions, chosen by the table's ``GAN_LOSS`` from
:data:`GAN_LOSSES`: one gives the generator's adversarial term from the discriminator's output
on fakes, the other the discriminator's parts on real and on fake inputs.
"""

import dataclasses
from collections.abc import Callable

import keras
import tensorflow as tf
from keras import ops

from tfcorrect.evaluation.metrics import MS_SSIM_POWER_FACTORS, ms_ssim_scales
from tfcorrect.params import Component, option


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


def lsgan_generator_loss(fake_outputs):
    """Least-squares GAN (Mao et al.; Le Jeune): ``0.5 * mean((D(fake) - 1)^2)``."""
    return 0.5 * ops.mean(ops.square(fake_outputs - 1.0))


def lsgan_discriminator_loss(real_outputs, fake_outputs):
    """Least squares: ``{"real": 0.5 * mean((D(real) - 1)^2), "fake": 0.5 * mean(D(fake)^2)}``."""
    return {"real": 0.5 * ops.mean(ops.square(real_outputs - 1.0)), "fake": 0.5 * ops.mean(ops.square(fake_outputs))}


@dataclasses.dataclass(frozen=True)
class GanLoss:
    """An adversarial loss: ``generator(fake_logits)`` and ``discriminator(real_logits, fake_logits)``."""

    generator: Callable
    discriminator: Callable


# GAN_LOSS -> the adversarial loss it names.
GAN_LOSSES = {
    "bce": GanLoss(bce_generator_loss, bce_discriminator_loss),
    "lsgan": GanLoss(lsgan_generator_loss, lsgan_discriminator_loss),
}


def l1_loss(prediction, target):
    """Mean absolute difference."""
    return ops.mean(ops.abs(target - prediction))


def ms_ssim_power_factors(height, width):
    """Wang et al.'s MS-SSIM weights of the scales a ``height x width`` image holds, renormalised to sum to 1.

    ``tf.image.ssim_multiscale`` rejects images under 161 px with its 5 scales and 11-px filter
    (tensorflow#50023, the DPED case); keeping the scales whose size is at least the filter gives
    4 scales at 96-100 px, weighted 0.0448, 0.2856, 0.3001, 0.2363 / 0.8668.
    """
    factors = MS_SSIM_POWER_FACTORS[:ms_ssim_scales(height, width)]
    return tuple(f / sum(factors) for f in factors)


def _ms_ssim_finite_gradient(images, references, power_factors):
    """``tf.image.ssim_multiscale`` per image, with 0 where its gradient is NaN.

    TF clips each scale's contrast-structure term with a ReLU and raises it to a power below 1; where
    a channel's term is <= 0 the channel's MS-SSIM is 0 and flat, but the power's derivative at 0 is
    infinite and times the ReLU's 0 it gives NaN. 0 is that gradient's value (the flat side).
    """

    @tf.custom_gradient
    def ms_ssim(x, y):
        with tf.GradientTape() as tape:
            tape.watch([x, y])
            value = tf.image.ssim_multiscale(x, y, max_val=1.0, power_factors=power_factors)

        def gradient(upstream):
            grads = tape.gradient(value, [x, y], output_gradients=upstream)
            return [tf.where(tf.math.is_nan(g), tf.zeros_like(g), g) for g in grads]

        return value, gradient

    return ms_ssim(images, references)


def ms_ssim_loss(prediction, target):
    """``1 - MS-SSIM`` of images in [-1, 1] (Que & Lee's eta term), averaged over the batch.

    MS-SSIM is ``tf.image.ssim_multiscale`` with peak 1 on the images mapped to [0, 1], over the
    scales :func:`ms_ssim_power_factors` keeps for their size (4 at 96-100 px), so it is 0 for
    identical images.

    Raises:
        ValueError: the images' sides are not static, or are under the 11-px filter.
    """
    height, width = prediction.shape[1], prediction.shape[2]
    if height is None or width is None:
        raise ValueError("ms_ssim_loss needs images of a static size")
    unit = [(ops.cast(images, "float32") + 1.0) / 2.0 for images in (prediction, target)]
    value = _ms_ssim_finite_gradient(*unit, ms_ssim_power_factors(height, width))
    return 1.0 - ops.mean(value)


def pix2pix_generator_loss(fake_logits, fake, target, *, gan_loss, lambda_gan, lambda_content, perceptual=None,
                           lambda_perceptual=0.0):
    """The generator loss of pix2pix and Le Jeune: adversarial + content (L1) + perceptual.

    Args:
        fake_logits: the discriminator's output on generated images.
        fake, target: generated and target images.
        gan_loss: a :class:`GanLoss`; its generator term is the adversarial part.
        lambda_gan, lambda_content, lambda_perceptual: weights of the three parts.
        perceptual: ``(fake, target) -> scalar`` (a :class:`~tfcorrect.nn.perceptual.PerceptualLoss`);
            called only when ``lambda_perceptual`` is not 0.

    Returns:
        ``{"total", "gan", "l1", "perceptual"}`` with ``total = lambda_gan * gan + lambda_content * l1
        + lambda_perceptual * perceptual``; ``perceptual`` is 0 when its weight is 0.

    Raises:
        ValueError: ``lambda_perceptual`` is set without a ``perceptual`` loss.
    """
    if lambda_perceptual and perceptual is None:
        raise ValueError("lambda_perceptual is set but no perceptual loss was given")
    parts = {"gan": gan_loss.generator(fake_logits), "l1": l1_loss(fake, target)}
    parts["perceptual"] = perceptual(fake, target) if lambda_perceptual else ops.zeros((), dtype=parts["l1"].dtype)
    total = lambda_gan * parts["gan"] + lambda_content * parts["l1"] + lambda_perceptual * parts["perceptual"]
    return {"total": total, **parts}


@dataclasses.dataclass(frozen=True)
class GanLossOptions:
    """The weights and kind of a GAN generator's loss terms (pix2pix's L1 + adversarial)."""

    gan_loss: str = option(
        "bce", "Adversarial loss: 'bce' (pix2pix's cross-entropy on logits) or 'lsgan' (least squares, Le Jeune).",
        choices=lambda: GAN_LOSSES,
    )
    lambda_gan: float = option(1.0, "Weight of the adversarial term in the generator loss.", minimum=0.0)
    lambda_content: float = option(
        100.0, "Weight of the L1 content term in the generator loss (formerly LAMBDA_L1).", minimum=0.0
    )


GAN_LOSS = Component("the GAN losses (MODEL=pix2pix, dense_unet)", GanLossOptions,
                     renamed={"LAMBDA_L1": "LAMBDA_CONTENT"})
