"""illum_da (seed 000): gradient reversal, pooling of patch estimates, the arms, and a tiny run that
trains through ``tfcorrect-train`` and white-balances through ``tfcorrect-predict``."""

import keras
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from tfcorrect.training import runfolder
from tfcorrect.cli import predict as predict_cli
from tfcorrect.cli import train as train_cli
from tfcorrect.methods.illum_da.classical import angular_error
from tfcorrect.methods.illum_da.cameras import simulate_cameras_folder
from tfcorrect.methods.illum_da.illuminants import read_illuminants
from tfcorrect.errors import TableError, UserError
from tfcorrect.io.images import read_image
from tfcorrect.methods import build_trainer
from tfcorrect.inference.predict import run_params
from tfcorrect.methods.illum_da.model import IllumDA, mean_pooling, median_pooling
from tfcorrect.methods.illum_da.pipeline import training_examples
from tfcorrect.methods.illum_da.predict import estimate_illuminants, image_patches
from tfcorrect.methods.illum_da.networks import GradientReversal, build_camera_discriminator
from tfcorrect.methods import resolve
from conftest import params, photo, table

TINY = {"MODEL": "illum_da", "DATASET": "illuminant", "PATCH": 16, "ILLUM_FILTERS": 4, "ILLUM_LEVELS": 2,
        "BATCH_SIZE": 4, "STEPS_PER_EPOCH": 3, "EPOCHS": 2, "VAL_FRACTION": 0.34, "SAMPLES": 2, "LR": 0.003}


@pytest.fixture(scope="module")
def illum_dir(tmp_path_factory, photo_dir):
    """Six real photos, each lit by one random light and seen by cameras C and N (12 linear PNGs)."""
    folder = tmp_path_factory.mktemp("illum") / "data"
    simulate_cameras_folder(photo_dir, folder, per_photo=1, long_side=40, progress=False)
    return folder


def _gradient(layer, x, w):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x)
        loss = tf.reduce_sum(y * w)
    return y, tape.gradient(loss, x)


def test_gradient_reversal_is_the_identity_forward_and_flips_and_scales_gradients_backward():
    x = tf.constant(photo("chelsea")[:8, :8])
    w = tf.constant(photo("coffee")[:8, :8])
    layer = GradientReversal(0.5)
    y, grad = _gradient(layer, x, w)
    np.testing.assert_array_equal(y.numpy(), x.numpy())
    np.testing.assert_allclose(grad.numpy(), -0.5 * w.numpy(), rtol=1e-6)
    assert not layer.trainable_weights and len(layer.non_trainable_weights) == 1


def test_a_new_reversal_strength_takes_effect_without_retracing():
    x = tf.constant(photo("rocket")[:4, :4])
    w = tf.constant(photo("astronaut")[:4, :4])
    layer = GradientReversal(1.0)
    layer(x)  # built (its variable made) outside the compiled step, as a network's layers are
    step = tf.function(lambda x: _gradient(layer, x, w)[1])
    np.testing.assert_allclose(step(x).numpy(), -w.numpy(), rtol=1e-6)
    layer.strength.assign(2.5)
    np.testing.assert_allclose(step(x).numpy(), -2.5 * w.numpy(), rtol=1e-6)
    layer.strength.assign(0.0)
    assert not np.any(step(x).numpy())
    assert step.experimental_get_tracing_count() == 1


def test_gradient_reversal_survives_a_keras_save_and_load(tmp_path):
    model = build_camera_discriminator(features=6, cameras=2, hidden=4, weight=0.25)
    features = np.random.default_rng(0).random((3, 6)).astype("float32")
    model.save(tmp_path / "d.keras")
    loaded = keras.models.load_model(tmp_path / "d.keras")
    np.testing.assert_allclose(loaded(features).numpy(), model(features).numpy(), rtol=1e-6)
    assert float(loaded.get_layer("discriminator_grl").strength.numpy()) == 0.25


def test_mean_and_median_pooling_of_patch_estimates():
    # Patch estimates at any scale: red, green, green (five times brighter), and one outlier.
    estimates = np.array([[1.0, 0, 0], [0, 1.0, 0], [0, 5.0, 0]])
    np.testing.assert_allclose(mean_pooling(estimates), np.array([1, 2, 0]) / np.sqrt(5))
    np.testing.assert_allclose(median_pooling(estimates), [0, 1, 0])
    # The median ignores one wild patch among consistent ones; the mean is pulled towards it.
    light = np.array([0.6, 0.7, 0.4]) / np.linalg.norm([0.6, 0.7, 0.4])
    patches = np.vstack([np.tile(light, (4, 1)), [[0, 0, 1.0]]])
    assert angular_error(median_pooling(patches), light) < 1e-5
    assert angular_error(mean_pooling(patches), light) > 5


def test_image_patches_cover_the_image_with_the_last_flush_to_its_edges():
    image = photo("coffee")[:50, :70]
    patches = image_patches(image, 32)
    assert patches.shape == (6, 32, 32, 3)  # rows at 0, 18; columns at 0, 32, 38
    np.testing.assert_array_equal(patches[0], image[:32, :32])
    np.testing.assert_array_equal(patches[-1], image[-32:, -32:])
    assert image_patches(image[:20, :24], 32).shape == (2, 32, 32, 3)  # scaled up to 32 x 39, two patches


def test_each_arm_trains_on_its_cameras_and_only_the_proposed_one_reverses(illum_dir):
    base = {k.lower(): v for k, v in TINY.items()} | {"train_dir": illum_dir}
    for arm, cameras, reversed_ in (("camera_c", {"C"}, False), ("camera_n", {"N"}, False),
                                    ("integrated", {"C", "N"}, False), ("adversarial", {"C", "N"}, True)):
        p = params(**base, arm=arm, grl_weight=0.7)
        train, val = training_examples(p)
        assert {e.camera for e in train} == cameras, arm
        assert not {e.source for e in train} & {e.source for e in val}, "a photo is in training and validation"
        trainer = build_trainer(p)
        assert isinstance(trainer, IllumDA) and trainer.grl_weight == (0.7 if reversed_ else 0.0)


def test_cameras_must_name_two_cameras(tmp_path):
    with pytest.raises(TableError, match=r"t\.csv:3: CAMERAS must name two or more different cameras"):
        resolve(table(tmp_path, "COMMON,MODEL,illum_da,Y\nCOMMON,CAMERAS,C,Y\nCOMMON,DATASET,illuminant,Y\n"))


@pytest.mark.slow
def test_illum_da_trains_through_tfcorrect_train_and_white_balances_through_predict(illum_dir, tmp_path):
    run_dir = tmp_path / "run"
    sets = {**TINY, "TRAIN_DIR": illum_dir, "KEEP_BEST": "val_e_angular"}
    argv = [str(table(tmp_path, "")), *[a for k, v in sets.items() for a in ("--set", f"{k}={v}")]]
    assert train_cli.main([*argv, "--run-dir", str(run_dir)]) == 0
    for name in ("estimator", "discriminator"):
        assert (run_dir / runfolder.weights_file(name)).is_file()
    history = pd.read_csv(run_dir / runfolder.HISTORY)
    assert {"e_angular", "d_camera", "val_e_angular", "val_d_camera"} <= set(history.columns)
    assert 0 < history["d_grl_weight"][0] < history["d_grl_weight"][1] < 1  # the DANN ramp, in the compiled step
    assert len(list((run_dir / "samples").glob("*.png"))) == 2

    images = illum_dir / "images"
    out = tmp_path / "out"
    assert predict_cli.main([str(images), str(out), "--run", str(run_dir)]) == 0
    written = pd.read_csv(out / "illuminants.csv")
    assert len(written) == len(read_illuminants(illum_dir))
    source = read_image(images / written["file"][0])
    corrected = read_image(out / written["file"][0])
    assert corrected.bit_depth == 16 and corrected.pixels.shape == source.pixels.shape
    estimate = written.loc[0, ["r", "g", "b"]].to_numpy(float)
    np.testing.assert_allclose(estimate, estimate_illuminants(run_params(run_dir), run_dir, [source.pixels])[0], rtol=1e-5)
    # Dividing the estimated light out: each unclipped pixel's channels scale by green / estimate.
    unclipped = corrected.pixels.max(axis=-1) < 0.99
    gains = corrected.pixels[unclipped].sum(axis=0) / source.pixels[unclipped].sum(axis=0)
    np.testing.assert_allclose(gains, estimate[1] / estimate, rtol=2e-3)


def test_estimate_illuminants_refuses_a_folder_that_is_not_a_run(tmp_path):
    with pytest.raises(UserError, match="not a run folder"):
        estimate_illuminants(run_params(tmp_path), tmp_path, [photo("coffee")])
