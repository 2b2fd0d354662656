"""``tfcorrect-data import-illuminants --format intel-tau`` on a small folder in INTEL-TAU's layout."""

import csv

import cv2
import numpy as np
import pytest
import tifffile

from tfcorrect.cli.data import main as data_main
from tfcorrect.errors import UserError
from tfcorrect.io.images import read_image
from tfcorrect.methods.illum_da.classical import angular_error, gray_world
from tfcorrect.methods.illum_da.illuminants import read_illuminants
from tfcorrect.methods.illum_da.intel_tau import camera_label, find_pairs, read_wp
from conftest import photo

# camera folder, scene-type folder, file stem, ground truth r g b as the .wp holds it
IMAGES = [
    ("Canon_5DSR", "field_1_cameras", "C_5DSR_field_001", (0.52, 1.0, 0.71)),
    ("Canon_5DSR", "lab_printouts", "scene_002", (0.83, 1.0, 0.39)),
    ("Nikon_D810", "field_3_cameras", "N_D810_field3cam_001", (0.47, 1.0, 0.64)),
    ("Nikon_D810", "lab_printouts", "scene_002", (0.61, 1.0, 0.55)),  # the same name as Canon's
]


def _raw(illuminant, flip, side=(24, 32)):
    """A real photo, linearised, under ``illuminant``, as 16-bit camera values with one clipped pixel."""
    srgb = cv2.resize(photo("astronaut"), side[::-1], interpolation=cv2.INTER_AREA)
    srgb = srgb[:, ::-1] if flip else srgb
    linear = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    lit = linear * np.array(illuminant) / max(illuminant)
    raw = np.round(lit * 40000 + 300).astype(np.uint16)  # 300: a black level the set did not take off
    raw[2, 3, 0] = 65535  # a clipped red channel
    return raw


def _write_set(root):
    raws = {}
    for camera, scene, stem, rgb in IMAGES:
        folder = root / camera / scene
        folder.mkdir(parents=True, exist_ok=True)
        raws[camera, scene] = _raw(rgb, flip=camera == "Nikon_D810")
        tifffile.imwrite(folder / f"{stem}.tiff", raws[camera, scene], photometric="rgb")
        (folder / f"{stem}.wp").write_text(" ".join(f"{v:g}" for v in rgb) + "\n")
    return raws


def _rows(folder):
    with open(folder / "illuminants.csv", newline="") as f:
        return list(csv.DictReader(f))


def test_import_writes_every_camera_with_its_ground_truth_and_label(tmp_path, capsys):
    root = tmp_path / "INTEL-TAU"
    raws = _write_set(root)
    (root / "Canon_5DSR" / "field_1_cameras" / "C_5DSR_field_009.wp").write_text("0.5 1 0.5\n")  # no image
    assert data_main(["import-illuminants", "--format", "intel-tau", str(root), str(root),
                      str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "C_5DSR_field_009.wp: no image" in out and "4 written, 0 failed" in out

    rows = _rows(tmp_path / "out")
    assert [r["file"] for r in rows] == [f"images/{c}/{s}/{n}.png" for c, s, n, _ in sorted(IMAGES)]
    assert [r["camera"] for r in rows] == ["Canon5DSR", "Canon5DSR", "NikonD810", "NikonD810"]
    for row, (_, _, _, rgb) in zip(rows, sorted(IMAGES)):
        np.testing.assert_allclose([float(row[c]) for c in "rgb"], rgb)
    examples = read_illuminants(tmp_path / "out")
    assert len(examples) == 4

    # black level 0 and saturation 65535 by default: the values are the file's over 65535, the clipped pixel 0
    for camera, scene, stem, rgb in IMAGES:
        pixels = read_image(tmp_path / "out" / "images" / camera / scene / f"{stem}.png").pixels
        expected = raws[camera, scene] / 65535.0
        expected[2, 3] = 0
        np.testing.assert_allclose(pixels, expected, atol=1 / 65535)
        # the photo's colours under the light: gray-world sees the light better than no correction
        assert angular_error(gray_world(pixels), rgb) < angular_error((1, 1, 1), rgb)


def test_black_level_saturation_and_camera_options_override_the_sets(tmp_path, capsys):
    root = tmp_path / "INTEL-TAU"
    raws = _write_set(root)
    canon = root / "Canon_5DSR"  # one camera's folder
    assert data_main(["import-illuminants", "--format", "intel-tau", str(canon), str(canon), str(tmp_path / "out"),
                      "--black-level", "300", "--saturation", "30000", "--camera", "C5DSR"]) == 0
    rows = _rows(tmp_path / "out")
    assert [r["file"] for r in rows] == ["images/field_1_cameras/C_5DSR_field_001.png",
                                         "images/lab_printouts/scene_002.png"]
    assert {r["camera"] for r in rows} == {"C5DSR"}
    raw = raws["Canon_5DSR", "field_1_cameras"].astype(np.float64)
    expected = np.clip(raw - 300, 0, None) / (30000 - 300)
    expected[raw.max(axis=-1) >= 30000] = 0
    assert (raw.max(axis=-1) >= 30000).sum() > 1  # the level does zero the photo's bright pixels too
    pixels = read_image(tmp_path / "out" / "images" / "field_1_cameras" / "C_5DSR_field_001.png").pixels
    np.testing.assert_allclose(pixels, expected, atol=1 / 65535)

    # without --camera, a camera folder given on its own still names the camera
    assert data_main(["import-illuminants", "--format", "intel-tau", str(canon), str(canon),
                      str(tmp_path / "out2")]) == 0
    assert {r["camera"] for r in _rows(tmp_path / "out2")} == {"Canon5DSR"}


def test_a_bad_wp_file_is_one_line_naming_it_and_the_others_are_written(tmp_path, capsys):
    root = tmp_path / "INTEL-TAU"
    _write_set(root)
    bad = root / "Nikon_D810" / "field_3_cameras" / "N_D810_field3cam_001.wp"
    bad.write_text("0.47 oops 0.64\n")
    assert data_main(["import-illuminants", "--format", "intel-tau", str(root), str(root),
                      str(tmp_path / "out")]) == 1
    captured = capsys.readouterr()
    failed = [line for line in captured.err.splitlines() if line.startswith("failed:")]
    assert failed == [f"failed: {bad}: expected three non-negative numbers r g b, got '0.47 oops 0.64'"]
    assert "3 written, 1 failed" in captured.out
    rows = _rows(tmp_path / "out")
    assert len(rows) == 3 and not any("N_D810_field3cam_001" in r["file"] for r in rows)
    assert not (tmp_path / "out" / "images" / "Nikon_D810" / "field_3_cameras").exists()


def test_wp_files_of_three_or_two_numbers_and_bad_ones(tmp_path):
    wp = tmp_path / "a.wp"
    wp.write_text("0.5\n1\n0.25\n")
    assert read_wp(wp) == (0.5, 1.0, 0.25)
    wp.write_text("0.5, 1, 0.25")
    assert read_wp(wp) == (0.5, 1.0, 0.25)
    wp.write_text("0.4 0.7")  # R/G B/G, as the raw release's
    assert read_wp(wp) == (0.4, 1.0, 0.7)
    for text in ("", "1 2 3 4", "-1 1 1", "0 0 0", "nan 1 1"):
        wp.write_text(text)
        with pytest.raises(UserError, match=r"a\.wp: expected three non-negative numbers"):
            read_wp(wp)


def test_pairs_by_folder_and_number_and_refuses_a_file_or_an_empty_folder(tmp_path):
    for camera in ("Canon_5DSR", "Nikon_D810"):
        folder = tmp_path / camera / "field_1_cameras"
        folder.mkdir(parents=True)
        tifffile.imwrite(folder / "x_1.tiff", np.zeros((4, 4, 3), np.uint16), photometric="rgb")
        (folder / "x_001.wp").write_text("1 1 1")  # numbered like Laakom's loader pads them
    pairs, skipped = find_pairs(tmp_path, tmp_path)
    assert [(p[2].as_posix(), p[3]) for p in pairs] == [("Canon_5DSR/field_1_cameras/x_1.tiff", "Canon5DSR"),
                                                        ("Nikon_D810/field_1_cameras/x_1.tiff", "NikonD810")]
    assert skipped == []
    assert camera_label("Sony_IMX135_BLCCSC") == "SonyIMX135BLCCSC"
    with pytest.raises(UserError, match="GT_FILE to be the INTEL-TAU folder"):
        find_pairs(tmp_path / "Canon_5DSR" / "field_1_cameras" / "x_001.wp", tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match=r"empty: no \.wp ground-truth file"):
        find_pairs(tmp_path / "empty", tmp_path)


def test_an_8_bit_tiff_is_named_and_skipped(tmp_path, capsys):
    folder = tmp_path / "set" / "Canon_5DSR" / "lab_realscene"
    folder.mkdir(parents=True)
    tifffile.imwrite(folder / "a.tiff", np.full((4, 4, 3), 9, np.uint8), photometric="rgb")
    (folder / "a.wp").write_text("1 1 1")
    assert data_main(["import-illuminants", "--format", "intel-tau", str(tmp_path / "set"), str(tmp_path / "set"),
                      str(tmp_path / "out")]) == 1
    assert f"failed: {folder / 'a.tiff'}: expected a 16-bit RGB TIFF" in capsys.readouterr().err
