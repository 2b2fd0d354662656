"""The shipped white-balance model (saved_models/white_balance) as a user runs it: tfcorrect-predict on raw PNGs."""

import cv2
import numpy as np
import pandas as pd

from tfcorrect.cli.predict import main as predict_main
from tfcorrect.methods import load_params, resolve
from tfcorrect.methods.illum_da.cameras import simulate_cameras_folder
from tfcorrect.methods.illum_da.classical import angular_error, gray_world
from tfcorrect.methods.illum_da.illuminants import read_illuminants
from tfcorrect.io.images import read_image
from conftest import ROOT, photo

SHIPPED = ROOT / "saved_models" / "white_balance"


def test_the_shipped_model_is_the_table_it_documents():
    shipped = load_params(SHIPPED / "params.csv")
    table = resolve(str(ROOT / "param_tables" / "white_balance.csv"))[0]
    for name in ("ILLUM_SPACE", "ILLUM_HEAD", "ILLUM_BASE", "PATCH", "POOLING", "ILLUM_LONG_SIDE", "CAMERAS"):
        assert getattr(shipped, name.lower()) == getattr(table, name.lower()), name


def test_predict_white_balances_raw_pngs_of_a_camera_it_never_saw(tmp_path):
    (tmp_path / "photos").mkdir()
    for name in ("coffee", "astronaut", "chelsea"):
        cv2.imwrite(str(tmp_path / "photos" / f"{name}.png"), (photo(name)[..., ::-1] * 255).astype(np.uint8))
    simulate_cameras_folder(tmp_path / "photos", tmp_path / "raw", cameras=("X150",), per_photo=2, seed=5,
                            long_side=256, progress=False)
    assert "X150" not in load_params(SHIPPED / "params.csv").cameras.split(",")
    examples = read_illuminants(tmp_path / "raw")
    code = predict_main([str(tmp_path / "raw" / "images"), str(tmp_path / "out"), "--run", str(SHIPPED)])
    assert code == 0
    written = pd.read_csv(tmp_path / "out" / "illuminants.csv")
    assert len(written) == len(examples) == 6
    estimates = {row.file: (row.r, row.g, row.b) for row in written.itertuples()}
    errors, identity, gray = [], [], []
    for example in examples:
        name = example.target.split("/images/")[-1]
        errors.append(angular_error(estimates[name], example.illuminant))
        identity.append(angular_error((1, 1, 1), example.illuminant))
        gray.append(angular_error(gray_world(read_image(example.target).pixels), example.illuminant))
        corrected = read_image(tmp_path / "out" / name)
        assert corrected.pixels.shape == read_image(example.target).pixels.shape
    assert np.mean(errors) < 0.4 * np.mean(identity)  # identity is 15-20 degrees off
    assert np.mean(errors) < np.mean(gray) + 1.0
