"""``STRATEGY=multiworker``: two worker processes on this machine, as two machines would run them.

Each worker is ``tfcorrect-train`` started with its own ``TF_CONFIG`` (loopback addresses, ports
free at run time). Its weights can equal those of a one-process ``mirrored`` run because both
train on the same global batches, split the same way among replicas (``train.distribute_by_data``),
from the same seeded weights, augmentation and dropout (pix2pix's DROPOUT=0.5 is on here).
"""

import json
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time

import h5py
import numpy as np
import pandas as pd
import pytest

from tfcorrect.training import runfolder
from tfcorrect.cli import train as train_cli
from conftest import tiny_sets, user_env
from test_train import RUN_FILES, TABLE

# As a user runs the commands: no TF_* variable (tfcorrect-train sets what several replicas need).
ENV = user_env()
TIMEOUT = 240  # seconds any one training process may take on a busy 2-core machine

MIRRORED = textwrap.dedent("""
    import sys
    from tfcorrect.cli.train import before_tensorflow

    before_tensorflow("mirrored")  # what tfcorrect-train does for a mirrored table
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from tfcorrect.cli.train import main

    sys.exit(main(sys.argv[1:]))
""")


def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def _start(command, env, log):
    """Start ``command``; its output goes to files (an unread pipe that fills up would stall a worker, and with it
    the other worker waiting for it at exit)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log.with_suffix(".out"), "w") as out, open(log.with_suffix(".err"), "w") as err:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=err)
    process.log = log
    return process


def _start_workers(argvs, tmpdirs, logs):
    """One ``tfcorrect-train`` process per argv, worker ``i`` with ``TMPDIR=tmpdirs[i]``, in one cluster."""
    cluster = {"worker": [f"127.0.0.1:{port}" for port in _free_ports(len(argvs))]}
    workers = []
    for index, (argv, tmpdir) in enumerate(zip(argvs, tmpdirs)):
        tmpdir.mkdir(parents=True, exist_ok=True)
        tf_config = json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})
        env = {**ENV, "TF_CONFIG": tf_config, "TMPDIR": str(tmpdir)}
        workers.append(_start([sys.executable, "-m", "tfcorrect.cli.train", *argv], env, logs / f"worker{index}"))
    return workers


def _finish(processes, timeout=TIMEOUT):
    """``(returncode, stdout, stderr)`` of each process; one still running after ``timeout`` s is killed."""
    deadline = time.time() + timeout
    for process in processes:
        try:
            process.wait(timeout=max(1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return [(p.returncode, p.log.with_suffix(".out").read_text(), p.log.with_suffix(".err").read_text())
            for p in processes]


def _wait_for(condition, process, timeout=TIMEOUT):
    """Poll ``condition`` until it holds; fails if ``process`` ends or ``timeout`` s pass first."""
    deadline = time.time() + timeout
    while not condition():
        assert process.poll() is None, process.log.with_suffix(".err").read_text()[-3000:]
        assert time.time() < deadline, f"timed out; {process.log} still running"
        time.sleep(0.02)


def _argv(run_dir, train_dir, **extra):
    sets = tiny_sets(train_dir, STRATEGY="multiworker", BATCH_SIZE=4, **extra)
    return [str(TABLE), *[a for s in sets for a in ("--set", s)], "--run-dir", str(run_dir)]


def _weights(path):
    arrays = {}
    with h5py.File(path) as f:
        f.visititems(lambda name, item: arrays.update({name: item[()]}) if isinstance(item, h5py.Dataset) else None)
    return arrays


@pytest.mark.slow
def test_two_workers_train_as_one_mirrored_process_and_only_the_chief_writes(tmp_path, photo_dir):
    # Two "machines" without a shared disk: each worker has its own --run-dir and its own TMPDIR.
    machines = [tmp_path / "machine0", tmp_path / "machine1"]
    argvs = [_argv(m / "run", photo_dir, EPOCHS=2, STEPS_PER_EPOCH=2, VAL_STEPS=1) for m in machines]
    workers = _start_workers(argvs, [m / "tmp" for m in machines], tmp_path / "logs")
    mirrored_argv = [*argvs[0][:-1], str(tmp_path / "mirrored"), "--set", "STRATEGY=mirrored"]
    mirrored = _start([sys.executable, "-c", MIRRORED, *mirrored_argv], ENV, tmp_path / "logs" / "mirrored")
    results = _finish([*workers, mirrored])
    for code, out, err in results:
        assert code == 0, err[-3000:]
    assert all("2 replica(s)" in out for _, out, _ in results)
    assert not any("oneDNN" in err for _, _, err in results)  # tfcorrect-train turned its rewrites off itself

    chief = machines[0] / "run"
    assert all((chief / name).is_file() for name in RUN_FILES)
    assert list(pd.read_csv(chief / "history.csv")["epoch"]) == [1, 2]
    assert sorted(p.name for p in (chief / "samples").iterdir()) == ["epoch_0001.png", "epoch_0002.png"]
    assert list((chief / "logs").rglob("events.out.tfevents.*"))
    with np.load(chief / "checkpoint.npz") as saved:
        assert int(saved["optimizer/generator/adam/iteration"]) == 2 * 2  # every step ran, once
    # The other worker wrote only into a temporary folder in its TMPDIR, and deleted that.
    assert [p.name for p in machines[1].rglob("*")] == ["tmp"]

    mirrored_dir = tmp_path / "mirrored"
    two_workers, one_process = _weights(chief / "generator.weights.h5"), _weights(mirrored_dir / "generator.weights.h5")
    assert two_workers.keys() == one_process.keys() and len(two_workers) > 10
    for name in two_workers:
        np.testing.assert_allclose(two_workers[name], one_process[name], rtol=1e-5, atol=1e-6, err_msg=name)
    pd.testing.assert_frame_equal(pd.read_csv(chief / "history.csv"), pd.read_csv(mirrored_dir / "history.csv"),
                                  rtol=1e-4)


@pytest.mark.slow
def test_killed_worker_resumes_with_every_epoch_run_once(tmp_path, photo_dir):
    run_dir = tmp_path / "shared" / "run"  # one folder both workers see, as on a shared disk
    argv = _argv(run_dir, photo_dir, EPOCHS=3, STEPS_PER_EPOCH=2, SAMPLES=0, VAL_STEPS=1)
    tmpdirs = [tmp_path / "tmp0", tmp_path / "tmp1"]
    chief, other = _start_workers([argv, argv], tmpdirs, tmp_path / "logs")
    history = run_dir / "history.csv"
    _wait_for(lambda: history.exists() and len(history.read_text().splitlines()) >= 2, other)  # header + 1 epoch
    other.send_signal(signal.SIGKILL)
    # The chief notices the lost worker and says what to do (TensorFlow then takes ~40 s more to exit).
    _wait_for(lambda: "start every worker again with --resume" in chief.log.with_suffix(".err").read_text(), chief)
    chief.kill()
    _finish([chief, other])
    with np.load(run_dir / "checkpoint.npz") as saved:
        done = int(saved["epoch"])
    assert 1 <= done < 3, "the kill should land in the middle of the run"

    results = _finish(_start_workers([argv + ["--resume"]] * 2, tmpdirs, tmp_path / "logs" / "resumed"))
    for code, _, err in results:
        assert code == 0, err[-3000:]
    assert f"epochs {done + 1}..3" in results[0][1]
    assert list(pd.read_csv(history)["epoch"]) == [1, 2, 3]
    assert not [p for p in run_dir.rglob("*") if p.name.startswith(".")], "temporary files left in the run folder"


def test_only_the_chief_writes_the_run_folder_the_others_a_temporary_one(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "machine_tmp"))
    (tmp_path / "machine_tmp").mkdir()
    with runfolder.worker_folder(tmp_path / "run", chief=False) as folder:
        (folder / "history.csv").write_text("epoch\n1\n")
        assert folder.parent == tmp_path / "machine_tmp"
    assert not folder.exists() and not (tmp_path / "run").exists()
    with runfolder.worker_folder(tmp_path / "run", chief=True) as folder:
        assert folder == tmp_path / "run" and folder.is_dir()


def test_a_tf_config_that_is_not_json_is_a_one_line_error(tmp_path, photo_dir, monkeypatch, capsys):
    monkeypatch.setenv("TF_CONFIG", '{"cluster": {"worker": ["127.0.0.1:1"]')
    assert train_cli.main(_argv(tmp_path / "run", photo_dir)) == 2
    err = capsys.readouterr().err
    assert "TF_CONFIG: not valid JSON" in err and err.count("\n") == 1
    assert not (tmp_path / "run").exists()
