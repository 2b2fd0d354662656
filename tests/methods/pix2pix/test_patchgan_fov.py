"""The PatchGAN's field of view comes from its depth at full resolution; FOV=70 is the shipped network."""

import h5py
import keras
import numpy as np
import pytest

from tfcorrect.methods import build_network, load_params
from tfcorrect.methods.pix2pix.patchgan import build_patchgan_discriminator, receptive_field
from conftest import ROOT, params

SHIPPED = ROOT / "saved_models" / "exposure_default"
RESIZING = (keras.layers.AveragePooling2D, keras.layers.MaxPooling2D, keras.layers.Resizing,
            keras.layers.UpSampling2D)


def _strided_convs(model):
    convs = [layer.layer if isinstance(layer, keras.layers.SpectralNormalization) else layer for layer in model.layers]
    return [conv for conv in convs if isinstance(conv, keras.layers.Conv2D) and conv.strides == (2, 2)]


@pytest.mark.parametrize("fov, field, n_down", [(70, 70, 3), (140, 142, 4), (286, 286, 5)])
def test_fov_is_reached_at_full_resolution_by_the_depth(fov, field, n_down):
    disc = build_network(params(fov=fov, ndf=2, spectral_norm=True), "discriminator")
    assert receptive_field(disc) == field  # from the layers' kernels and strides
    assert not [layer.name for layer in disc.layers if isinstance(layer, RESIZING)]
    assert len(_strided_convs(disc)) == n_down
    # The first convolution sees the pair itself, at the input's resolution.
    assert disc.get_layer("discriminator_down1_sn").input.shape == (None, None, None, 6)
    pair = [np.zeros((1, 64, 96, 3), "float32")] * 2
    assert disc(pair).shape == (1, 64 // 2 ** n_down, 96 // 2 ** n_down, 1)


def test_fov_140_is_pix2pix_n_layers_4():
    disc = build_patchgan_discriminator(ndf=64, fov=140)
    kernels = [layer.kernel.shape for layer in disc.layers if isinstance(layer, keras.layers.Conv2D)]
    # pytorch-CycleGAN-and-pix2pix's NLayerDiscriminator(ndf=64, n_layers=4): 64, 128, 256, 512, 512, 1 filters.
    assert kernels == [(4, 4, 6, 64), (4, 4, 64, 128), (4, 4, 128, 256), (4, 4, 256, 512), (4, 4, 512, 512),
                       (4, 4, 512, 1)]


def test_fov_70_is_still_the_shipped_discriminator():
    disc = build_network(load_params(SHIPPED / "params.csv"), "discriminator")
    assert [layer.name for layer in disc.layers] == [
        "discriminator_input_image", "discriminator_candidate", "discriminator_pair",
        "discriminator_down1_conv", "discriminator_down1_lrelu",
        "discriminator_down2_conv", "discriminator_down2_bn", "discriminator_down2_lrelu",
        "discriminator_down3_conv", "discriminator_down3_bn", "discriminator_down3_lrelu",
        "discriminator_flat_conv", "discriminator_flat_bn", "discriminator_flat_lrelu", "discriminator_logits"]
    disc.load_weights(SHIPPED / "discriminator.weights.h5")
    with h5py.File(SHIPPED / "discriminator.weights.h5", "r") as stored:
        first, logits = stored["layers/conv2d/vars/0"][()], stored["layers/conv2d_4/vars/0"][()]
    np.testing.assert_array_equal(disc.get_layer("discriminator_down1_conv").kernel.numpy(), first)
    np.testing.assert_array_equal(disc.get_layer("discriminator_logits").kernel.numpy(), logits)
