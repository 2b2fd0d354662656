"""Le Jeune's injected noise at validation and prediction: a fixed, seeded map per layer (NOISE_AT_INFERENCE)."""

import subprocess
import sys

import cv2
import keras
import numpy as np
import pytest
import tensorflow as tf

from conftest import params, photo, tiny_sets, user_env
from tfcorrect.cli import predict as predict_cli
from tfcorrect.inference.export import export_run
from tfcorrect.inference.predict import predictor_from_model, predictor_from_run
from tfcorrect.io.images import read_image, write_image
from tfcorrect.methods import build_network, load_params, resolve
from tfcorrect.nn.layers import NoiseInjection
from tfcorrect.training import runfolder
from tfcorrect.training.driver import train


def _photos(side=64, names=("astronaut", "coffee")):
    return np.stack([cv2.resize(photo(n), (side, side), interpolation=cv2.INTER_AREA) for n in names]) * 2 - 1


def _noise_layers(network):
    return [layer for layer in network.layers if isinstance(layer, NoiseInjection)]


def _set_scales(network, value=0.5):
    """Non-zero noise scales (a new layer's are zero, so its noise would not show)."""
    for layer in _noise_layers(network):
        layer.scale.assign(np.full(layer.scale.shape, value, np.float32))


def _generator(**overrides):
    """A small noise-injection U-Net from a table with the given options, with non-zero scales."""
    generator = build_network(params(resol=64, ngf=4, noise_injection="Y", **overrides), "generator")
    _set_scales(generator)
    return generator


def test_a_seeded_layer_adds_one_fixed_map_outside_training_and_fresh_noise_in_training():
    x = tf.constant(_photos(32))  # astronaut and coffee, (2, 32, 32, 3)
    layers = [NoiseInjection(seed=1, inference_seed=s) for s in (7, 7, 8)]
    for layer in layers:
        layer.build(x.shape)
        layer.scale.assign([0.5, 1.0, -0.5])
    first, twin, other = (layer(x).numpy() for layer in layers)
    np.testing.assert_array_equal(first, layers[0](x, training=False))  # every call
    np.testing.assert_array_equal(first, twin)  # a new layer of the same seed: another process rebuilding it
    assert not np.allclose(first, other)
    noise = (first - x.numpy())[..., 1]
    np.testing.assert_allclose(noise[0], noise[1], atol=1e-6)  # one map for every image of a batch ...
    np.testing.assert_array_equal(layers[0](x[1:]), first[1:])  # ... so an image's output ignores its batch
    assert noise.std() > 0.3  # standard Gaussian times scale 1
    trained = [layers[0](x, training=True).numpy() for _ in range(2)]
    assert not np.allclose(trained[0], trained[1]) and not np.allclose(trained[0], first)


def test_the_inference_seed_survives_get_config_and_a_keras_save_load(tmp_path):
    inputs = keras.Input((None, None, 3))
    layer = NoiseInjection(seed=4, inference_seed=2**32 - 1, name="noise")  # the largest seed crc32 gives
    model = keras.Model(inputs, layer(keras.layers.Conv2D(3, 3, name="conv")(inputs)))
    layer.scale.assign([0.3, -0.2, 0.7])
    assert NoiseInjection.from_config(layer.get_config()).get_config() == layer.get_config()
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert loaded.get_layer("noise").inference_seed == 2**32 - 1
    x = tf.constant(_photos(32, ("rocket",)))
    np.testing.assert_array_equal(loaded(x), model(x))
    assert not np.allclose(model(x), model.get_layer("conv")(x))  # the noise is in both


def _random_ops(function):
    return [op.type for op in function.get_concrete_function().graph.get_operations() if "Random" in op.type]


def test_the_map_is_the_same_eagerly_traced_for_any_side_and_as_the_constant_of_a_fixed_side():
    x = tf.constant(_photos(32, ("coffee",)))
    layer = NoiseInjection(inference_seed=3)
    layer.build(x.shape)
    layer.scale.assign([1.0, 1.0, 1.0])
    fixed = tf.function(layer, input_signature=[tf.TensorSpec(x.shape)])  # a TFLite export's tile
    free = tf.function(layer, input_signature=[tf.TensorSpec((None, None, None, 3))])  # a SavedModel's
    eager = layer(x).numpy()
    np.testing.assert_array_equal(fixed(x), eager)
    np.testing.assert_array_equal(free(x), eager)
    assert not _random_ops(fixed) and _random_ops(free)  # TFLite has no kernel for the random op


def test_a_bad_inference_seed_is_refused():
    with pytest.raises(ValueError, match="inference_seed"):
        NoiseInjection(inference_seed=-1)


def test_table_defaults_put_seeded_noise_in_the_generator_and_the_switch_takes_it_out():
    p = params(resol=64, ngf=4, noise_injection="Y", seed=3)
    assert p.noise_at_inference is True and p.noise_seed == 3  # NOISE_SEED derived from SEED
    generator = _generator(seed=3)
    seeds = [layer.inference_seed for layer in _noise_layers(generator)]
    assert len(set(seeds)) == len(seeds) == 11  # every layer its own map
    image = _photos()
    first = generator(image, training=False).numpy()
    np.testing.assert_array_equal(first, generator(image, training=False))
    twin = _generator(seed=3)  # rebuilt from the table, as tfcorrect-predict does, with the same weights
    twin.set_weights(generator.get_weights())
    np.testing.assert_array_equal(twin(image, training=False), first)
    for other in (_generator(seed=3, noise_seed=4), _generator(seed=3, noise_at_inference="N")):
        other.set_weights(generator.get_weights())
        assert np.abs(other(image, training=False).numpy() - first).mean() > 1e-3
    quiet = _generator(seed=3, noise_at_inference="N")
    assert all(layer.inference_seed is None for layer in _noise_layers(quiet))


def test_test_dropout_no_longer_switches_the_noise():
    generator = _generator(test_dropout="Y", dropout=0.0, noise_at_inference="N")  # dropout off: only noise left
    image = _photos()
    np.testing.assert_array_equal(generator(image), generator(image))


@pytest.fixture(scope="module")
def noise_run(tmp_path_factory, photo_dir):
    """A one-epoch NOISE_INJECTION run whose noise scales were then set to 0.5 in its weight file."""
    run = tmp_path_factory.mktemp("noise") / "run"
    table = tmp_path_factory.mktemp("table") / "empty.csv"
    table.write_text("CATEGORY,PARAM_NAME,PARAM_VALUE,USE_YN\n")
    sets = tiny_sets(photo_dir, NGF=4, NDF=4, EPOCHS=1, STEPS_PER_EPOCH=2, NOISE_INJECTION="Y", SEED=5)
    train(resolve(table, sets=sets)[0], run, verbose=0)
    generator = build_network(load_params(run / runfolder.PARAMS), "generator")
    generator.load_weights(run / runfolder.weights_file("generator"))
    _set_scales(generator)
    generator.save_weights(run / runfolder.weights_file("generator"))
    return run


def _with_params(run, copy, keep):
    """A copy of ``run`` in ``copy`` whose ``params.csv`` keeps only the rows ``keep(line)`` accepts."""
    copy.mkdir()
    for name in (runfolder.PARAMS, runfolder.weights_file("generator")):
        data = (run / name).read_bytes()
        if name == runfolder.PARAMS:
            data = "".join(line for line in data.decode().splitlines(keepends=True) if keep(line)).encode()
        (copy / name).write_bytes(data)
    return copy


@pytest.mark.slow
def test_predictions_of_a_noise_run_are_deterministic_and_the_switch_changes_them(noise_run, tmp_path):
    image = cv2.resize(photo("astronaut"), (96, 80), interpolation=cv2.INTER_AREA)  # two tiles of 64
    first = predictor_from_run(noise_run, tile=64)(image)
    np.testing.assert_array_equal(predictor_from_run(noise_run, tile=64)(image), first)
    old = _with_params(noise_run, tmp_path / "old", lambda line: "NOISE_AT_INFERENCE" not in line
                       and "NOISE_SEED" not in line)  # a run folder from before the options
    np.testing.assert_array_equal(predictor_from_run(old, tile=64)(image), first)
    off = _with_params(noise_run, tmp_path / "off", lambda line: "NOISE_AT_INFERENCE" not in line)
    with open(off / runfolder.PARAMS, "a", encoding="utf-8") as f:
        f.write("COMMON,NOISE_AT_INFERENCE,false,Y,\n")
    assert load_params(off / runfolder.PARAMS).noise_at_inference is False
    assert np.abs(predictor_from_run(off, tile=64)(image) - first).mean() > 1e-3


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["savedmodel", "tflite"])
def test_an_export_of_a_noise_run_keeps_its_noise(noise_run, tmp_path, fmt):
    image = cv2.resize(photo("coffee"), (64, 64), interpolation=cv2.INTER_AREA)
    export_run(noise_run, tmp_path / fmt, fmt=fmt, tile=64)
    exported = predictor_from_model(tmp_path / fmt, tile=64)(image)
    np.testing.assert_allclose(exported, predictor_from_run(noise_run, tile=64)(image), atol=1e-5)


@pytest.mark.slow
def test_tfcorrect_predict_gives_the_same_file_in_another_process(noise_run, tmp_path):
    source = photo("chelsea")[:128, :160]
    write_image(tmp_path / "in.png", source)
    assert predict_cli.main([str(tmp_path / "in.png"), str(tmp_path / "here"), "--run", str(noise_run)]) == 0
    subprocess.run([sys.executable, "-m", "tfcorrect.cli.predict", str(tmp_path / "in.png"), str(tmp_path / "there"),
                    "--run", str(noise_run)], check=True, capture_output=True, env=user_env())
    here, there = (read_image(tmp_path / d / "in.png").pixels for d in ("here", "there"))
    np.testing.assert_array_equal(here, there)
    assert np.abs(here - source).mean() > 0.01  # the model did act
