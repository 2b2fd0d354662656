"""PRECISION: mixed-precision training and prediction with float32 weights and outputs."""

import dataclasses
import pathlib

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfcorrect.methods import build_network, build_trainer
from tfcorrect.evaluation.metrics import psnr
from tfcorrect.methods import load_params, resolve
from tfcorrect.inference.predict import Predictor, predictor_from_run
from tfcorrect.nn.precision import auto_precision, cpu_has_amx, gpu_has_bf16, machine_precision
from tfcorrect.training.driver import train
from conftest import FIXTURES, params, photo, table, tiny_sets

CPUINFO = FIXTURES / "cpuinfo"


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


def test_auto_takes_bfloat16_only_where_it_has_matrix_units():
    # This machine's /proc/cpuinfo (an AMD EPYC with AVX-512 BF16 instructions but no AMX, where
    # mixed_bfloat16 trains slower than float32) and a Sapphire Rapids Xeon's (flags from a public
    # PyTorch environment report).
    epyc = (CPUINFO / "amd_epyc_avx512_bf16.txt").read_text()
    xeon = (CPUINFO / "xeon_sapphire_rapids.txt").read_text()
    assert "avx512_bf16" in epyc and not cpu_has_amx(epyc)
    assert cpu_has_amx(xeon)
    assert not cpu_has_amx("")  # no /proc/cpuinfo (macOS, Windows)
    assert auto_precision(epyc, [])[0] == "float32"
    assert auto_precision(xeon, [])[0] == "mixed_bfloat16"
    # GPUs as tf.config.experimental.get_device_details describes them; with one the CPU does not matter.
    a100 = {"compute_capability": (8, 0), "device_name": "NVIDIA A100-SXM4-40GB"}
    h200 = {"compute_capability": (9, 0), "device_name": "NVIDIA H200"}
    v100 = {"compute_capability": (7, 0), "device_name": "Tesla V100-SXM2-16GB"}
    t4 = {"compute_capability": (7, 5), "device_name": "Tesla T4"}
    assert [gpu_has_bf16(gpu) for gpu in (a100, h200, v100, t4)] == [True, True, False, False]
    assert auto_precision(epyc, [a100])[0] == auto_precision(epyc, [h200, h200])[0] == "mixed_bfloat16"
    assert auto_precision(xeon, [t4])[0] == auto_precision(epyc, [a100, v100])[0] == "float32"
    precision, reason = auto_precision(xeon, [t4])
    assert "Tesla T4" in reason and "7.5" in reason
    # A device without a compute capability (a CPU, as TensorFlow describes it here) has no tensor cores.
    assert not gpu_has_bf16(tf.config.experimental.get_device_details(tf.config.list_physical_devices("CPU")[0]))


def test_auto_builds_float32_networks_on_a_cpu_without_amx():
    cpuinfo = pathlib.Path("/proc/cpuinfo").read_text()
    if "amx_bf16" in cpuinfo or tf.config.list_physical_devices("GPU"):
        pytest.skip("this machine has bfloat16 matrix units")
    assert machine_precision()[0] == "float32"
    assert "no AMX" in machine_precision()[1]
    p = params(resol=64, ngf=4, ndf=4, precision="auto")
    assert p.precision == "auto"  # the table's value; the machine decides when networks are built
    assert build_network(p, "generator").get_layer("generator_down2_conv").compute_dtype == "float32"


def _other_than_auto():
    """A concrete PRECISION that ``auto`` does not pick on this machine, standing for another machine's."""
    return "float32" if machine_precision()[0] == "mixed_bfloat16" else "mixed_bfloat16"


@pytest.mark.slow
def test_an_auto_run_records_its_choice_and_a_resume_keeps_the_recorded_one(tmp_path, photo_dir, capsys):
    from tfcorrect.cli import train as train_cli

    def argv(run_dir, *sets):  # later --set options override earlier ones
        sets = [*tiny_sets(photo_dir, EPOCHS=1, STEPS_PER_EPOCH=2, PRECISION="auto"), *sets]
        return [str(table(tmp_path, "")), *[a for s in sets for a in ("--set", s)], "--run-dir", str(run_dir)]

    chosen, reason = machine_precision()
    assert train_cli.main(argv(tmp_path / "auto")) == 0
    assert f"PRECISION {chosen} ({reason})" in capsys.readouterr().out
    assert load_params(tmp_path / "auto" / "params.csv").precision == chosen
    # A run trained elsewhere with another choice resumes here under that one, not this machine's.
    other = _other_than_auto()
    assert train_cli.main(argv(tmp_path / "other", f"PRECISION={other}")) == 0
    assert train_cli.main([*argv(tmp_path / "other", "EPOCHS=2"), "--resume"]) == 0
    assert f"PRECISION {other} (as set)" in capsys.readouterr().out
    resumed = load_params(tmp_path / "other" / "params.csv")
    assert resumed.precision == other and resumed.epochs == 2
    expected = {"float32": "float32", "mixed_bfloat16": "bfloat16"}[other]
    predictor = predictor_from_run(tmp_path / "other", tile=64, overlap=16)
    assert predictor.generator.get_layer("generator_down2_conv").compute_dtype == expected
