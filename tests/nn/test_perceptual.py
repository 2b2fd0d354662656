"""The perceptual loss: features before/after the ReLU from a small stand-in net, eq. 5, VGG19's input, missing weights.

ImageNet VGG19 weights are not available here; the tests build a small conv net named like
VGG19's layers (``blockN_convM``, ReLU inside the convolution), never a random "VGG19".
"""

import pathlib

import numpy as np
import pytest
import tensorflow as tf

import keras
from conftest import params, photo, table, tiny_sets
from tfcorrect.errors import TableError, UserError
from tfcorrect.methods import build_network
from tfcorrect.methods.pix2pix.model import Pix2Pix
from tfcorrect.nn.perceptual import (PerceptualLoss, build_feature_extractor, build_perceptual_loss, feature_distance,
                                     vgg19_preprocess)
from tfcorrect.training.runfolder import save_checkpoint

LAYERS = ["block1_conv2", "block2_conv1"]
TABLES = pathlib.Path(__file__).resolve().parents[2] / "param_tables"
IMAGENET_BGR_MEAN = np.array([103.939, 116.779, 123.68])


def stand_in():
    """A three-convolution net with VGG19's layer naming and ReLUs inside its convolutions."""
    keras.utils.set_random_seed(3)
    x = inputs = keras.Input((None, None, 3))
    x = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="block1_conv1")(x)
    x = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="block1_conv2")(x)
    x = keras.layers.MaxPooling2D(2, name="block1_pool")(x)
    x = keras.layers.Conv2D(6, 3, padding="same", activation="relu", name="block2_conv1")(x)
    return keras.Model(inputs, x, name="stand_in")


def crops(*names, side=32):
    """Real photos resized to ``side`` px, in [-1, 1]."""
    return tf.constant(np.stack([tf.image.resize(photo(n), (side, side)).numpy() for n in names]) * 2 - 1)


def _linear_conv(layer, x):
    """``layer``'s convolution without its activation, computed from its weights."""
    kernel, bias = layer.get_weights()
    return tf.nn.conv2d(x, kernel, strides=1, padding="SAME") + bias


def test_preact_features_are_the_convolutions_before_their_relu_and_the_network_still_applies_it():
    base = stand_in()
    images = vgg19_preprocess(crops("astronaut", "coffee"))
    features = build_feature_extractor(base, LAYERS, preact=True)(images)
    conv1 = keras.Model(base.inputs, base.get_layer("block1_conv1").output)(images)
    pool = keras.Model(base.inputs, base.get_layer("block1_pool").output)(images)
    # block2_conv1's input is the pooled ReLU output, as in the original network.
    expected = [_linear_conv(base.get_layer("block1_conv2"), conv1), _linear_conv(base.get_layer("block2_conv1"), pool)]
    for got, want in zip(features, expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-3)
        assert float(tf.reduce_min(got)) < 0  # before the ReLU: negative responses are kept


def test_postact_features_are_the_layer_outputs_after_the_relu():
    base = stand_in()
    images = vgg19_preprocess(crops("astronaut", "coffee"))
    features = build_feature_extractor(base, LAYERS, preact=False)(images)
    for name, got in zip(LAYERS, features, strict=True):
        np.testing.assert_allclose(got, keras.Model(base.inputs, base.get_layer(name).output)(images), rtol=1e-6)
        assert float(tf.reduce_min(got)) == 0.0


def test_the_preact_twins_hold_the_original_weights_and_nothing_is_trainable():
    base = stand_in()
    extractor = build_feature_extractor(base, LAYERS, preact=True)
    for name in LAYERS:
        twin, original = extractor.get_layer(f"{name}_preact"), base.get_layer(name)
        assert twin.get_config()["activation"] == "linear"
        for a, b in zip(twin.get_weights(), original.get_weights(), strict=True):
            np.testing.assert_array_equal(a, b)
    assert extractor.trainable_variables == []


def test_a_missing_layer_or_a_layer_without_relu_is_refused():
    with pytest.raises(ValueError, match="block9_conv1"):
        build_feature_extractor(stand_in(), ["block1_conv2", "block9_conv1"])
    with pytest.raises(ValueError, match="block1_pool"):
        build_feature_extractor(stand_in(), ["block1_pool"], preact=True)
    assert len(build_feature_extractor(stand_in(), ["block1_pool"], preact=False).outputs) == 1


def test_vgg19_preprocessing_is_bgr_in_0_255_minus_the_imagenet_mean():
    images = crops("chelsea")
    rgb255 = (images.numpy() + 1) * 127.5
    want = rgb255[..., ::-1] - IMAGENET_BGR_MEAN
    np.testing.assert_allclose(vgg19_preprocess(images), want, atol=1e-3)


@pytest.mark.parametrize("value_range", [(-1.0, 1.0), (0.0, 1.0)])
def test_vgg19_preprocessing_is_keras_preprocess_input_of_the_images_in_0_255(value_range):
    unit = (crops("astronaut", "coffee").numpy() + 1) / 2  # photos in [0, 1]
    black, white = value_range
    images = tf.constant(black + unit * (white - black))
    want = keras.applications.vgg19.preprocess_input(unit.astype(np.float64) * 255.0)
    np.testing.assert_allclose(vgg19_preprocess(images, value_range=value_range), want, atol=2e-3)
    gray = images[..., :1]
    np.testing.assert_allclose(vgg19_preprocess(gray, value_range=value_range),
                               keras.applications.vgg19.preprocess_input(np.repeat(unit[..., :1], 3, -1) * 255.0),
                               atol=2e-3)


def _eq5(prediction_features, target_features):
    """Le Jeune's eq. 5 term by term: per image, the sum over layers of ``||phi_i(y) - phi_i(G(x))||_1 / (W_i H_i)``;
    then the mean over images."""
    per_image = []
    for b in range(prediction_features[0].shape[0]):
        total = 0.0
        for p, t in zip(prediction_features, target_features, strict=True):
            height, width = p.shape[1:3]
            total += np.abs(t[b].astype(np.float64) - p[b]).sum() / (width * height)
        per_image.append(total)
    return np.mean(per_image)


def test_feature_distance_is_eq5_with_sum_and_divides_each_layer_by_its_channels_with_mean():
    rng = np.random.default_rng(0)
    shapes = [(2, 8, 6, 4), (2, 4, 3, 16)]  # layers of different sizes and channel counts
    prediction = [rng.normal(size=s).astype(np.float32) for s in shapes]
    target = [rng.normal(size=s).astype(np.float32) for s in shapes]
    assert float(feature_distance(prediction, target, channels="sum")) == pytest.approx(_eq5(prediction, target),
                                                                                           rel=1e-5)
    by_channels = sum(_eq5([p], [t]) / p.shape[-1] for p, t in zip(prediction, target))
    assert float(feature_distance(prediction, target, channels="mean")) == pytest.approx(by_channels, rel=1e-5)


def known_net():
    """1x1 convolutions with known weights, VGG19's naming and ReLUs inside: features computable in numpy."""
    x = inputs = keras.Input((None, None, 3))
    x = keras.layers.Conv2D(2, 1, activation="relu", name="block1_conv1")(x)
    x = keras.layers.MaxPooling2D(2, name="block1_pool")(x)
    x = keras.layers.Conv2D(3, 1, activation="relu", name="block2_conv1")(x)
    model = keras.Model(inputs, x)
    model.get_layer("block1_conv1").set_weights([np.array([[[[0.02, -0.01], [0.01, 0.03], [-0.02, 0.01]]]]),
                                                 np.array([1.0, -2.0])])
    model.get_layer("block2_conv1").set_weights([np.array([[[[0.5, -1.0, 0.2], [-0.3, 0.4, 1.0]]]]),
                                                 np.array([0.1, 0.0, -0.5])])
    return model


def test_the_perceptual_term_is_eq5_of_vgg19_preprocessed_images_computed_by_hand():
    model = known_net()
    k1, b1 = (w.astype(np.float64) for w in model.get_layer("block1_conv1").get_weights())
    k2, b2 = (w.astype(np.float64) for w in model.get_layer("block2_conv1").get_weights())

    def features(images):  # numpy: preprocess_input by hand, then the two pre-activation maps
        x = (images.astype(np.float64) + 1) * 127.5
        x = x[..., ::-1] - IMAGENET_BGR_MEAN
        pre1 = x @ k1[0, 0] + b1
        b, h, w, c = pre1.shape
        pooled = np.maximum(pre1, 0).reshape(b, h // 2, 2, w // 2, 2, c).max(axis=(2, 4))
        return [pre1, pooled @ k2[0, 0] + b2]

    target = crops("astronaut", "coffee")
    prediction = target * 0.5 - 0.3
    extractor = build_feature_extractor(model, ["block1_conv1", "block2_conv1"], preact=True)
    loss = PerceptualLoss(extractor, channels="sum")
    want = _eq5(features(prediction.numpy()), features(target.numpy()))
    assert float(loss(prediction, target)) == pytest.approx(want, rel=1e-4)


def test_le_jeunes_table_reads_eq5_as_written_and_other_tables_keep_the_per_channel_mean(tmp_path):
    from tfcorrect.methods import resolve

    assert resolve(TABLES / "exposure_overexposure.csv", "PERCEPTUAL_NOISE")[0].perceptual_channels == "sum"
    assert resolve(TABLES / "dense_unet_dped.csv")[0].perceptual_channels == "mean"  # ESRGAN's L1Loss, as before
    with pytest.raises(TableError, match=r"t\.csv:2: PERCEPTUAL_CHANNELS must be one of sum, mean"):
        resolve(table(tmp_path, "COMMON,PERCEPTUAL_CHANNELS,max,Y\n"))
    with pytest.raises(ValueError, match="channels must be one of sum, mean"):
        PerceptualLoss(stand_in(), channels="max")


def test_perceptual_loss_sums_per_layer_mean_absolute_differences_averaged_over_the_batch():
    extractor = build_feature_extractor(stand_in(), LAYERS, preact=True)
    loss = PerceptualLoss(extractor)
    target = crops("astronaut", "coffee")
    prediction = target * 0.5 - 0.3  # darker, flatter versions of the same photos
    a, b = extractor(vgg19_preprocess(prediction)), extractor(vgg19_preprocess(target))
    by_hand = sum(np.mean(np.abs(p.numpy() - t.numpy())) for p, t in zip(a, b))
    assert float(loss(prediction, target)) == pytest.approx(by_hand, rel=1e-5)  # channels="mean", the default
    eq5 = PerceptualLoss(extractor, channels="sum")
    assert float(eq5(prediction, target)) == pytest.approx(_eq5([p.numpy() for p in a], [t.numpy() for t in b]),
                                                           rel=1e-5)
    per_image = [float(loss(prediction[i:i + 1], target[i:i + 1])) for i in range(2)]
    assert float(loss(prediction, target)) == pytest.approx(np.mean(per_image), rel=1e-5)
    assert float(loss(target, target)) == 0.0


def test_a_pix2pix_step_with_a_perceptual_loss_trains_and_reports_weighted_parts(tmp_path):
    p = params(resol=64, ngf=4, ndf=4, lambda_content=10.0, lambda_gan=2.0)
    extractor = build_feature_extractor(stand_in(), LAYERS, preact=True)
    frozen = [w.copy() for w in extractor.get_weights()]
    trainer = Pix2Pix(build_network(p, "generator"), build_network(p, "discriminator"),
                      lambda_gan=2.0, lambda_content=10.0, perceptual=PerceptualLoss(extractor), lambda_perceptual=0.5)
    trainer.compile(optimizers={n: keras.optimizers.Adam(1e-3) for n in trainer.networks})
    trainer.build_optimizers()
    target = crops("astronaut", "rocket", side=64)
    logs = {k: float(v) for k, v in trainer.train_step((target * 0.4 - 0.6, target)).items()}
    assert logs["g_perceptual"] > 0
    assert logs["g_total"] == pytest.approx(2.0 * logs["g_gan"] + 10.0 * logs["g_l1"] + 0.5 * logs["g_perceptual"],
                                            rel=1e-5)
    assert all(np.array_equal(a, b) for a, b in zip(frozen, extractor.get_weights()))
    # Not a network of the method: not trained, not saved, not checkpointed.
    assert set(trainer.networks) == {"generator", "discriminator"}
    save_checkpoint(tmp_path / "checkpoint.npz", trainer, 1, [])
    assert not [k for k in np.load(tmp_path / "checkpoint.npz") if "block" in k]


def test_without_lambda_perceptual_vgg19_is_not_loaded_and_the_part_is_zero(tmp_path, monkeypatch):
    from tfcorrect.methods import build_trainer

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))  # no weights there
    trainer = build_trainer(params(resol=64, ngf=4, ndf=4, vgg_weights="/nonexistent.h5"))
    target = crops("astronaut", "rocket", side=64)
    assert float(trainer.train_step((target * 0.4, target))["g_perceptual"]) == 0.0


@pytest.mark.parametrize("weights", ["", "/nonexistent.h5"])
def test_missing_vgg19_weights_give_one_line_naming_the_file(tmp_path, monkeypatch, weights):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(UserError) as err:
        build_perceptual_loss(params(lambda_perceptual=1.0, vgg_weights=weights))  # the table resolves without them
    message = str(err.value)
    assert "\n" not in message
    assert (weights or "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5") in message


@pytest.mark.parametrize("content", [b"not HDF5 at all\n", b"\x89HDF\r\n\x1a\n" + b"\0" * 64])
def test_garbage_vgg19_weights_give_one_line_naming_the_file(tmp_path, content):
    garbage = tmp_path / "vgg19.h5"
    garbage.write_bytes(content)  # text, or an HDF5 signature with nothing behind it
    with pytest.raises(UserError) as err:
        build_perceptual_loss(params(lambda_perceptual=1.0, vgg_weights=str(garbage)))
    message = str(err.value)
    assert "\n" not in message and str(garbage) in message and "not usable as vgg19" in message


def test_training_with_perceptual_loss_and_no_weights_fails_before_the_run_folder_is_made(tmp_path, monkeypatch,
                                                                                          photo_dir):
    from tfcorrect.methods import resolve
    from tfcorrect.training.driver import train

    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    resolved = resolve(table(tmp_path, ""), sets=tiny_sets(photo_dir, LAMBDA_PERCEPTUAL=1.0))[0]
    with pytest.raises(UserError, match="vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"):
        train(resolved, tmp_path / "run", verbose=0)
    assert not (tmp_path / "run").exists()


def test_a_table_naming_an_unknown_vgg19_layer_is_refused_at_its_row(tmp_path):
    from tfcorrect.methods import resolve

    path = table(tmp_path, "COMMON,LAMBDA_PERCEPTUAL,0.1,Y\nCOMMON,PERCEPTUAL_LAYERS,\"block1_conv2,block6_conv1\",Y\n")
    with pytest.raises(TableError, match=r"t\.csv:3: PERCEPTUAL_LAYERS: .*block6_conv1"):
        resolve(path)
