"""Shared fixtures: real photos that ship with scikit-image, written to disk as a user would have them."""

import os
import pathlib

import numpy as np
import pytest

from tfcorrect.io.sample_photos import load_photo

ROOT = pathlib.Path(__file__).resolve().parent.parent  # the repository
FIXTURES = ROOT / "tests" / "fixtures"
PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "motorcycle_left", "immunohistochemistry")
HEADER = "CATEGORY,PARAM_NAME,PARAM_VALUE,USE_YN\n"


def user_env(**extra):
    """The environment a user runs commands in: this one without any ``TF_*`` variable, plus ``extra``."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith("TF_")}, **extra}


def photo(name):
    """A bundled photo as float32 RGB in [0, 1]."""
    return load_photo(name).astype(np.float32) / 255.0


@pytest.fixture(scope="session")
def photo_dir(tmp_path_factory):
    """A folder of six real colour photos (PNG and JPEG) as a user's TRAIN_DIR."""
    import cv2

    folder = tmp_path_factory.mktemp("photos")
    for i, name in enumerate(PHOTOS):
        pixels = load_photo(name)
        suffix = ".png" if i % 2 else ".jpg"
        cv2.imwrite(str(folder / f"{name}{suffix}"), cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR))
    return folder


def table(tmp_path, body, name="t.csv"):
    """A CSV parameter table of the given rows (after the header) written to ``tmp_path``."""
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def params(**overrides):
    """Resolved parameters: the schema's defaults with ``overrides`` (lower-case names), derived values filled."""
    from tfcorrect.methods import resolve

    overrides = {"precision": "float32", **overrides}  # the same numbers on a machine where auto means bfloat16
    return resolve(_empty_table(), sets=[f"{k.upper()}={v}" for k, v in overrides.items()])[0]


def _empty_table():
    import tempfile

    path = os.path.join(tempfile.gettempdir(), "tfcorrect-tests-empty-table.csv")
    with open(path, "w", encoding="utf-8") as f:
        f.write(HEADER)
    return path


def tiny_sets(train_dir, **extra):
    """``--set`` options of a tiny, fast run on ``train_dir``."""
    values = {"DATASET": "simulate_exposure", "TRAIN_DIR": str(train_dir), "RESOL": 64, "NGF": 8, "NDF": 8,
              "EPOCHS": 2, "STEPS_PER_EPOCH": 3, "BATCH_SIZE": 2, "VAL_FRACTION": 0.34, "SAMPLES": 2,
              "PRECISION": "float32", "VAL_DIR": ""}  # float32: tests compare numbers (auto may pick bfloat16)
    values.update(extra)
    return [f"{k}={v}" for k, v in values.items()]


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory, photo_dir):
    """A briefly trained exposure model whose output depends on each tile's content."""
    from tfcorrect.methods import resolve
    from tfcorrect.training.driver import train

    folder = tmp_path_factory.mktemp("run") / "exposure"
    table = tmp_path_factory.mktemp("table") / "empty.csv"
    table.write_text("CATEGORY,PARAM_NAME,PARAM_VALUE,USE_YN\n")
    sets = tiny_sets(photo_dir, NGF=4, NDF=4, EPOCHS=1, STEPS_PER_EPOCH=2, G_PRENORM="white_point",
                     G_OUTPUT="exposure_gain")
    train(resolve(table, sets=sets)[0], folder, verbose=0)
    return folder
