"""``tfcorrect-data``: simulated data sets written as ``paired`` folders from real photos."""

import shutil

import cv2
import numpy as np
import pytest

from tfcorrect.cli.data import main
from tfcorrect.data.examples import find_paired
from tfcorrect.data.exposure import invert_overexposure, render_exposure, simulate_overexposure
from tfcorrect.io.images import read_image
from conftest import PHOTOS, photo

EIGHT_BIT = 1 / 255 + 1e-6


def _small_photos(folder, names=("chelsea", "coffee", "rocket"), side=48):
    """Real-photo crops as a user's folder of JPEGs and PNGs, one in a subfolder."""
    for i, name in enumerate(names):
        path = folder / ("sub" if i == 0 else "") / f"{name}{'.png' if i % 2 else '.jpg'}"
        path.parent.mkdir(parents=True, exist_ok=True)
        crop = (photo(name)[100:100 + side, 100:100 + side] * 255).round().astype(np.uint8)
        cv2.imwrite(str(path), cv2.cvtColor(crop, cv2.COLOR_RGB2BGR))
    return folder


def test_simulate_exposure_writes_one_condition_folder_per_offset(tmp_path, photo_dir):
    dst = tmp_path / "exposure"
    assert main(["simulate-exposure", str(photo_dir), str(dst), "--ev-offsets", "-1.5,1"]) == 0
    examples = find_paired(dst)
    assert len(examples) == 2 * len(PHOTOS)
    conditions = {e.input.split("input/")[1].split("/")[0] for e in examples}
    assert conditions == {"ev-1.5", "ev+1"}
    for e in examples:
        if "chelsea" in e.input:
            target = read_image(e.target).pixels
            ev = -1.5 if "ev-1.5" in e.input else 1.0
            np.testing.assert_allclose(read_image(e.input).pixels, render_exposure(target, ev), atol=EIGHT_BIT)
            np.testing.assert_array_equal(target, photo("chelsea"))  # the target is the photo itself


def test_simulate_overexposure_input_is_the_clipped_simulation_of_the_target(tmp_path, photo_dir):
    dst = tmp_path / "over"
    assert main(["simulate-overexposure", str(photo_dir), str(dst), "--tau", "0.4"]) == 0
    examples = find_paired(dst)
    assert sorted(e.input.split("input/")[1] for e in examples) == sorted(p.name.rsplit(".")[0] + ".png"
                                                                          for p in photo_dir.iterdir())
    clipped = 0
    for e in examples:
        target, image = read_image(e.target).pixels, read_image(e.input).pixels
        np.testing.assert_allclose(image, simulate_overexposure(target, 1 / 2.2, 0.4), atol=EIGHT_BIT)
        unclipped = image < 1
        recovered = invert_overexposure(image, 1 / 2.2, 0.4).numpy()
        np.testing.assert_allclose(recovered[unclipped], target[unclipped], atol=EIGHT_BIT)
        clipped += np.count_nonzero(~unclipped)
        assert image.mean() > target.mean()
    assert clipped > 0, "a 0.4 tau should clip the bright parts of real photos"


def test_a_corrupt_photo_is_named_and_the_others_are_written(tmp_path, capsys):
    src = _small_photos(tmp_path / "src")
    (src / "broken.png").write_bytes(b"not a png at all")
    before = {p: p.read_bytes() for p in src.rglob("*") if p.is_file()}
    assert main(["simulate-overexposure", str(src), str(tmp_path / "dst")]) == 1
    err = capsys.readouterr()
    assert "broken.png: not a readable image" in err.err
    assert "3 written, 1 failed" in err.out
    assert len(find_paired(tmp_path / "dst")) == 3
    assert before == {p: p.read_bytes() for p in src.rglob("*") if p.is_file()}, "inputs must be left untouched"


def test_two_photos_with_one_name_do_not_overwrite_each_other(tmp_path, capsys):
    src = _small_photos(tmp_path / "src", names=("chelsea", "coffee"))
    shutil.copy(src / "coffee.png", src / "coffee.jpg")
    assert main(["simulate-exposure", str(src), str(tmp_path / "dst"), "--ev-offsets=0"]) == 1
    assert "coffee.png: has the same name as" in capsys.readouterr().err


def test_gray_becomes_rgb_alpha_is_dropped_and_sixteen_bits_are_kept(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    gray = cv2.cvtColor((photo("coffee")[:40, :40] * 65535).astype(np.uint16), cv2.COLOR_RGB2GRAY)
    cv2.imwrite(str(src / "gray16.png"), gray)
    bgr = cv2.cvtColor((photo("chelsea")[:40, :40] * 255).astype(np.uint8), cv2.COLOR_RGB2BGR)
    cv2.imwrite(str(src / "rgba.png"), np.dstack([bgr, np.full(bgr.shape[:2], 7, np.uint8)]))
    assert main(["simulate-overexposure", str(src), str(tmp_path / "dst")]) == 0
    out = tmp_path / "dst"
    target, image = read_image(out / "target" / "gray16.png"), read_image(out / "input" / "gray16.png")
    assert (target.bit_depth, image.bit_depth, target.pixels.shape) == (16, 16, (40, 40, 3))
    for channel in range(3):
        np.testing.assert_array_equal(target.pixels[..., channel], gray / np.float32(65535))
    target = read_image(out / "target" / "rgba.png")
    assert target.alpha is None and target.bit_depth == 8
    np.testing.assert_array_equal(target.pixels, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB) / np.float32(255))


@pytest.mark.parametrize("command", ["simulate-exposure", "simulate-overexposure"])
def test_each_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    assert "paired" in capsys.readouterr().out


@pytest.mark.parametrize("args, message", [
    (["simulate-overexposure", "{src}", "{src}/out"], "must not be"),
    (["simulate-overexposure", "{src}/sub", "{src}"], "must not be inside the output folder"),
    (["simulate-exposure", "{src}/missing", "{tmp}/dst"], "missing: no such file or folder"),
    (["simulate-exposure", "{src}", "{tmp}/dst", "--ev-offsets", "-1,x"], "--ev-offsets must be"),
    (["simulate-exposure", "{src}", "{tmp}/dst", "--ev-offsets", "1,1.0"], "each once"),
    (["simulate-overexposure", "{src}", "{tmp}/dst", "--tau", "2"], "TAU must be <= 1.0"),
])
def test_user_mistakes_are_one_line_and_write_nothing(tmp_path, capsys, args, message):
    src = _small_photos(tmp_path / "src")
    code = main([a.format(src=src, tmp=tmp_path) for a in args])
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1
    assert not (tmp_path / "dst").exists() and not (src / "out").exists()
    assert not (src / "input").exists()
