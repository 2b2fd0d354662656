"""Network builders: plain functions of keyword arguments returning ``keras.Model``.

Which networks a ``MODEL`` uses, sized by the table, is declared by its method in
:mod:`tfcorrect.methods`.
"""

from tfcorrect.models.blocks import conv_block
from tfcorrect.models.patchgan import build_patchgan_discriminator, receptive_field
from tfcorrect.models.unet import build_unet_generator

__all__ = ["build_patchgan_discriminator", "build_unet_generator", "conv_block", "receptive_field"]
