"""Seed 003's model variants: noise injection, spectral normalisation in both networks, the least-squares GAN."""

import numpy as np
import pytest
import tensorflow as tf

import keras
from conftest import params, photo
from tfcorrect.nn.losses import GAN_LOSSES
from tfcorrect.methods import build_network, build_trainer
from tfcorrect.nn.layers import NoiseInjection
from tfcorrect.training.runfolder import load_checkpoint, save_checkpoint

CONVS = (keras.layers.Conv2D, keras.layers.Conv2DTranspose)


def _batch(side=64):
    images = np.stack([tf.image.resize(photo(n), (side, side)).numpy() for n in ("astronaut", "coffee")])
    return tf.constant(images * 0.4 * 2 - 1), tf.constant(images * 2 - 1)  # darkened input, photo target


def _convs(network):
    """``(name, wrapped)`` of every convolution of ``network``: wrapped in spectral normalisation or not."""
    found = []
    for layer in network.layers:
        wrapped = isinstance(layer, keras.layers.SpectralNormalization)
        if isinstance(layer.layer if wrapped else layer, CONVS):
            found.append((layer.name, wrapped))
    return found


def test_noise_scale_is_a_trainable_per_channel_weight_starting_at_zero():
    layer = NoiseInjection(seed=1)
    x = tf.constant(photo("chelsea")[None, :32, :32])
    np.testing.assert_array_equal(layer(x, training=True), x)  # a new layer is the identity
    assert [w.path.split("/")[-1] for w in layer.trainable_weights] == ["scale"]
    assert layer.scale.shape == (3,)


def test_one_noise_map_is_shared_by_the_channels_and_a_seed_fixes_the_sequence():
    zeros = tf.zeros((2, 16, 16, 3))
    layers = [NoiseInjection(seed=seed) for seed in (5, 5, 6)]
    for layer in layers:
        layer.build(zeros.shape)
        layer.scale.assign([1.0, 2.0, -1.0])
    first, twin, other = (layer(zeros, training=True).numpy() for layer in layers)
    np.testing.assert_array_equal(first, twin)
    assert not np.allclose(first, other)
    np.testing.assert_allclose(first[..., 1], 2 * first[..., 0], rtol=1e-6)
    np.testing.assert_allclose(first[..., 2], -first[..., 0], rtol=1e-6)
    assert not np.allclose(first[0], first[1])  # one map per image
    assert not np.allclose(layers[0](zeros, training=True), first)  # a new draw at each call
    assert np.abs(first[..., 0]).std() > 0.3  # standard Gaussian, not a tiny perturbation


def test_noise_is_added_at_prediction_only_when_asked():
    x = tf.constant(photo("coffee")[None, :32, :32])
    quiet, noisy = NoiseInjection(seed=2), NoiseInjection(seed=2, inference_seed=9)
    for layer in (quiet, noisy):
        layer.build(x.shape)
        layer.scale.assign([0.1, 0.1, 0.1])
    np.testing.assert_array_equal(quiet(x), x)
    assert not np.allclose(noisy(x), x)


def test_noise_scale_survives_keras_save_load_and_weight_files(tmp_path):
    inputs = keras.Input((None, None, 3))
    model = keras.Model(inputs, NoiseInjection(seed=4, name="noise")(keras.layers.Conv2D(3, 3, name="conv")(inputs)))
    model.get_layer("noise").scale.assign([0.3, -0.2, 0.7])
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(loaded.get_layer("noise").scale.numpy(), model.get_layer("noise").scale.numpy())
    assert loaded.get_layer("noise").get_config() == model.get_layer("noise").get_config()
    x = tf.constant(photo("rocket")[None, :32, :32])
    np.testing.assert_array_equal(loaded(x), model(x))
    model.save_weights(tmp_path / "m.weights.h5")
    again = keras.Model(inputs2 := keras.Input((None, None, 3)),
                        NoiseInjection(name="noise")(keras.layers.Conv2D(3, 3, name="conv")(inputs2)))
    again.load_weights(tmp_path / "m.weights.h5")
    for a, b in zip(again.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_noise_injection_table_puts_one_noise_layer_after_every_generator_convolution():
    generator = build_network(params(resol=64, ngf=4, noise_injection="Y"), "generator")
    noise = [layer for layer in generator.layers if isinstance(layer, NoiseInjection)]
    convs = [name for name, _ in _convs(generator) if name != "generator_out"]  # not after the output head
    assert len(noise) == len(convs) == 2 * 6 - 1  # depth 6: 6 encoder and 5 decoder convolutions
    for name in convs:
        assert generator.get_layer(name.rsplit("_", 1)[0] + "_noise").input is generator.get_layer(name).output
    plain = build_network(params(resol=64, ngf=4), "generator")
    assert not any(isinstance(layer, NoiseInjection) for layer in plain.layers)
    assert [layer.name for layer in plain.layers] == [layer.name for layer in generator.layers if layer not in noise]


@pytest.mark.parametrize("d_sn, g_sn", [(False, False), (True, False), (False, True), (True, True)])
def test_spectral_norm_wraps_every_convolution_of_the_network_the_table_names(d_sn, g_sn):
    p = params(resol=64, ngf=4, ndf=4, fov=140, spectral_norm=d_sn, g_spectral_norm=g_sn)
    for name, on in (("generator", g_sn), ("discriminator", d_sn)):
        convs = _convs(build_network(p, name))
        assert len(convs) >= 5
        assert [wrapped for _, wrapped in convs] == [on] * len(convs), name


def test_generator_spectral_norm_leaves_only_the_zero_initialised_gain_head_unwrapped():
    p = params(resol=64, ngf=4, g_spectral_norm="Y", g_output="exposure_gain")
    generator = build_network(p, "generator")
    assert [name for name, wrapped in _convs(generator) if not wrapped] == ["generator_log_gain"]
    image, _ = _batch()
    np.testing.assert_allclose(generator(image), image, atol=1e-5)  # still starts as the identity, no NaN


def _hand_bce(logits, label):
    return np.mean(np.log1p(np.exp(-logits)) if label else np.log1p(np.exp(logits)))


HAND = {  # GAN_LOSS -> (generator term, discriminator real term, fake term) from the formulas, in numpy
    "bce": (lambda f: _hand_bce(f, 1), lambda r: _hand_bce(r, 1), lambda f: _hand_bce(f, 0)),
    "lsgan": (lambda f: 0.5 * np.mean((f - 1) ** 2), lambda r: 0.5 * np.mean((r - 1) ** 2),
              lambda f: 0.5 * np.mean(f ** 2)),
}


@pytest.mark.parametrize("name", sorted(HAND))
def test_gan_losses_match_their_formulas_computed_by_hand(name):
    real = np.array([[[[1.7], [-0.4]], [[0.9], [2.5]]]], dtype=np.float32)
    fake = np.array([[[[-1.2], [0.3]], [[0.05], [-2.0]]]], dtype=np.float32)
    g, d_real, d_fake = HAND[name]
    loss = GAN_LOSSES[name]
    assert float(loss.generator(tf.constant(fake))) == pytest.approx(g(fake), rel=1e-5)
    parts = loss.discriminator(tf.constant(real), tf.constant(fake))
    assert float(parts["real"]) == pytest.approx(d_real(real), rel=1e-5)
    assert float(parts["fake"]) == pytest.approx(d_fake(fake), rel=1e-5)


def _seed_003(**extra):
    return params(resol=64, ngf=4, ndf=4, noise_injection="Y", g_spectral_norm="Y", spectral_norm="Y",
                  gan_loss="lsgan", fov=140, **extra)


def test_a_seed_003_step_changes_every_trainable_variable_noise_scales_included():
    trainer = build_trainer(_seed_003())
    before = {v.path: v.numpy().copy() for net in trainer.networks.values() for v in net.trainable_variables}
    trainer.train_step(_batch())
    unchanged = [v.path for net in trainer.networks.values() for v in net.trainable_variables
                 if np.array_equal(before[v.path], v.numpy())]
    assert not unchanged
    scales = [layer.scale.numpy() for layer in trainer.generator.layers if isinstance(layer, NoiseInjection)]
    assert len(scales) == 11 and all(np.any(s != 0) for s in scales)  # every noise layer learnt a scale


def test_a_checkpoint_restores_the_noise_sequence_in_a_new_trainer(tmp_path):
    first = build_trainer(_seed_003())
    first.train_step(_batch())
    save_checkpoint(tmp_path / "checkpoint.npz", first, 1, [])
    keys = list(np.load(tmp_path / "checkpoint.npz"))
    assert "network/generator/generator_down1_noise/seed_generator_state" in keys
    second = build_trainer(_seed_003(seed=7))  # other initial weights and seeds, renumbered Keras objects
    assert load_checkpoint(tmp_path / "checkpoint.npz", second)[0] == 1
    image, _ = _batch()
    # Dropout and noise draw the same numbers from here on.
    np.testing.assert_array_equal(first.generator(image, training=True), second.generator(image, training=True))
