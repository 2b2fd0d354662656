"""tfcorrect-export: SavedModel and TFLite exports give the pictures the run folder gives, through one predictor."""

import json
import re
import shutil

import cv2
import numpy as np
import pytest

from tfcorrect.cli import export as export_cli
from tfcorrect.cli import predict as predict_cli
from tfcorrect.inference.backends import EXPORT_JSON
from tfcorrect.inference.export import export_run
from tfcorrect.io.images import read_image, write_image
from tfcorrect.evaluation.metrics import psnr
from tfcorrect.inference.predict import predictor_from_model, predictor_from_run
from tfcorrect.io.shipped import default_run
from conftest import photo

# (format, quantize) -> minimum PSNR in dB of its output against Keras's on real photos (None: within 1/255).
VARIANTS = {("savedmodel", "none"): None, ("tflite", "none"): None,
            ("tflite", "float16"): 40.0, ("tflite", "dynamic"): 40.0}
# int8 is refused for generators with exposure layers, as the tiny run's (see the last test).


def _photos(height=100, width=150):
    """Real photos, resized so that they need several 64-px tiles."""
    return [cv2.resize(photo(name), (width, height), interpolation=cv2.INTER_AREA) for name in ("coffee", "chelsea")]


@pytest.fixture(scope="module")
def exports(tmp_path_factory, run_dir, photo_dir):
    """Exports of the tiny run folder, made on first use: ``exports(fmt, quantize) -> OUT_DIR``."""
    root, made = tmp_path_factory.mktemp("exports"), {}

    def get(fmt, quantize="none"):
        if (fmt, quantize) not in made:
            out = root / f"{fmt}-{quantize}"
            export_run(run_dir, out, fmt=fmt, quantize=quantize, calibration=photo_dir if quantize == "int8" else None)
            made[fmt, quantize] = out
        return made[fmt, quantize]

    return get


@pytest.mark.parametrize("fmt, quantize", [k for k, v in VARIANTS.items() if v is None])
def test_float32_exports_match_keras_within_one_level(exports, run_dir, fmt, quantize):
    keras_predictor = predictor_from_run(run_dir, overlap=16)
    exported = predictor_from_model(exports(fmt, quantize), overlap=16)
    for image in _photos():
        reference, result = keras_predictor(image), exported(image)
        assert result.shape == reference.shape
        assert np.abs(result - reference).max() <= 1 / 255
        assert np.abs(reference - image).mean() > 2 / 255, "the model should change the photo"


@pytest.mark.slow
@pytest.mark.parametrize("quantize", [k[1] for k, v in VARIANTS.items() if v is not None])
def test_quantized_tflite_stays_close_to_keras(exports, run_dir, quantize):
    keras_predictor = predictor_from_run(run_dir, overlap=16)
    exported = predictor_from_model(exports("tflite", quantize), overlap=16)
    for image in _photos():
        reference, result = keras_predictor(image), exported(image)
        assert float(psnr(reference, result)) >= VARIANTS["tflite", quantize]


def test_export_json_describes_the_model(exports, run_dir):
    info = json.loads((exports("tflite") / EXPORT_JSON).read_text())
    assert (info["format"], info["precision"], info["file"]) == ("tflite", "float32", "model.tflite")
    assert (info["tile"], info["size_multiple"], info["in_channels"], info["out_channels"]) == (64, 64, 3, 3)
    assert info["input_range"] == [-1.0, 1.0]
    assert info["params"]["G_PRENORM"] == "white_point" and info["params"]["RESOL"] == "64"
    assert sorted(p.name for p in exports("tflite").iterdir()) == [EXPORT_JSON, "model.tflite"]


def test_predict_cli_with_model_writes_what_the_run_writes(tmp_path, exports, run_dir):
    source = tmp_path / "in"
    write_image(source / "a.png", _photos()[0], bit_depth=16)
    write_image(source / "sub" / "b.jpg", _photos(70, 90)[1])
    assert predict_cli.main([str(source), str(tmp_path / "keras"), "--run", str(run_dir)]) == 0
    assert predict_cli.main([str(source), str(tmp_path / "tflite"), "--model", str(exports("tflite"))]) == 0
    for name in ("a.png", "sub/b.jpg"):
        keras_out, tflite_out = read_image(tmp_path / "keras" / name), read_image(tmp_path / "tflite" / name)
        assert tflite_out.bit_depth == keras_out.bit_depth and tflite_out.pixels.shape == keras_out.pixels.shape
        assert np.abs(tflite_out.pixels - keras_out.pixels).max() <= 1.5 / 255


def test_saved_model_takes_other_tile_sizes_and_tflite_refuses(exports, capsys, tmp_path):
    image = _photos()[0]
    assert predictor_from_model(exports("savedmodel"), tile=128)(image).shape == image.shape
    write_image(tmp_path / "a.png", image)
    assert predict_cli.main([str(tmp_path / "a.png"), str(tmp_path / "out"), "--model", str(exports("tflite")),
                             "--tile", "128"]) == 2
    assert "64-px tiles only" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def _one_line_error(capsys, *args):
    assert export_cli.main([str(a) for a in args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("tfcorrect-export: error: ") and "\n" not in err
    return err


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_a_folder_that_is_not_a_run_is_refused(tmp_path, capsys, photo_dir):
    err = _one_line_error(capsys, photo_dir, tmp_path / "out", "--format", "savedmodel")
    assert "not a run folder" in err
    assert not (tmp_path / "out").exists() and _leftovers(tmp_path) == []


@pytest.mark.parametrize("fmt", ["savedmodel", "tflite"])
def test_weights_that_do_not_fit_params_are_refused(tmp_path, capsys, run_dir, fmt):
    broken = tmp_path / "broken"
    shutil.copytree(run_dir, broken)
    csv = broken / "params.csv"
    csv.write_text(re.sub(r"^COMMON,NGF,\d+,", "COMMON,NGF,8,", csv.read_text(), flags=re.M))
    err = _one_line_error(capsys, broken, tmp_path / "out", "--format", fmt)
    assert "generator.weights.h5: does not fit" in err
    assert not (tmp_path / "out").exists() and _leftovers(tmp_path) == []


@pytest.mark.parametrize("extra, message", [
    (["--format", "tflite", "--quantize", "int8"], "needs --calibration"),
    (["--format", "savedmodel", "--quantize", "float16"], "needs --format tflite"),
    (["--format", "tflite", "--tile", "96"], "multiple of 64"),
])
def test_bad_arguments_are_refused_before_anything_is_written(tmp_path, capsys, run_dir, extra, message):
    assert message in _one_line_error(capsys, run_dir, tmp_path / "out", *extra)
    assert not (tmp_path / "out").exists() and _leftovers(tmp_path) == []


def test_an_unrelated_folder_is_not_overwritten(tmp_path, capsys, run_dir):
    out = tmp_path / "out"
    write_image(out / "mine.png", _photos()[0])
    before = (out / "mine.png").read_bytes()
    assert "is not an export" in _one_line_error(capsys, run_dir, out, "--format", "savedmodel")
    assert [p.name for p in out.iterdir()] == ["mine.png"] and (out / "mine.png").read_bytes() == before


def test_int8_calibration_folder_without_images_is_refused(tmp_path, capsys, run_dir):
    (tmp_path / "empty").mkdir()
    err = _one_line_error(capsys, run_dir, tmp_path / "out", "--format", "tflite", "--quantize", "int8",
                          "--calibration", tmp_path / "empty")
    assert "no readable image" in err and not (tmp_path / "out").exists()


def test_predict_refuses_a_run_folder_as_model_and_both_options(tmp_path, capsys, run_dir, exports):
    write_image(tmp_path / "a.png", _photos()[0])
    assert predict_cli.main([str(tmp_path / "a.png"), str(tmp_path / "o"), "--model", str(run_dir)]) == 2
    assert "not an export folder" in capsys.readouterr().err
    assert predict_cli.main([str(tmp_path / "a.png"), str(tmp_path / "o"), "--model", str(exports("savedmodel")),
                             "--run", str(run_dir)]) == 2
    assert "not both" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["savedmodel", "tflite"])
def test_shipped_default_exports_match_keras(tmp_path, fmt):
    out = tmp_path / fmt
    assert export_cli.main([str(default_run()), str(out), "--format", fmt, "--tile", "256"]) == 0
    image = cv2.resize(photo("rocket"), (384, 256), interpolation=cv2.INTER_AREA)
    reference = predictor_from_run(default_run(), tile=256)(image)
    result = predictor_from_model(out)(image)
    assert np.abs(result - reference).max() <= 1 / 255
    assert np.abs(reference - image).mean() > 2 / 255


def test_a_previous_export_is_replaced_whole(tmp_path, run_dir):
    out = tmp_path / "out"
    export_run(run_dir, out, fmt="savedmodel")
    export_run(run_dir, out, fmt="tflite")
    assert sorted(p.name for p in out.iterdir()) == [EXPORT_JSON, "model.tflite"]
    assert json.loads((out / EXPORT_JSON).read_text())["format"] == "tflite"
    assert _leftovers(tmp_path) == []


def test_a_folder_with_a_stray_export_json_is_not_deleted(tmp_path, capsys, run_dir):
    """A project folder that merely holds a file named export.json (not JSON) keeps every file."""
    project = tmp_path / "proj"
    (project / "src").mkdir(parents=True)
    (project / "src" / "main.py").write_text("code\n")
    (project / EXPORT_JSON).write_text("not json\n")
    err = _one_line_error(capsys, run_dir, project, "--format", "tflite")
    assert "not one tfcorrect-export wrote" in err
    assert (project / "src" / "main.py").read_text() == "code\n" and (project / EXPORT_JSON).read_text() == "not json\n"
    assert _leftovers(tmp_path) == []


def test_files_added_to_a_previous_export_are_not_deleted(tmp_path, capsys, run_dir):
    out = tmp_path / "out"
    export_run(run_dir, out, fmt="tflite")
    (out / "notes.txt").write_text("mine\n")
    before = (out / EXPORT_JSON).read_bytes()
    err = _one_line_error(capsys, run_dir, out, "--format", "savedmodel")
    assert "notes.txt" in err and "not replacing" in err
    assert sorted(p.name for p in out.iterdir()) == [EXPORT_JSON, "model.tflite", "notes.txt"]
    assert (out / EXPORT_JSON).read_bytes() == before


def test_int8_is_refused_for_a_generator_with_exposure_layers(tmp_path, capsys):
    write_image(tmp_path / "calibration" / "a.png", _photos()[0])
    err = _one_line_error(capsys, default_run(), tmp_path / "out", "--format", "tflite", "--quantize", "int8",
                          "--calibration", tmp_path / "calibration")
    assert "G_PRENORM=white_point" in err and not (tmp_path / "out").exists()
