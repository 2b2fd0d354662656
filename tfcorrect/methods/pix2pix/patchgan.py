"""The conditional PatchGAN discriminator, with a field of view chosen by the table."""

import dataclasses

import keras

from tfcorrect.errors import TableError
from tfcorrect.nn.blocks import conv_block, init
from tfcorrect.params import Component, option
from tfcorrect.nn.receptive_field import FOV_TOLERANCE_PERCENT, patchgan_depth
from tfcorrect.nn.receptive_field import receptive_field as stack_receptive_field


def build_patchgan_discriminator(*, in_channels=3, target_channels=3, ndf=64, max_filters=512, fov=70,
                                 ksize=4, norm="batch", spectral_norm=False, name="patchgan"):
    """A PatchGAN judging (input, candidate) pairs patch by patch, returning logits.

    pix2pix's ``NLayerDiscriminator`` on the full-resolution pair: ``n_down`` stride-2 convolutions
    then two stride-1 ones, ``n_down`` being the depth whose field is closest to ``fov``
    (:func:`~tfcorrect.nn.receptive_field.patchgan_depth`, within 2%). With 4x4 kernels:

    ======  =======  ==========================
    n_down  field    FOV
    ======  =======  ==========================
    2       34 px    34
    3       70 px    69-71 (pix2pix's default)
    4       142 px   140-144 (Le Jeune's 140)
    5       286 px   281-291
    ======  =======  ==========================

    Args:
        in_channels: channels of the conditioning input image.
        target_channels: channels of the real or generated image.
        ndf: filters of the first convolution, doubled per stride-2 level up to ``max_filters``.
        max_filters: cap on the filters of a layer.
        fov: field of view of one output logit in input pixels (70 is pix2pix's default).
        ksize: kernel size of every convolution.
        norm: normalisation after every convolution but the first and the logits.
        spectral_norm: spectral normalisation on every convolution.
        name: model name, prefix of every layer name.

    Returns:
        A ``keras.Model`` taking ``[input, candidate]`` and giving ``(b, h / 2^n_down, w / 2^n_down, 1)``
        logits.

    Raises:
        ValueError: no depth's field is within 2% of ``fov`` with this kernel size.
    """
    n_down = patchgan_depth(fov, ksize)
    image = keras.Input((None, None, in_channels), name=f"{name}_input_image")
    candidate = keras.Input((None, None, target_channels), name=f"{name}_candidate")
    x = keras.layers.Concatenate(name=f"{name}_pair")([image, candidate])  # (b, s, s, in + target)
    for i in range(n_down):
        x = conv_block(x, min(ndf * 2 ** i, max_filters), ksize, strides=2, norm=norm if i > 0 else "none",
                       spectral_norm=spectral_norm, name=f"{name}_down{i + 1}")  # (b, ./2, ./2, f)
    x = conv_block(x, min(ndf * 2 ** n_down, max_filters), ksize, norm=norm, spectral_norm=spectral_norm,
                   name=f"{name}_flat")
    logits = keras.layers.Conv2D(1, ksize, padding="same", kernel_initializer=init(), dtype="float32",
                                 name=f"{name}_logits")
    if spectral_norm:
        logits = keras.layers.SpectralNormalization(logits, dtype="float32", name=f"{name}_logits_sn")
    return keras.Model([image, candidate], logits(x), name=name)  # (b, s/2^n_down, ., 1)


def receptive_field(model):
    """The field of view of one output of ``model``, computed from its conv and pooling layers."""
    stack = []
    for layer in model.layers:
        layer = layer.layer if isinstance(layer, keras.layers.SpectralNormalization) else layer
        if isinstance(layer, keras.layers.Conv2D):
            stack.append((layer.kernel_size[0], layer.strides[0]))
        elif isinstance(layer, (keras.layers.AveragePooling2D, keras.layers.MaxPooling2D)):
            stack.append((layer.pool_size[0], layer.strides[0]))
    return stack_receptive_field(stack)


def check_params(params, sources):
    """The table's check of the PatchGAN: a depth's field with KSIZE is within 2% of its FOV."""
    try:
        patchgan_depth(params.fov, params.ksize)
    except ValueError as err:
        raise TableError(f"{sources['FOV']}: FOV: {err}") from None


@dataclasses.dataclass(frozen=True)
class PatchGanOptions:
    """The PatchGAN's field of view (its width and kernel are the GAN networks' NDF and KSIZE)."""

    fov: int = option(70, "Discriminator field of view (receptive field) in pixels: the full-resolution PatchGAN "
                          f"depth whose field is closest, within {FOV_TOLERANCE_PERCENT}% (KSIZE 4: 34, 70, 142 for 140, "
                          "286).", minimum=1)


PATCHGAN = Component("the PatchGAN discriminator (MODEL=pix2pix; MODEL=dense_unet with DISC=patchgan)",
                     PatchGanOptions, checks=(check_params,))
