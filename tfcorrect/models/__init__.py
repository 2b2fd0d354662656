"""Network builders, and the networks each MODEL of the table uses."""

from tfcorrect.models.patchgan import build_patchgan_discriminator, receptive_field
from tfcorrect.models.unet import build_unet_generator


def _pix2pix_generator(params):
    return build_unet_generator(
        in_channels=params.in_channels, out_channels=params.out_channels, depth=params.depth,
        ngf=params.ngf, max_filters=params.g_max_filters, ksize=params.ksize, dropout=params.dropout,
        test_dropout=params.test_dropout, output=params.g_output, prenorm=params.g_prenorm,
        name="generator",
    )


def _pix2pix_discriminator(params):
    return build_patchgan_discriminator(
        in_channels=params.in_channels, target_channels=params.out_channels, ndf=params.ndf,
        max_filters=8 * params.ndf, fov=params.fov, ksize=params.ksize, name="discriminator",
    )


# MODEL -> (generator builder, discriminator builder), each taking resolved Params.
MODELS = {"pix2pix": (_pix2pix_generator, _pix2pix_discriminator)}


def _builders(model):
    if model not in MODELS:
        raise ValueError(f"unknown MODEL {model!r}; known: {', '.join(MODELS)}")
    return MODELS[model]


def build_generator(params):
    """The generator of ``params.model``, sized by ``params``."""
    return _builders(params.model)[0](params)


def build_discriminator(params):
    """The discriminator of ``params.model``, sized by ``params``."""
    return _builders(params.model)[1](params)


__all__ = ["MODELS", "build_generator", "build_discriminator", "build_unet_generator",
           "build_patchgan_discriminator", "receptive_field"]
