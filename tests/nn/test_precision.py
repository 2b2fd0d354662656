"""PRECISION: mixed-precision training and prediction with float32 weights and outputs."""

import dataclasses

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfcorrect.methods import build_network, build_trainer
from tfcorrect.evaluation.metrics import psnr
from tfcorrect.methods import load_params, resolve
from tfcorrect.inference.predict import Predictor, predictor_from_run
from tfcorrect.training.driver import train
from conftest import params, photo, table, tiny_sets


def _batch():
    images = np.stack([tf.image.resize(photo(n), (64, 64)).numpy() for n in ("astronaut", "coffee")])
    return tf.constant(images * 0.4 * 2 - 1), tf.constant(images * 2 - 1)


@pytest.mark.parametrize("precision, compute", [("mixed_bfloat16", "bfloat16"), ("mixed_float16", "float16")])
def test_mixed_networks_compute_low_precision_keep_float32_weights_and_outputs(precision, compute):
    trainer = build_trainer(params(resol=64, ngf=4, ndf=4, precision=precision))
    generator = trainer.networks["generator"]
    assert generator.get_layer("generator_down2_conv").compute_dtype == compute
    assert {v.dtype for net in trainer.networks.values() for v in net.trainable_variables} == {"float32"}
    image, target = _batch()
    assert generator(image).dtype == "float32"
    assert trainer.networks["discriminator"]([image, target]).dtype == "float32"
    before = [v.numpy().copy() for v in generator.trainable_variables]
    for _ in range(4):  # float16's first steps may overflow at the initial loss scale and be skipped
        logs = trainer.train_step((image, target))
    assert all(np.isfinite(float(v)) for v in logs.values())
    assert any(not np.array_equal(b, v.numpy()) for b, v in zip(before, generator.trainable_variables))
    scaled = isinstance(trainer.optimizers["generator"], keras.optimizers.LossScaleOptimizer)
    assert scaled == (precision == "mixed_float16")  # loss scaling only where float16's range needs it
    assert keras.config.dtype_policy().name == "float32", "building must not leave the global policy changed"


@pytest.mark.slow
def test_a_bfloat16_run_writes_float32_weights_and_predicts_at_its_precision(tmp_path, photo_dir):
    run_dir = tmp_path / "run"
    sets = tiny_sets(photo_dir, PRECISION="mixed_bfloat16", G_PRENORM="white_point", G_OUTPUT="exposure_gain")
    train(resolve(table(tmp_path, ""), sets=sets)[0], run_dir, verbose=0)
    as_float32 = build_network(dataclasses.replace(load_params(run_dir / "params.csv"), precision="float32"),
                               "generator")
    as_float32.load_weights(run_dir / "generator.weights.h5")  # float32 weights load into a float32 network
    predictor = predictor_from_run(run_dir, tile=64, overlap=16)
    assert predictor.generator.get_layer("generator_down2_conv").compute_dtype == "bfloat16"
    image = tf.image.resize(photo("chelsea"), (128, 192)).numpy() * 0.5
    low, full = predictor(image), Predictor(as_float32, tile=64, overlap=16)(image)
    assert 30 < psnr(low, full) < float("inf"), "bfloat16 should be close to, but not the same as, float32"


def test_a_float16_checkpoint_restores_the_loss_scale_and_every_optimiser_variable(tmp_path):
    from tfcorrect.training import runfolder

    p = params(resol=64, ngf=4, ndf=4, precision="mixed_float16")
    trainer = build_trainer(p)
    for _ in range(3):
        trainer.train_step(_batch())
    trainer.optimizers["generator"].dynamic_scale.assign(1024.0)  # as after a few overflows
    runfolder.save_checkpoint(tmp_path / "c.npz", trainer, 1, [])
    restored = build_trainer(p)
    runfolder.load_checkpoint(tmp_path / "c.npz", restored)
    for name in ("generator", "discriminator"):
        saved, loaded = trainer.optimizers[name], restored.optimizers[name]
        assert float(loaded.dynamic_scale) == float(saved.dynamic_scale)
        assert all(np.array_equal(a.numpy(), b.numpy()) for a, b in zip(saved.variables, loaded.variables))
    assert float(restored.optimizers["generator"].dynamic_scale) == 1024.0
