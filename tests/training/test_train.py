"""tfcorrect-train end to end: the run folder, rebuilding, resuming after a kill, distribution."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import types

import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from tfcorrect.training import runfolder
from tfcorrect.cli import train as train_cli
from tfcorrect.methods import build_network, build_trainer
from tfcorrect.methods import load_params, resolve
from tfcorrect.training.driver import graph_options, train
from conftest import ROOT, photo, tiny_sets, user_env

TABLE = ROOT / "param_tables" / "pix2pix_exposure.csv"
RUN_FILES = ("params.csv", "generator.weights.h5", "discriminator.weights.h5", "history.csv", "loss.png",
             "checkpoint.npz")


def _argv(run_dir, train_dir, **extra):
    sets = tiny_sets(train_dir, **extra)
    return [str(TABLE), *[a for s in sets for a in ("--set", s)], "--run-dir", str(run_dir)]


@pytest.mark.slow
def test_train_command_writes_the_whole_run_folder(tmp_path, photo_dir):
    run_dir = tmp_path / "run"
    assert train_cli.main(_argv(run_dir, photo_dir, EPOCHS=3, STEPS_PER_EPOCH=5)) == 0
    assert all((run_dir / name).is_file() for name in RUN_FILES)
    history = pd.read_csv(run_dir / "history.csv")
    assert list(history["epoch"]) == [1, 2, 3]
    assert {"g_total", "g_gan", "g_l1", "d_real", "d_fake", "val_g_l1"} <= set(history.columns)
    assert sorted(p.name for p in (run_dir / "samples").iterdir()) == [f"epoch_000{i}.png" for i in (1, 2, 3)]
    assert not [p for p in run_dir.rglob(".*tmp*")], "temporary files left behind"


@pytest.mark.slow
def test_generator_rebuilt_from_run_folder_gives_identical_outputs(tmp_path, photo_dir):
    run_dir = tmp_path / "run"
    params = resolve(TABLE, sets=tiny_sets(photo_dir))[0]
    trained = train(params, run_dir, verbose=0).model.generator
    rebuilt = build_network(load_params(run_dir / "params.csv"), "generator")
    rebuilt.load_weights(run_dir / "generator.weights.h5")
    x = photo("chelsea")[None, :256, :256] * 2 - 1
    np.testing.assert_array_equal(rebuilt(x, training=False).numpy(), trained(x, training=False).numpy())


def test_a_finished_run_is_not_overwritten_and_resume_needs_a_checkpoint(tmp_path, photo_dir, capsys):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    assert train_cli.main(_argv(run_dir, photo_dir) + ["--resume"]) == 2
    assert "nothing to resume" in capsys.readouterr().err
    (run_dir / "checkpoint.npz").write_bytes(b"a finished epoch")
    assert train_cli.main(_argv(run_dir, photo_dir)) == 2
    assert "already holds a run" in capsys.readouterr().err


def test_a_table_mistake_stops_before_training(tmp_path, photo_dir, capsys):
    assert train_cli.main(_argv(tmp_path / "run", photo_dir, NFG=8)) == 2
    err = capsys.readouterr().err
    assert "--set NFG=8: unknown parameter 'NFG' (did you mean NGF?)" in err and err.count("\n") == 1
    assert not (tmp_path / "run").exists()


@pytest.mark.slow
def test_killed_run_resumes_from_last_complete_epoch(tmp_path, photo_dir):
    run_dir = tmp_path / "run"
    argv = _argv(run_dir, photo_dir, EPOCHS=6, STEPS_PER_EPOCH=8)
    command = [sys.executable, "-m", "tfcorrect.cli.train", *argv]
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    history = run_dir / "history.csv"
    deadline = time.time() + 300
    while time.time() < deadline and child.poll() is None:
        if history.exists() and len(history.read_text().splitlines()) >= 3:  # header + 2 epochs
            break
        time.sleep(0.02)
    child.send_signal(signal.SIGKILL)
    child.wait()
    # The checkpoint is written before history.csv, so it is the authority on complete epochs.
    with np.load(run_dir / "checkpoint.npz") as saved:
        done = int(saved["epoch"])
    assert 2 <= done < 6, "the kill should land in the middle of the run"
    result = subprocess.run(command + ["--resume"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert f"epochs {done + 1}..6" in result.stdout
    assert list(pd.read_csv(history)["epoch"]) == [1, 2, 3, 4, 5, 6]


@pytest.mark.slow
def test_short_training_on_real_photos_lowers_validation_l1(tmp_path, photo_dir):
    params = resolve(TABLE, sets=tiny_sets(photo_dir, EPOCHS=6, STEPS_PER_EPOCH=10, LR=0.001, SAMPLES=0))[0]
    history = train(params, tmp_path / "run", verbose=0).history["val_g_l1"]
    assert history[-1] < 0.9 * history[0], history


MIRRORED = textwrap.dedent("""
    import sys
    from tfcorrect.cli.train import before_tensorflow

    before_tensorflow("mirrored")  # as tfcorrect-train does, before TensorFlow starts
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from tfcorrect.methods import resolve
    from tfcorrect.training.driver import graph_options, train

    params = resolve(sys.argv[1], sets=sys.argv[3:])[0]
    history = train(params, sys.argv[2], verbose=0).history
    print("G_L1", *history["g_l1"])
""")


@pytest.mark.slow
def test_mirrored_strategy_on_two_logical_cpus_trains(tmp_path, photo_dir):
    sets = tiny_sets(photo_dir, STRATEGY="mirrored", EPOCHS=5, STEPS_PER_EPOCH=6, BATCH_SIZE=4, LR=0.001, SAMPLES=0)
    result = subprocess.run([sys.executable, "-c", MIRRORED, str(TABLE), str(tmp_path / "run"), *sets],
                            capture_output=True, text=True, timeout=600, env=user_env())
    assert result.returncode == 0, result.stderr[-3000:]
    assert "2 replica(s)" in result.stdout and "oneDNN" not in result.stderr
    losses = [float(v) for v in result.stdout.split("G_L1")[1].split()]
    assert losses[-1] < losses[0], losses
    assert runfolder.weights_file("generator") in os.listdir(tmp_path / "run")


@pytest.mark.slow
def test_training_on_only_unreadable_files_stops_with_a_message(tmp_path, capsys):
    folder = tmp_path / "bad"
    folder.mkdir()
    for name in ("a.png", "b.jpg", "c.png"):
        (folder / name).write_bytes(b"not an image")
    assert train_cli.main(_argv(tmp_path / "run", folder, VAL_DIR=str(folder))) == 2
    err = capsys.readouterr().err
    assert "a.png" in err and "training data ran out" in err


def test_keep_best_exports_the_epoch_with_the_lowest_validation_loss(tmp_path, photo_dir):
    params = resolve(TABLE, sets=tiny_sets(photo_dir, KEEP_BEST="val_g_l1"))[0]
    trainer = build_trainer(params)
    writer = runfolder.RunFolderWriter(tmp_path, [], keep_best="val_g_l1")
    writer.set_model(trainer)
    kernel = trainer.networks["generator"].trainable_weights[0]
    exported = build_network(params, "generator")
    for epoch, (val_l1, value) in enumerate([(0.5, 0.1), (0.3, 0.2), (0.4, 0.3)]):
        kernel.assign(np.full(kernel.shape, value))
        writer.on_epoch_end(epoch, {"g_l1": 1.0, "val_g_l1": val_l1})
    exported.load_weights(tmp_path / "generator.weights.h5")
    assert np.allclose(exported.trainable_weights[0].numpy(), 0.2)  # epoch 2 had the lowest val_g_l1
    assert list(pd.read_csv(tmp_path / "history.csv")["epoch"]) == [1, 2, 3]
    writer.keep_best = "none"
    writer.on_epoch_end(3, {"g_l1": 1.0, "val_g_l1": 0.9})
    exported.load_weights(tmp_path / "generator.weights.h5")
    assert np.allclose(exported.trainable_weights[0].numpy(), 0.3)


REMAPPING = textwrap.dedent("""
    import json, sys, keras, numpy as np, tensorflow as tf
    from tfcorrect.methods import build_trainer
    from tfcorrect.methods import resolve
    from tfcorrect.io.sample_photos import load_photo

    params = resolve(sys.argv[1], sets=sys.argv[2:])[0]
    pixels = [load_photo(name)[:params.resol, :params.resol] / 127.5 - 1 for name in ("astronaut", "coffee")]
    batch = tf.constant(np.stack(pixels), tf.float32)
    data = tf.data.Dataset.from_tensors((batch * 0.5, batch)).repeat()
    losses = {}
    for remapping in (True, False):
        tf.config.optimizer.set_experimental_options({"remapping": remapping})
        keras.utils.set_random_seed(0)
        history = build_trainer(params).fit(data, steps_per_epoch=3, epochs=1, verbose=0).history
        losses[remapping] = {name: values[-1] for name, values in history.items()}
    print("LOSSES", json.dumps([losses[True], losses[False]]))
""")


@pytest.mark.slow
def test_single_device_training_fuses_ops_without_changing_the_losses(tmp_path):
    """Grappler's remapper runs on the train graph (no 'remapper failed') and the losses match remapping off."""
    sets = ["RESOL=64", "NGF=8", "NDF=8", "DROPOUT=0", "BATCH_SIZE=2"]
    result = subprocess.run([sys.executable, "-c", REMAPPING, str(TABLE), *sets], capture_output=True, text=True,
                            timeout=600, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "0"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert "remapper failed" not in result.stderr, result.stderr[-3000:]
    on, off = json.loads(result.stdout.split("LOSSES")[1])
    assert on.keys() == off.keys()
    for name in on:
        assert on[name] == pytest.approx(off[name], rel=1e-4), name


def test_remapping_is_off_only_with_several_replicas():
    assert graph_options(tf.distribute.get_strategy()) == {"remapping": True}
    # graph_options reads only the replica count; two logical devices cannot be made after TensorFlow starts.
    assert graph_options(types.SimpleNamespace(num_replicas_in_sync=2)) == {"remapping": False}


def test_the_driver_feeds_fit_without_tf_data_autotuning():
    """Autotuning made training steps run on about one core for a whole process (bench/README.md)."""
    import tensorflow as tf

    from tfcorrect.training.driver import training_input

    options = training_input(tf.data.Dataset.range(4).batch(2)).options()
    assert options.autotune.enabled is False
    assert options.experimental_optimization.inject_prefetch is False
    assert options.experimental_distribute.auto_shard_policy == tf.data.experimental.AutoShardPolicy.DATA
