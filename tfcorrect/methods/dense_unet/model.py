"""Perceptual photo enhancement (Que & Lee): a Dense U-Net against a global discriminator.

L_G = LAMBDA_PERCEPTUAL * L_p + LAMBDA_GAN * L_GAN + ETA_SSIM * (1 - MS-SSIM) (+ LAMBDA_CONTENT * L1,
0 in the paper's table), with L_p the VGG19 perceptual loss on features before the ReLU
(:mod:`tfcorrect.nn.perceptual`) and MS-SSIM over the scales a 96-100 px patch holds
(:func:`tfcorrect.nn.losses.ms_ssim_loss`). The discriminator (``DISC``) is the paper's global one,
judging the image alone, or pix2pix's conditional PatchGAN; its loss is pix2pix's.
"""

import dataclasses

import tensorflow as tf

import tfcorrect.methods.dense_unet.global_disc as global_disc
import tfcorrect.methods.dense_unet.networks as dense_unet
import tfcorrect.methods.pix2pix.model as pix2pix
import tfcorrect.methods.pix2pix.patchgan as patchgan
from tfcorrect.nn.blocks import GAN_NETWORKS
from tfcorrect.nn.losses import GAN_LOSS, GAN_LOSSES, ms_ssim_loss, pix2pix_generator_loss
from tfcorrect.nn.perceptual import PERCEPTUAL, build_perceptual_loss
from tfcorrect.params import Component, option


class DenseUNetGan(pix2pix.Pix2Pix):
    """pix2pix's trainer with Que & Lee's (1 - MS-SSIM) term, and a discriminator that may judge the image alone.

    A discriminator with one input (``DISC=global``) sees the real or generated image; one with two
    inputs (``DISC=patchgan``) sees it beside the input image, as in pix2pix.

    Args:
        generator, discriminator: the networks.
        eta_ssim: weight of ``g_ms_ssim``, the (1 - MS-SSIM) term of the generator loss.
        **kwargs: :class:`~tfcorrect.methods.pix2pix.Pix2Pix`'s loss settings.
    """

    loss_parts = ("g_total", "g_gan", "g_l1", "g_perceptual", "g_ms_ssim", "d_real", "d_fake")

    def __init__(self, generator, discriminator, *, eta_ssim=0.0, **kwargs):
        super().__init__(generator, discriminator, **kwargs)
        self.eta_ssim = eta_ssim

    def _judge(self, image, candidate, training):
        if len(self.discriminator.inputs) == 2:
            return self.discriminator([image, candidate], training=training)
        return self.discriminator(candidate, training=training)

    def _parts(self, image, target, training):
        fake = self.generator(image, training=training)
        real_logits = self._judge(image, target, training)
        fake_logits = self._judge(image, fake, training)
        g = pix2pix_generator_loss(fake_logits, fake, target, gan_loss=self.gan_loss,
                                   lambda_gan=self.lambda_gan, lambda_content=self.lambda_content,
                                   perceptual=self.perceptual, lambda_perceptual=self.lambda_perceptual)
        g["ms_ssim"] = ms_ssim_loss(fake, target) if self.eta_ssim else tf.zeros((), g["l1"].dtype)
        g["total"] = g["total"] + self.eta_ssim * g["ms_ssim"]
        d = self.gan_loss.discriminator(real_logits, fake_logits)
        return {**{f"g_{k}": v for k, v in g.items()}, **{f"d_{k}": v for k, v in d.items()}}


def build_generator(params):
    """The table's Dense U-Net."""
    return dense_unet.build_dense_unet_generator(
        in_channels=params.in_channels, out_channels=params.out_channels, ngf=params.ngf, growth=params.growth,
        layers=params.dense_layers, levels=params.levels, name="generator",
    )


def build_global_discriminator(params):
    """The table's global discriminator for RESOL-px images."""
    return global_disc.build_global_discriminator(
        size=params.resol, channels=params.out_channels, ndf=params.ndf, max_filters=8 * params.ndf,
        stages=params.d_stages, ksize=params.ksize, spectral_norm=params.spectral_norm, name="discriminator",
    )


# DISC -> the discriminator's builder.
DISCRIMINATORS = {"global": build_global_discriminator, "patchgan": pix2pix.build_discriminator}


def build_discriminator(params):
    """The discriminator ``DISC`` names."""
    return DISCRIMINATORS[params.disc](params)


def _trainer(networks, params):
    """The trainer; with ``LAMBDA_PERCEPTUAL`` it loads VGG19 (a one-line ``UserError`` if its weights are missing)."""
    perceptual = build_perceptual_loss(params) if params.lambda_perceptual else None
    return DenseUNetGan(networks["generator"], networks["discriminator"], gan_loss=GAN_LOSSES[params.gan_loss],
                        lambda_gan=params.lambda_gan, lambda_content=params.lambda_content, perceptual=perceptual,
                        lambda_perceptual=params.lambda_perceptual, eta_ssim=params.eta_ssim)


@dataclasses.dataclass(frozen=True)
class DenseUNetOptions:
    """Que & Lee's Dense U-Net, its discriminator and its MS-SSIM term."""

    growth: int = option(12, "dense_unet: feature maps each layer of a dense block adds (growth rate).", minimum=1,
                         maximum=256)
    dense_layers: int = option(4, "dense_unet: layers per dense block.", minimum=1, maximum=16)
    levels: int = option(
        4, "dense_unet: U-Net down-sampling steps; the network pads its input to a multiple of 2^LEVELS itself.",
        minimum=1, maximum=8
    )
    disc: str = option(
        "global", "dense_unet's discriminator: 'global' (Que & Lee: conv/BN/LeakyReLU stages flattened to one "
        "logit per image, judging the image alone) or 'patchgan' (pix2pix's conditional PatchGAN of FOV).",
        choices=lambda: DISCRIMINATORS,
    )
    eta_ssim: float = option(
        0.0, "dense_unet: weight of the (1 - MS-SSIM) term in the generator loss (Que & Lee's eta; 0 = off).",
        minimum=0.0
    )


@dataclasses.dataclass(frozen=True)
class GlobalDiscOptions:
    """Que & Lee's global discriminator."""

    d_stages: int = option(
        4, "DISC=global: stride-2 conv/BN/LeakyReLU stages before the flatten.", minimum=1, maximum=8
    )


GLOBAL_DISC = Component("the global discriminator (MODEL=dense_unet with DISC=global)", GlobalDiscOptions)


def _selects(values):
    return (GAN_NETWORKS, GAN_LOSS, PERCEPTUAL, patchgan.PATCHGAN if values["disc"] == "patchgan" else GLOBAL_DISC)


OPTIONS = Component("MODEL=dense_unet", DenseUNetOptions, selects=_selects, checks=(dense_unet.check_params,))

# pix2pix's declaration with this paper's networks, trainer, loss parts and options.
METHOD = dataclasses.replace(
    pix2pix.METHOD, networks={"generator": build_generator, "discriminator": build_discriminator}, trainer=_trainer,
    loss_parts=DenseUNetGan.loss_parts, size_multiple=dense_unet.size_multiple, options=OPTIONS,
    data_kinds=("dped", "paired", "afifi", "colorize", "simulate_exposure", "simulate_overexposure"),
    predictor=None, check_export=lambda params, quantize: None)
