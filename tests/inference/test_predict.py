"""tfcorrect-predict: any size, format, depth and channel layout in; same out; nothing lost."""

import shutil

import cv2
import numpy as np
import pytest

from tfcorrect.cli import predict as predict_cli
from tfcorrect.io.images import read_image, write_image
from tfcorrect.inference.predict import predictor_from_run
from conftest import FIXTURES, photo


def _predict(run_dir, source, out, *extra):
    return predict_cli.main([str(source), str(out), "--run", str(run_dir), *extra])


def _photo(height, width, name="coffee"):
    return cv2.resize(photo(name), (width, height), interpolation=cv2.INTER_AREA)


CASES = [  # extension, bit depth, channels (1 gray, 3 RGB, 4 RGBA)
    (".png", 8, 3), (".png", 16, 3), (".png", 8, 1), (".png", 16, 1), (".png", 8, 4), (".png", 16, 4),
    (".jpg", 8, 3), (".jpeg", 8, 1), (".bmp", 8, 3), (".tif", 8, 3), (".tif", 16, 3), (".tiff", 16, 1),
]


@pytest.mark.parametrize("suffix, depth, channels", CASES)
@pytest.mark.parametrize("size", [(50, 70), (150, 230)], ids=["smaller-than-tile", "tiled"])
def test_size_depth_channels_and_alpha_are_kept(tmp_path, run_dir, suffix, depth, channels, size):
    pixels = _photo(*size)
    if channels == 1:
        pixels = pixels.mean(axis=-1, keepdims=True)
    alpha = np.linspace(0, 1, size[0] * size[1]).reshape(size) if channels == 4 else None
    source = tmp_path / "in" / f"photo{suffix}"
    write_image(source, pixels, alpha=alpha, bit_depth=depth)
    before = source.read_bytes()
    assert _predict(run_dir, tmp_path / "in", tmp_path / "out", "--tile", "64") == 0
    result, original = read_image(tmp_path / "out" / source.name), read_image(source)
    assert result.pixels.shape == original.pixels.shape
    assert result.bit_depth == original.bit_depth == depth
    if channels == 4:
        np.testing.assert_array_equal(result.alpha, original.alpha)
    else:
        assert result.alpha is None
    if depth == 16:
        assert np.any(np.round(result.pixels * 65535) % 257), "a 16-bit output should not be 8-bit in disguise"
    assert source.read_bytes() == before, "the input must not be modified"


def test_exif_orientation_is_applied(tmp_path, run_dir):
    from PIL import Image as PILImage

    stored = (_photo(60, 100) * 255).astype(np.uint8)
    exif = PILImage.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    PILImage.fromarray(stored).save(tmp_path / "in.jpg", exif=exif.tobytes())
    assert _predict(run_dir, tmp_path / "in.jpg", tmp_path / "out", "--tile", "64") == 0
    assert read_image(tmp_path / "out" / "in.jpg").pixels.shape == (100, 60, 3)


def test_folder_with_a_corrupt_file_writes_the_others_and_fails(tmp_path, run_dir, capsys):
    source = tmp_path / "in"
    write_image(source / "a.png", _photo(64, 64))
    write_image(source / "sub" / "b.jpg", _photo(80, 90, "chelsea"))
    (source / "sub" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    assert _predict(run_dir, source, tmp_path / "out", "--tile", "64") == 1
    captured = capsys.readouterr()
    assert "broken.png" in captured.err
    assert "2 written, 1 failed" in captured.out
    assert sorted(str(p.relative_to(tmp_path / "out")) for p in (tmp_path / "out").rglob("*")
                  if p.is_file()) == ["a.png", "sub/b.jpg"]


@pytest.mark.parametrize("inside", ["", "sub/out"])
def test_output_inside_input_is_refused(tmp_path, run_dir, capsys, inside):
    source = tmp_path / "in"
    write_image(source / "a.png", _photo(64, 64))
    assert _predict(run_dir, source, source / inside) == 2
    err = capsys.readouterr().err
    assert "must not be" in err and err.count("\n") == 1
    assert [p.name for p in source.rglob("*") if p.is_file()] == ["a.png"]


def test_weights_that_do_not_fit_params_give_one_line(tmp_path, run_dir, capsys):
    broken = tmp_path / "broken_run"
    shutil.copytree(run_dir, broken)
    text = (broken / "params.csv").read_text().replace("COMMON,NGF,4,", "COMMON,NGF,8,")
    (broken / "params.csv").write_text(text)
    write_image(tmp_path / "in" / "a.png", _photo(64, 64))
    assert _predict(broken, tmp_path / "in", tmp_path / "out") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "generator.weights.h5: does not fit" in err
    assert not (tmp_path / "out").exists()


def test_prediction_is_deterministic(tmp_path, run_dir):
    predictor = predictor_from_run(run_dir, tile=64)
    image = _photo(100, 130)
    np.testing.assert_array_equal(predictor(image), predictor(image))


def _border_jump(image, borders):
    """Mean absolute difference between horizontal neighbours at the given columns, and elsewhere."""
    diff = np.abs(np.diff(image, axis=1)).mean(axis=(0, 2))
    at = np.zeros(diff.shape, bool)
    at[[b - 1 for b in borders]] = True
    return diff[at].mean(), diff[~at].mean()


def test_tiled_output_of_a_smooth_photo_shows_no_seam(run_dir):
    smooth = cv2.GaussianBlur(_photo(192, 640, "rocket"), (0, 0), 3)
    predictor = predictor_from_run(run_dir, tile=64, overlap=16)
    stride = predictor.tile - predictor.overlap
    starts = list(range(0, 640 - 64, stride)) + [640 - 64]
    borders = sorted({s for s in starts[1:]} | {s + 64 for s in starts[:-1]})
    seam, elsewhere = _border_jump(predictor(smooth), borders)
    assert seam <= elsewhere, (seam, elsewhere)
    # Without overlap the same model does leave seams: the check above can fail.
    hard = predictor_from_run(run_dir, tile=64, overlap=0)
    hard_borders = list(range(64, 640, 64))
    hard_seam, hard_elsewhere = _border_jump(hard(smooth), hard_borders)
    assert hard_seam > 1.5 * hard_elsewhere, (hard_seam, hard_elsewhere)


def test_bad_tile_and_missing_input_are_one_line_errors(tmp_path, run_dir, capsys):
    write_image(tmp_path / "in" / "a.png", _photo(64, 64))
    assert _predict(run_dir, tmp_path / "in", tmp_path / "out", "--tile", "100") == 2
    assert "--tile 100 must be a multiple of 64" in capsys.readouterr().err
    assert _predict(run_dir, tmp_path / "nowhere", tmp_path / "out") == 2
    assert "nowhere: no such file or folder" in capsys.readouterr().err
    assert _predict(tmp_path / "in", tmp_path / "in", tmp_path / "out") == 2
    assert "not a run folder" in capsys.readouterr().err


REFERENCE = FIXTURES / "default_model"


@pytest.mark.slow
def test_shipped_default_model_gives_the_reference_outputs(tmp_path):
    """The shipped model's outputs on real photos, as recorded when it was shipped (guards refactors of the predictor)."""
    from tfcorrect.data.exposure import render_exposure

    references = sorted(REFERENCE.glob("*.png"))
    assert len(references) == 3
    for reference in references:  # e.g. chelsea_-1.5EV.png: the photo rendered at that EV offset
        name, ev = reference.stem.rsplit("_", 1)
        write_image(tmp_path / "in" / reference.name, render_exposure(photo(name), float(ev[:-2])).numpy())
    assert predict_cli.main([str(tmp_path / "in"), str(tmp_path / "out")]) == 0
    for reference in references:
        expected, got = read_image(reference).pixels, read_image(tmp_path / "out" / reference.name).pixels
        assert np.abs(got - expected).max() <= 1 / 255 + 1e-6, reference.name
        # The check can fail: the input itself is far from the model's output.
        assert np.abs(read_image(tmp_path / "in" / reference.name).pixels - expected).mean() > 0.02
