"""U-Net and PatchGAN builders and their block: shapes from the table, receptive field, custom layers."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfcorrect.data.exposure import global_reexposure, srgb_to_linear
from tfcorrect.methods import build_network
from tfcorrect.methods.pix2pix.patchgan import build_patchgan_discriminator, receptive_field
from tfcorrect.methods.pix2pix.unet import build_unet_generator
from tfcorrect.nn.blocks import conv_block
from conftest import params, photo


def build_generator(p):
    return build_network(p, "generator")


@pytest.mark.parametrize("resol, ksize, fov", [(64, 4, 70), (128, 3, 23), (64, 5, 21)])
def test_unet_keeps_size_and_depth_comes_from_resol(resol, ksize, fov):
    generator = build_generator(params(resol=resol, ksize=ksize, fov=fov, ngf=4))
    x = np.random.default_rng(0).uniform(-1, 1, (2, resol, resol, 3)).astype("float32")
    y = generator(x)
    assert y.shape == (2, resol, resol, 3)
    depth = int(np.log2(resol))
    bottleneck = keras.Model(generator.input, generator.get_layer(f"generator_down{depth}_lrelu").output)
    assert bottleneck(x).shape == (2, 1, 1, min(4 * 2 ** (depth - 1), 32))
    assert np.all(np.abs(y) <= 1)


def test_unet_reaches_a_1x1_bottleneck_at_1024():
    generator = build_generator(params(resol=1024, ngf=1))
    assert len([l for l in generator.layers if l.name.endswith("_conv")]) == 10
    assert generator(np.zeros((1, 1024, 1024, 3), "float32")).shape == (1, 1024, 1024, 3)


def test_colorize_generator_takes_gray():
    generator = build_generator(params(dataset="colorize", resol=64, ngf=4))
    assert generator(np.zeros((1, 64, 64, 1), "float32")).shape == (1, 64, 64, 3)


@pytest.mark.parametrize("fov, field, spectral_norm", [(70, 70, False), (140, 142, False), (70, 70, True)])
def test_patchgan_receptive_field_is_computed_from_layers_and_is_real(fov, field, spectral_norm):
    disc = build_patchgan_discriminator(ndf=2, fov=fov, spectral_norm=spectral_norm)
    assert receptive_field(disc) == field
    # The pixels that influence the centre logit span exactly `field` columns.
    side = 256
    image = tf.Variable(np.random.default_rng(1).normal(size=(1, side, side, 3)).astype("float32"))
    with tf.GradientTape() as tape:
        logits = disc([image, image])
        centre = logits[0, logits.shape[1] // 2, logits.shape[2] // 2, 0]
    grad = np.abs(tape.gradient(centre, image).numpy()[0]).sum(axis=(0, 2))
    columns = np.nonzero(grad)[0]
    assert columns.max() - columns.min() + 1 == field


def test_patchgan_rejects_an_unreachable_fov():
    with pytest.raises(ValueError, match="reachable"):
        build_patchgan_discriminator(fov=100)


def test_exposure_gain_generator_starts_at_global_reexposure():
    image = tf.image.resize(photo("coffee")[None], (64, 64)).numpy() * 0.3  # darkened photo
    generator = build_unet_generator(depth=6, ngf=4, output="exposure_gain", prenorm="mean_gray")
    out = (generator(image * 2 - 1).numpy() + 1) / 2
    np.testing.assert_allclose(out, global_reexposure(image).numpy(), atol=1e-4)
    assert abs(out.mean() - 0.5) < 0.01


def test_global_gain_changes_brightness_uniformly_in_linear_light():
    generator = build_unet_generator(depth=6, ngf=4, output="exposure_global_gain", prenorm="white_point")
    kernel = generator.get_layer("unet_generator_log_gain").kernel
    kernel.assign(np.random.default_rng(5).normal(0, 0.2, kernel.shape))
    image = tf.image.resize(photo("chelsea")[None], (64, 64)).numpy() * 0.5
    linear_in = srgb_to_linear(image).numpy()
    linear_out = srgb_to_linear((generator(image * 2 - 1).numpy() + 1) / 2).numpy()
    ratio = linear_out / np.maximum(linear_in, 1e-3)
    unclipped = (linear_in > 0.01) & (linear_out < 0.99)
    assert np.std(ratio[unclipped]) / np.mean(ratio[unclipped]) < 1e-3  # one gain, all pixels and channels
    assert not np.isclose(np.mean(ratio[unclipped]), 1.0)


def test_custom_layers_survive_a_keras_save_load_round_trip(tmp_path):
    generator = build_unet_generator(depth=6, ngf=4, output="exposure_gain", prenorm="mean_gray")
    kernel = generator.get_layer("unet_generator_log_gain").kernel
    kernel.assign(np.random.default_rng(2).normal(0, 0.05, kernel.shape))
    x = np.random.default_rng(3).uniform(-1, 1, (1, 64, 64, 3)).astype("float32")
    generator.save(tmp_path / "g.keras")
    loaded = keras.saving.load_model(tmp_path / "g.keras")
    np.testing.assert_array_equal(loaded(x).numpy(), generator(x).numpy())
    assert not np.allclose(generator(x).numpy(), x)


def test_test_dropout_makes_prediction_random_and_default_is_deterministic():
    x = np.random.default_rng(4).uniform(-1, 1, (1, 64, 64, 3)).astype("float32")
    fixed = build_generator(params(resol=64, ngf=4))
    noisy = build_generator(params(resol=64, ngf=4, test_dropout=True))
    np.testing.assert_array_equal(fixed(x).numpy(), fixed(x).numpy())
    assert not np.array_equal(noisy(x).numpy(), noisy(x).numpy())


@pytest.mark.parametrize("norm, layer", [("batch", keras.layers.BatchNormalization),
                                         ("instance", keras.layers.GroupNormalization)])
def test_conv_block_norms_and_spectral_norm(norm, layer):
    x = keras.Input((32, 32, 3))
    y = conv_block(x, 8, 3, strides=2, norm=norm, spectral_norm=True, dropout=0.3, name="b")
    model = keras.Model(x, y)
    assert y.shape == (None, 16, 16, 8)
    assert isinstance(model.get_layer(f"b_{'bn' if norm == 'batch' else 'in'}"), layer)
    assert isinstance(model.get_layer("b_sn"), keras.layers.SpectralNormalization)
    assert not model.get_layer("b_sn").layer.use_bias  # the norm's shift replaces the bias
    images = np.stack([tf.image.resize(photo(name), (32, 32)) for name in ("astronaut", "coffee")])
    out = model(images, training=True).numpy()
    assert out.min() < 0 < out.max()  # LeakyReLU keeps a negative side
    if norm == "instance":  # each image's channels are normalised on their own
        pre = keras.Model(x, model.get_layer("b_in").output)(images).numpy()
        np.testing.assert_allclose(pre.mean(axis=(1, 2)), 0, atol=1e-4)


def test_conv_block_transposed_doubles_and_rejects_unknown_options():
    x = keras.Input((8, 8, 4))
    assert conv_block(x, 2, 4, strides=2, transpose=True, activation="relu", name="up").shape == (None, 16, 16, 2)
    with pytest.raises(ValueError, match="norm must be one of batch, instance, none"):
        conv_block(x, 2, 4, norm="layer", name="bad")
