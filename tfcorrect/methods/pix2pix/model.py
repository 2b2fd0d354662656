"""pix2pix (Isola et al., CVPR 2017): a U-Net generator against a conditional PatchGAN.

The exposure-correction, overexposure and colorization papers all train it.
L_G = LAMBDA_GAN * GAN + LAMBDA_CONTENT * L1 + LAMBDA_PERCEPTUAL * VGG19 perceptual (Le Jeune's) and
the discriminator's loss on real and on generated pairs, with the adversarial loss named by ``GAN_LOSS``.
"""

import dataclasses

import tensorflow as tf

from tfcorrect.errors import UserError
import tfcorrect.methods.exposure.heads as heads
from tfcorrect.methods.exposure.local_predictor import local_gain_predictor
from tfcorrect.methods.exposure.predictor import global_gain_predictor
import tfcorrect.methods.overexposure.head as overexposure_head
import tfcorrect.methods.pix2pix.patchgan as patchgan
import tfcorrect.methods.pix2pix.unet as unet
from tfcorrect.nn.blocks import GAN_NETWORKS
from tfcorrect.nn.losses import GAN_LOSS, GAN_LOSSES, pix2pix_generator_loss
from tfcorrect.nn.optimizers import Adam
from tfcorrect.nn.perceptual import PERCEPTUAL, build_perceptual_loss
from tfcorrect.params import Component
from tfcorrect.training.method import Adversary, Method, MethodModel


class Pix2Pix(MethodModel):
    """A generator and a conditional discriminator trained against each other.

    Data are ``(input, target)`` batches of images in [-1, 1].

    Args:
        generator: maps an input image to a corrected image.
        discriminator: maps ``[input, candidate]`` to patch logits.
        gan_loss: a :class:`~tfcorrect.nn.losses.GanLoss`.
        lambda_gan: weight of the adversarial term of the generator loss.
        lambda_content: weight of the L1 term of the generator loss.
        perceptual: ``(fake, target) -> scalar`` feature distance, e.g. a
            :class:`~tfcorrect.nn.perceptual.PerceptualLoss`; not a network: not trained nor saved.
        lambda_perceptual: weight of the perceptual term (0: ``g_perceptual`` is reported as 0).
    """

    loss_parts = ("g_total", "g_gan", "g_l1", "g_perceptual", "d_real", "d_fake")

    def __init__(self, generator, discriminator, *, gan_loss=GAN_LOSSES["bce"], lambda_gan=1.0, lambda_content=100.0,
                 perceptual=None, lambda_perceptual=0.0, **kwargs):
        super().__init__(**kwargs)
        if lambda_perceptual and perceptual is None:
            raise ValueError("lambda_perceptual is set but no perceptual loss was given")
        self.generator = generator
        self.discriminator = discriminator
        self.gan_loss = gan_loss
        self.lambda_gan = lambda_gan
        self.lambda_content = lambda_content
        self.perceptual = perceptual
        self.lambda_perceptual = lambda_perceptual

    @property
    def networks(self):
        return {"generator": self.generator, "discriminator": self.discriminator}

    def call(self, inputs, training=False):
        return self.generator(inputs, training=training)

    def _parts(self, image, target, training):
        fake = self.generator(image, training=training)
        real_logits = self.discriminator([image, target], training=training)
        fake_logits = self.discriminator([image, fake], training=training)
        g = pix2pix_generator_loss(fake_logits, fake, target, gan_loss=self.gan_loss,
                                   lambda_gan=self.lambda_gan, lambda_content=self.lambda_content,
                                   perceptual=self.perceptual, lambda_perceptual=self.lambda_perceptual)
        d = self.gan_loss.discriminator(real_logits, fake_logits)
        return {**{f"g_{k}": v for k, v in g.items()}, **{f"d_{k}": v for k, v in d.items()}}

    def train_step(self, data):
        image, target = data
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            parts = self._parts(image, target, training=True)
            d_loss = (parts["d_real"] + parts["d_fake"]) / 2
        self.minimize({"generator": (g_tape, parts["g_total"]), "discriminator": (d_tape, d_loss)})
        return self.report(parts)

    def test_step(self, data):
        image, target = data
        return self.report(self._parts(image, target, training=False))


def build_generator(params):
    """The table's U-Net (an exposure head's highlight options only when the table selects one)."""
    exposure = {} if params.g_output not in heads.HEADS else {"highlight_rolloff": params.highlight_rolloff,
                                                              "gain_gate": params.g_gain_gate,
                                                              "local_stops": params.local_stops,
                                                              "local_scale": params.local_scale}
    if params.g_output in overexposure_head.HEADS:
        exposure = overexposure_head.head_options(params)
    return unet.build_unet_generator(
        in_channels=params.in_channels, out_channels=params.out_channels, depth=params.depth,
        ngf=params.ngf, max_filters=params.g_max_filters, ksize=params.ksize, dropout=params.dropout,
        test_dropout=params.test_dropout, output=params.g_output, prenorm=params.g_prenorm,
        spectral_norm=params.g_spectral_norm, noise=params.noise_injection,
        noise_seed=params.noise_seed if params.noise_at_inference else None,
        name="generator", **exposure,
    )


def build_discriminator(params):
    """The table's PatchGAN."""
    return patchgan.build_patchgan_discriminator(
        in_channels=params.in_channels, target_channels=params.out_channels, ndf=params.ndf,
        max_filters=8 * params.ndf, fov=params.fov, ksize=params.ksize, spectral_norm=params.spectral_norm,
        name="discriminator",
    )


def _trainer(networks, params):
    """The trainer; with ``LAMBDA_PERCEPTUAL`` it loads VGG19 (a one-line ``UserError`` if its weights are missing)."""
    perceptual = build_perceptual_loss(params) if params.lambda_perceptual else None
    return Pix2Pix(networks["generator"], networks["discriminator"], gan_loss=GAN_LOSSES[params.gan_loss],
                   lambda_gan=params.lambda_gan, lambda_content=params.lambda_content, perceptual=perceptual,
                   lambda_perceptual=params.lambda_perceptual)


def _optimizers(params):
    return {"generator": Adam(params.g_lr, beta_1=params.beta_1),
            "discriminator": Adam(params.d_lr, beta_1=params.beta_1)}


def _predictor(params, network, **tiling):
    """The exposure heads' whole-picture gain (``exposure_global_gain``) or gain map (``exposure_local_gain``); else ``None``: tiled."""
    if params.g_output == "exposure_global_gain":
        return global_gain_predictor(params, network, **tiling)
    if params.g_output == "exposure_local_gain":
        return local_gain_predictor(params, network, **tiling)
    return None


def check_export(params, quantize):
    """int8 cannot carry the exposure layers: refused with a one-line reason."""
    if quantize == "int8" and (params.g_prenorm != "none" or params.g_output != "image"):
        # Measured on the shipped default: 21 dB against Keras, and a 12 MP photo stopped the LiteRT
        # interpreter ("div.cc: data[i] != zero_point": a white-point level quantised to zero).
        raise UserError(f"--quantize int8 cannot represent this generator's exposure layers "
                        f"(G_PRENORM={params.g_prenorm}, G_OUTPUT={params.g_output}); use float16 or dynamic")


@dataclasses.dataclass(frozen=True)
class Pix2PixOptions:
    """pix2pix has no options of its own: they are its networks' and losses'."""


OPTIONS = Component("MODEL=pix2pix", Pix2PixOptions,
                    selects=lambda values: (GAN_NETWORKS, unet.UNET, patchgan.PATCHGAN, GAN_LOSS, PERCEPTUAL))

METHOD = Method(
    networks={"generator": build_generator, "discriminator": build_discriminator},
    trainer=_trainer,
    optimizers=_optimizers,
    loss_parts=Pix2Pix.loss_parts,
    data_kinds=("paired", "dped", "afifi", "colorize", "simulate_exposure", "simulate_overexposure"),
    predict_network="generator",
    size_multiple=unet.size_multiple,
    options=OPTIONS,
    adversaries=(Adversary("discriminator", ("d_real", "d_fake"), "g_gan"),),
    predictor=_predictor,
    check_export=check_export,
)
