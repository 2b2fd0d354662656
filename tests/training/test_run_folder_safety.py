"""A run folder survives what users do to it: two trainings at once, kills, full disks, damaged checkpoints, divergence."""

import pathlib
import resource
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from tfcorrect.cli import train as train_cli
from tfcorrect.training import runfolder
from conftest import ROOT, tiny_sets, user_env

TABLE = ROOT / "param_tables" / "pix2pix_exposure.csv"


def _argv(run_dir, train_dir, **extra):
    sets = tiny_sets(train_dir, **extra)
    return [str(TABLE), *[a for s in sets for a in ("--set", s)], "--run-dir", str(run_dir)]


def _one_line(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert err and err[-1].startswith("tfcorrect-train: error: "), err
    return err[-1]


def _epochs(run_dir):
    with np.load(run_dir / runfolder.CHECKPOINT) as saved:
        return int(saved["epoch"])


@pytest.mark.slow
def test_a_second_training_of_the_same_folder_stops_at_once(tmp_path, photo_dir, capsys):
    run_dir = tmp_path / "run"
    argv = _argv(run_dir, photo_dir, EPOCHS=40, STEPS_PER_EPOCH=4, SAMPLES=0)
    first = subprocess.Popen([sys.executable, "-m", "tfcorrect.cli.train", *argv], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True, env=user_env())
    try:
        deadline = time.time() + 300
        while not (run_dir / runfolder.CHECKPOINT).exists():
            assert first.poll() is None and time.time() < deadline, first.stderr.read()[-2000:]
            time.sleep(0.05)
        assert train_cli.main(argv + ["--resume"]) == 2  # passes the early checks, then meets the lock
        assert "another training is writing this run folder" in _one_line(capsys)
        assert first.poll() is None, "the first training must go on"
    finally:
        first.send_signal(signal.SIGINT)
        first.wait(timeout=120)
    assert first.returncode == 130  # interrupted, as Ctrl-C says
    done, history = _epochs(run_dir), list(pd.read_csv(run_dir / runfolder.HISTORY)["epoch"])
    assert history == list(range(1, len(history) + 1)) and done - 1 <= len(history) <= done  # whole epochs only


@pytest.fixture(scope="module")
def two_epochs(tmp_path_factory, photo_dir):
    """A finished two-epoch run folder; tests copy it."""
    run_dir = tmp_path_factory.mktemp("finished") / "run"
    assert train_cli.main(_argv(run_dir, photo_dir, EPOCHS=2, STEPS_PER_EPOCH=2)) == 0
    return run_dir


def _copy(run_dir, tmp_path):
    return pathlib.Path(shutil.copytree(run_dir, tmp_path / "run"))


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["truncated", "bit-flipped"])
def test_resume_from_a_damaged_checkpoint_is_one_line(tmp_path, photo_dir, two_epochs, capsys, damage):
    run_dir = _copy(two_epochs, tmp_path)
    checkpoint = run_dir / runfolder.CHECKPOINT
    data = bytearray(checkpoint.read_bytes())
    if damage == "truncated":
        data = data[: len(data) // 2]
    else:
        middle = len(data) // 2
        data[middle:middle + 64] = bytes(b ^ 0xFF for b in data[middle:middle + 64])
    checkpoint.write_bytes(bytes(data))
    assert train_cli.main(_argv(run_dir, photo_dir, EPOCHS=3, STEPS_PER_EPOCH=2) + ["--resume"]) == 2
    assert "unreadable checkpoint" in _one_line(capsys)
    assert checkpoint.read_bytes() == bytes(data), "a failed resume must not touch the folder"


@pytest.mark.slow
def test_resume_rebuilds_what_a_kill_after_the_checkpoint_cut_off(tmp_path, photo_dir, two_epochs):
    """A kill between the checkpoint and the sample leaves no sample of that epoch and a temporary file."""
    run_dir = _copy(two_epochs, tmp_path)
    (run_dir / runfolder.SAMPLES / "epoch_0002.png").unlink()
    (run_dir / ".loss.tmp-k1ll3d.png").write_bytes(b"half a PNG")
    (run_dir / runfolder.SAMPLES / ".epoch_0002.tmp-x9y8z7.png").write_bytes(b"half a PNG")
    assert train_cli.main(_argv(run_dir, photo_dir, EPOCHS=3, STEPS_PER_EPOCH=2) + ["--resume"]) == 0
    assert sorted(p.name for p in (run_dir / runfolder.SAMPLES).iterdir()) == [
        "epoch_0001.png", "epoch_0002.png", "epoch_0003.png"]
    assert not [p for p in run_dir.rglob(".*") if p.is_file()], "temporary files left in the run folder"


@pytest.mark.slow
def test_resume_with_fewer_epochs_says_how_many_are_complete(tmp_path, photo_dir, two_epochs, capsys):
    run_dir = _copy(two_epochs, tmp_path)
    assert train_cli.main(_argv(run_dir, photo_dir, EPOCHS=1, STEPS_PER_EPOCH=2) + ["--resume"]) == 0
    assert "2 epochs are complete (EPOCHS=1)" in capsys.readouterr().out


@pytest.mark.slow
def test_a_diverging_run_stops_naming_the_epoch_and_keeps_the_last_good_one(tmp_path, photo_dir, capsys):
    run_dir = tmp_path / "run"
    assert train_cli.main(_argv(run_dir, photo_dir, EPOCHS=4, STEPS_PER_EPOCH=3, LR=1e30)) == 2
    err = _one_line(capsys)
    assert "training diverged" in err and "nan" in err.lower()
    if (run_dir / runfolder.CHECKPOINT).exists():
        history = pd.read_csv(run_dir / runfolder.HISTORY)
        assert np.isfinite(history.drop(columns="epoch").to_numpy()).all()


@pytest.mark.slow
def test_a_run_that_failed_at_once_can_be_started_again(tmp_path, photo_dir, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    run_dir = tmp_path / "run"
    assert train_cli.main(_argv(run_dir, empty, VAL_DIR=str(photo_dir))) == 2
    capsys.readouterr()
    assert train_cli.main(_argv(run_dir, photo_dir, EPOCHS=1, STEPS_PER_EPOCH=2)) == 0
    assert list(pd.read_csv(run_dir / runfolder.HISTORY)["epoch"]) == [1]


def _small_disk(limit):
    """In the child: files may grow to ``limit`` bytes, as on a nearly full disk (EFBIG instead of ENOSPC)."""
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@pytest.mark.slow
def test_a_full_disk_is_one_line_and_leaves_a_consistent_folder(tmp_path, photo_dir):
    run_dir = tmp_path / "run"
    argv = _argv(run_dir, photo_dir, EPOCHS=2, STEPS_PER_EPOCH=2)
    result = subprocess.run([sys.executable, "-m", "tfcorrect.cli.train", *argv], capture_output=True, text=True,
                            timeout=300, env=user_env(), preexec_fn=_small_disk(200_000))
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("tfcorrect-train: error: ") and "File too large" in last, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert not [p for p in run_dir.rglob(".*") if p.is_file()], "temporary files left in the run folder"
    if (run_dir / runfolder.CHECKPOINT).exists():  # whatever was written is whole
        with np.load(run_dir / runfolder.CHECKPOINT) as saved:
            assert int(saved["epoch"]) >= 1
