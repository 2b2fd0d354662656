"""Commands start TensorFlow without its C++ start-up lines unless asked for them."""

import os
import pathlib
import re
import subprocess
import sys

import cv2
import pytest

from conftest import ROOT, photo

ROOT = ROOT
BIN = pathlib.Path(sys.executable).parent
CPP_LOG_LINE = re.compile(r"^([IWEF]\d{4} [\d:.]+ +\d+ \S+:\d+\]|WARNING: All log messages before absl)", re.M)


def _env():
    return {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}


@pytest.mark.slow
def test_predict_on_a_folder_prints_no_tensorflow_log_line(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    for name in ("coffee", "chelsea"):
        cv2.imwrite(str(folder / f"{name}.jpg"), cv2.cvtColor((photo(name)[:96, :128] * 255).astype("uint8"),
                                                              cv2.COLOR_RGB2BGR))
    result = subprocess.run([str(BIN / "tfcorrect-predict"), str(folder), str(tmp_path / "out")], cwd=ROOT,
                            capture_output=True, text=True, timeout=300, env=_env())
    assert result.returncode == 0, result.stderr[-2000:]
    assert "2 written, 0 failed" in result.stdout
    assert not CPP_LOG_LINE.search(result.stderr), result.stderr[-2000:]


@pytest.mark.slow
def test_verbose_brings_the_start_up_lines_back():
    table = str(ROOT / "param_tables" / "pix2pix_exposure.csv")
    quiet, verbose = (subprocess.run([str(BIN / "tfcorrect-params"), table, *extra], capture_output=True, text=True,
                                     timeout=300, env=_env()) for extra in ([], ["--verbose"]))
    assert quiet.returncode == verbose.returncode == 0
    assert quiet.stdout == verbose.stdout
    assert not CPP_LOG_LINE.search(quiet.stderr), quiet.stderr[-2000:]
    assert CPP_LOG_LINE.search(verbose.stderr)


def _console_scripts():
    import configparser

    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    lines = config["options.entry_points"]["console_scripts"].splitlines()
    return [line.split("=")[0].strip() for line in lines if "=" in line]


@pytest.mark.slow
def test_no_command_prints_tensorflow_start_up_lines():
    """``--help`` of every command and a mistake of the one-shot commands: no C++ log line on stderr."""
    scripts = _console_scripts()
    assert len(scripts) >= 7
    calls = [[name, "--help"] for name in scripts]
    calls += [["tfcorrect-eval", "no-such-folder"], ["tfcorrect-data", "simulate-exposure", "no-such", "out"]]
    for call in calls:
        result = subprocess.run([str(BIN / call[0]), *call[1:]], capture_output=True, text=True, env=_env(),
                                cwd=ROOT, timeout=120)
        assert result.returncode in (0, 2), (call, result.stderr)
        assert not CPP_LOG_LINE.search(result.stderr), (call, result.stderr)


@pytest.mark.slow
@pytest.mark.parametrize("level", ["1", "3"])
def test_a_log_level_the_user_sets_hides_the_start_up_lines_too(level):
    """TensorFlow prints its start-up lines before it reads the level; the quiet start keeps them out at any level but 0."""
    table = str(ROOT / "param_tables" / "pix2pix_exposure.csv")
    result = subprocess.run([str(BIN / "tfcorrect-params"), table], capture_output=True, text=True, timeout=300,
                            env={**_env(), "TF_CPP_MIN_LOG_LEVEL": level})
    assert result.returncode == 0
    assert not CPP_LOG_LINE.search(result.stderr) and "cuInit" not in result.stderr, result.stderr[-2000:]


WARNS = """
import argparse, sys, warnings
from tfcorrect.cli.common import run

def warn(args):
    warnings.warn("the photo has no colour profile; assuming sRGB", UserWarning)

sys.exit(run("tfcorrect-test", warn, argparse.Namespace(verbose=True)))
"""


def test_a_python_warning_is_one_line_without_its_source_line():
    result = subprocess.run([sys.executable, "-c", WARNS], capture_output=True, text=True, timeout=120, env=_env())
    assert result.returncode == 0
    assert result.stderr == "warning: the photo has no colour profile; assuming sRGB (UserWarning)\n", result.stderr
