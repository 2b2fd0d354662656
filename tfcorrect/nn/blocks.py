"""The one convolution block every network is built from.

A block is ``conv -> [noise] -> [norm] -> [dropout] -> [activation]``; the convolution may be
transposed (up-sampling) and wrapped in spectral normalisation. Layer names are ``{name}_conv`` (or
``_deconv``, ``{name}_sn`` when wrapped), ``{name}_noise``, ``{name}_bn`` / ``_in``,
``{name}_dropout`` and ``{name}_lrelu`` / ``_relu``, so a network's weight file stays readable and
stable when blocks gain options: a block without an option has exactly the layers it had before.
"""

import dataclasses
import zlib

import keras

from tfcorrect.nn.activations import LeakyReLU
from tfcorrect.nn.layers import NoiseInjection
from tfcorrect.nn.normalization import BatchNormalization
from tfcorrect.params import Component, option

# NORM -> (layer name suffix, factory). Instance norm is a group norm with one group per channel.
NORMS = {
    "batch": ("bn", lambda name: BatchNormalization(name=name)),
    "instance": ("in", lambda name: keras.layers.GroupNormalization(groups=-1, name=name)),
    "none": None,
}
# activation -> (layer name suffix, factory).
ACTIVATIONS = {
    "lrelu": ("lrelu", lambda name: LeakyReLU(0.2, name=name)),
    "relu": ("relu", lambda name: keras.layers.ReLU(name=name)),
    "none": None,
}


def init():
    """The pix2pix weight initialisation, N(0, 0.02)."""
    return keras.initializers.RandomNormal(0.0, 0.02)


def noise_seed_of(noise_seed, name):
    """The inference seed of block ``name``'s noise: a stable 32-bit hash of the network's seed and the name."""
    return zlib.crc32(f"{noise_seed}/{name}".encode())


def conv_block(x, filters, ksize, *, strides=1, transpose=False, norm="batch", spectral_norm=False,
               noise=False, noise_seed=None, dropout=0.0, test_dropout=False, activation="lrelu", name):
    """Apply one convolution block to ``x``.

    Args:
        x: a ``(b, h, w, c)`` tensor.
        filters: output channels.
        ksize: kernel size.
        strides: 2 halves (or with ``transpose`` doubles) the spatial size.
        transpose: a transposed convolution (up-sampling).
        norm: ``"batch"``, ``"instance"`` or ``"none"``; without one the convolution has a bias.
        spectral_norm: wrap the convolution in ``keras.layers.SpectralNormalization``.
        noise: add a :class:`~tfcorrect.nn.layers.NoiseInjection` right after the convolution.
        noise_seed: that noise also outside training, a fixed map drawn from this int mixed with
            ``name`` (:func:`noise_seed_of`), so blocks differ; ``None``: no noise outside training.
        dropout: dropout rate after the norm (0 for none).
        test_dropout: keep that dropout on at prediction time (the pix2pix paper's noise).
        activation: ``"lrelu"`` (slope 0.2), ``"relu"`` or ``"none"``.
        name: prefix of the block's layer names.

    Returns:
        The block's output tensor.
    """
    if norm not in NORMS or activation not in ACTIVATIONS:
        raise ValueError(f"norm must be one of {', '.join(NORMS)} and activation one of {', '.join(ACTIVATIONS)}, "
                         f"got {norm!r}, {activation!r}")
    layer = keras.layers.Conv2DTranspose if transpose else keras.layers.Conv2D
    conv = layer(filters, ksize, strides=strides, padding="same", use_bias=norm == "none",
                 kernel_initializer=init(), name=f"{name}_{'deconv' if transpose else 'conv'}")
    if spectral_norm:
        conv = keras.layers.SpectralNormalization(conv, name=f"{name}_sn")
    x = conv(x)
    if noise:
        inference_seed = None if noise_seed is None else noise_seed_of(noise_seed, name)
        x = NoiseInjection(inference_seed=inference_seed, name=f"{name}_noise")(x)
    if NORMS[norm]:
        suffix, make = NORMS[norm]
        x = make(f"{name}_{suffix}")(x)
    if dropout:
        x = keras.layers.Dropout(dropout, name=f"{name}_dropout")(x, training=True if test_dropout else None)
    if ACTIVATIONS[activation]:
        suffix, make = ACTIVATIONS[activation]
        x = make(f"{name}_{suffix}")(x)
    return x


@dataclasses.dataclass(frozen=True)
class GanNetworkOptions:
    """Widths and kernel size shared by a GAN's generator and discriminator."""

    ksize: int = option(4, "Kernel size of the U-Net and PatchGAN convolutions.", minimum=2, maximum=9)
    ngf: int = option(64, "Generator filters in the first layer (doubling per level).", minimum=1, maximum=256)
    spectral_norm: bool = option(False, "Spectral normalisation on every discriminator convolution (Le Jeune).")
    ndf: int = option(64, "Discriminator filters in the first layer.", minimum=1, maximum=256)


GAN_NETWORKS = Component("the GAN networks (MODEL=pix2pix, dense_unet)", GanNetworkOptions)
