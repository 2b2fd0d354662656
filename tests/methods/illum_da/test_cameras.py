"""``simulate-cameras``, the ``illuminant`` data kind, the Cube+ / NUS-8 converters and the colour-constancy eval."""

import csv
import shutil

import cv2
import pandas as pd
import numpy as np
import pytest
import scipy.io

from tfcorrect.cli.data import main as data_main
from tfcorrect.cli.eval import main as eval_main
from tfcorrect.methods.illum_da.classical import angular_error
from tfcorrect.methods.illum_da import cameras, lights, sensors
from tfcorrect.methods.illum_da.illuminants import read_illuminants
from tfcorrect.methods.illum_da.import_illuminants import import_illuminants
from tfcorrect.methods import find_examples
from tfcorrect.errors import UserError
from tfcorrect.io.images import read_image
from tfcorrect.io.images import write_image
from tfcorrect.params import resolved_rows, write_table
from conftest import params, photo


def _linear(name, side=48):
    srgb = cv2.resize(photo(name), (side, side), interpolation=cv2.INTER_AREA)
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4).astype(np.float32)


def _rows(folder):
    with open(folder / "illuminants.csv", newline="") as f:
        return list(csv.DictReader(f))


def _write16(path, raw):
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), cv2.cvtColor(np.asarray(raw, np.uint16), cv2.COLOR_RGB2BGR))


@pytest.fixture(scope="module")
def simulated(tmp_path_factory, photo_dir):
    """``simulate-cameras`` on six real photos, one corrupt file beside them."""
    source = tmp_path_factory.mktemp("photos")
    for path in photo_dir.iterdir():
        shutil.copy(path, source / path.name)
    (source / "broken.png").write_bytes(b"not a png")
    dst = tmp_path_factory.mktemp("sim") / "cc"
    code = data_main(["simulate-cameras", str(source), str(dst), "--per-photo", "2", "--long-side", "48"])
    return code, dst


def test_two_cameras_record_the_same_scene_and_light_differently():
    light = lights.daylight(5500)
    scene = _linear("astronaut")
    raw = {c: cameras.render(scene, c, light) for c in "CN"}
    truth = {c: cameras.white_response(c, light) for c in "CN"}
    assert angular_error(truth["C"], truth["N"]) > 3
    per_pixel = angular_error(raw["C"], raw["N"])
    assert np.nanmedian(per_pixel) > 3
    # The difference is more than a white balance: the cameras do not agree once each is divided by its white.
    balanced = angular_error(raw["C"] / truth["C"], raw["N"] / truth["N"])
    assert np.nanmedian(balanced) > 0.5


def test_the_ground_truth_is_the_response_to_a_white_surface():
    for camera in sensors.CAMERAS:
        for light in (lights.blackbody(2700), lights.lamps()[0]):
            white = cameras.render(np.ones((2, 2, 3), np.float32), camera, light)
            assert np.all(angular_error(white, cameras.white_response(camera, light)) < 1e-3)


def test_lights_cover_daylight_blackbody_and_measured_lamps_near_the_locus():
    names = [light.name for light in lights.lamps()]
    assert "lamp F32T8/TL841 (Triphosphor)" in names
    assert not any(n in names for n in ("lamp LPS", "lamp HPS", "lamp H38HT-100 (Mercury)"))  # far off 2500-10000 K
    rng = np.random.default_rng(1)
    drawn = {lights.draw_light(rng).name.split()[0] for _ in range(30)}
    assert drawn == {"daylight", "blackbody", "lamp"}
    warm = cameras.white_response("C", lights.blackbody(2500))
    cold = cameras.white_response("C", lights.daylight(9500))
    assert warm[0] / warm[2] > 2 * cold[0] / cold[2]


def test_simulate_cameras_writes_an_illuminant_folder_and_skips_a_bad_photo(simulated, capsys):
    code, dst = simulated
    assert code == 1  # the corrupt file failed, the six photos were written
    rows = _rows(dst)
    assert len(rows) == 6 * 2 * 2
    examples = find_examples("illuminant", dst)
    assert [e.camera for e in examples] == [r["camera"] for r in rows]
    image = read_image(examples[0].target)
    assert image.bit_depth == 16 and max(image.height, image.width) == 48
    by_key = {(r["source"], r["file"][-5], r["camera"]): r for r in rows}  # file ends in _<camera>_<k>.png
    for (source, k, camera), row in by_key.items():
        other = by_key[(source, k, "N" if camera == "C" else "C")]
        assert row["light"] == other["light"]  # same scene, same light ...
        if camera == "C":
            c, n = (read_image(dst / r["file"]).pixels for r in (row, other))
            assert np.nanmedian(angular_error(c, n)) > 1  # ... different raw colours
            assert angular_error([float(row[x]) for x in "rgb"], [float(other[x]) for x in "rgb"]) > 1


def test_a_white_photo_is_recorded_as_the_ground_truth(tmp_path):
    (tmp_path / "src").mkdir()
    cv2.imwrite(str(tmp_path / "src" / "white.png"), np.full((32, 48, 3), 255, np.uint8))
    assert data_main(["simulate-cameras", str(tmp_path / "src"), str(tmp_path / "ideal"), "--per-photo", "3",
                      "--no-raw-effects"]) == 0
    for example in read_illuminants(tmp_path / "ideal"):
        assert np.all(angular_error(read_image(example.target).pixels, example.illuminant) < 0.05)
    # A real sensor: colour shading tints the corners (red falls off most) and noise scatters the
    # pixels, but an unclipped pixel near the centre still reads the light within a degree or so.
    assert data_main(["simulate-cameras", str(tmp_path / "src"), str(tmp_path / "real"), "--per-photo", "3",
                      "--clip-percent", "0"]) == 0
    for example in read_illuminants(tmp_path / "real"):
        error = angular_error(read_image(example.target).pixels, example.illuminant)
        assert np.median(error[12:20, 18:30]) < 1.0 < np.median(error[[0, 0, -1, -1], [0, -1, 0, -1]])


def test_split_gives_each_photo_one_camera_and_a_seed_repeats_the_lights(tmp_path, photo_dir):
    for name in ("a", "b"):
        assert data_main(["simulate-cameras", str(photo_dir), str(tmp_path / name), "--split", "--per-photo", "1",
                          "--long-side", "16", "--seed", "3"]) == 0
    rows = _rows(tmp_path / "a")
    assert len(rows) == 6 and {r["camera"] for r in rows} == {"C", "N"}
    assert sorted(r["camera"] for r in rows) == ["C"] * 3 + ["N"] * 3
    assert rows == _rows(tmp_path / "b")


def test_bad_options_are_one_line_errors(tmp_path, photo_dir, capsys):
    assert data_main(["simulate-cameras", str(photo_dir), str(tmp_path / "x"), "--cameras", "C,Q"]) == 2
    assert "unknown camera 'Q'" in capsys.readouterr().err
    assert data_main(["simulate-cameras", str(photo_dir), str(photo_dir / "inside")]) == 2


def test_a_bad_csv_row_is_named(tmp_path):
    folder = tmp_path / "cc"
    _write16(folder / "images" / "a.png", np.full((4, 4, 3), 1000))
    (folder / "illuminants.csv").write_text("file,r,g,b,camera\nimages/a.png,1,2,3,C\nimages/a.png,1,x,3,C\n")
    with pytest.raises(UserError, match=r"illuminants.csv line 3: r,g,b must be"):
        read_illuminants(folder)
    (folder / "illuminants.csv").write_text("file,r,g,b,camera\nimages/missing.png,1,2,3,C\n")
    with pytest.raises(UserError, match=r"line 2: images/missing.png: no such image"):
        read_illuminants(folder)
    (folder / "illuminants.csv").write_text("file,r,g,camera\nimages/a.png,1,2,C\n")
    with pytest.raises(UserError, match=r"line 1: missing column\(s\) b"):
        read_illuminants(folder)


def test_eval_prints_the_baselines_table_per_camera(simulated, tmp_path, capsys):
    _, dst = simulated
    capsys.readouterr()
    assert eval_main([str(dst), "--out", str(tmp_path / "eval")]) == 0
    printed = capsys.readouterr().out
    for camera in ("all", "C", "N"):
        for method in ("identity", "gray_world", "white_patch", "shades_of_gray", "gray_edge"):
            assert f"| {camera} | {method} | {12 if camera != 'all' else 24} |" in printed
    with open(tmp_path / "eval" / "errors.csv") as f:
        errors = list(csv.DictReader(f))
    assert len(errors) == 24 * 5
    mean = {m: np.mean([float(e["angular_error"]) for e in errors if e["method"] == m])
            for m in ("identity", "gray_world")}
    assert mean["gray_world"] < mean["identity"]
    assert (tmp_path / "eval" / "report.md").read_text().count("| all |") == 5
    assert (tmp_path / "eval" / "grid.png").is_file()


def test_import_cube_subtracts_the_black_level_and_zeroes_saturated_pixels(tmp_path):
    raw = (_linear("rocket", 32) * 12000 + 2048).round()
    raw[3, 4] = [15000, 9000, 9000]  # the image's largest value: saturated
    _write16(tmp_path / "cube" / "PNG_1_200" / "1.PNG", raw)
    _write16(tmp_path / "cube" / "PNG_1_200" / "2.PNG", raw[::-1])
    (tmp_path / "cube+_gt.txt").write_text("0.5 0.9 0.3\n0.4 0.8 0.5\n0.6 0.7 0.2\n")  # line 3: no image
    written, failed = import_illuminants("cube", tmp_path / "cube+_gt.txt", tmp_path / "cube", tmp_path / "out",
                                         progress=False)
    assert (written, failed) == (2, 0)
    examples = read_illuminants(tmp_path / "out")
    assert [e.camera for e in examples] == ["Canon550D"] * 2
    np.testing.assert_allclose(examples[1].illuminant, np.array([0.4, 0.8, 0.5]) / np.linalg.norm([0.4, 0.8, 0.5]))
    pixels = read_image(tmp_path / "out" / "images" / "1.png").pixels
    expected = (raw - 2048) / (15000 - 2 - 2048)
    expected[3, 4] = 0
    np.testing.assert_allclose(pixels, expected, atol=1 / 65535)


def test_import_cube_names_a_bad_line(tmp_path):
    (tmp_path / "gt.txt").write_text("0.5 0.9 0.3\n0.5 oops 0.3\n")
    (tmp_path / "img").mkdir()
    with pytest.raises(UserError, match=r"gt.txt line 2: expected three non-negative numbers"):
        import_illuminants("cube", tmp_path / "gt.txt", tmp_path / "img", tmp_path / "out")


def test_import_nus8_reads_the_mat_file_and_masks_the_chart(tmp_path, capsys):
    raw = (_linear("astronaut", 40) * 3000 + 128).round()
    for name in ("IMG_1", "IMG_2"):
        _write16(tmp_path / "Canon600D" / "PNG" / f"{name}.PNG", raw)
    scipy.io.savemat(tmp_path / "Canon600D_gt.mat", {
        "groundtruth_illuminants": np.array([[0.3, 0.6, 0.2], [0.5, 0.6, 0.1]]),
        "all_image_names": np.array(["IMG_1", "IMG_2"], dtype=object),
        "darkness_level": 128.0, "saturation_level": 3000.0,
        "CC_coords": np.array([[5, 10, 7, 12], [1, 2, 1, 2]])})
    assert data_main(["import-illuminants", "--format", "nus8", str(tmp_path / "Canon600D_gt.mat"),
                      str(tmp_path / "Canon600D"), str(tmp_path / "out")]) == 0
    examples = read_illuminants(tmp_path / "out")
    assert [e.camera for e in examples] == ["Canon600D"] * 2
    np.testing.assert_allclose(examples[0].illuminant, np.array([0.3, 0.6, 0.2]) / np.linalg.norm([0.3, 0.6, 0.2]))
    pixels = read_image(tmp_path / "out" / "images" / "IMG_1.png").pixels
    expected = np.clip(raw - 128, 0, None) / (3000 - 128)
    expected[raw.max(axis=-1) >= 3000] = 0
    expected[4:10, 6:12] = 0  # rows 5..10, columns 7..12, 1-based inclusive
    np.testing.assert_allclose(pixels, expected, atol=1 / 65535)


@pytest.mark.slow
def test_eval_with_a_run_scores_the_model_first_with_its_own_estimates(simulated, tmp_path, capsys):
    from tfcorrect.cli import train as train_cli
    from tfcorrect.inference.predict import run_params
    from tfcorrect.methods.illum_da.predict import estimate_illuminants
    from conftest import table

    _, dst = simulated
    sets = {"MODEL": "illum_da", "DATASET": "illuminant", "TRAIN_DIR": dst, "PATCH": 16, "ILLUM_FILTERS": 4,
            "ILLUM_LEVELS": 2, "BATCH_SIZE": 4, "STEPS_PER_EPOCH": 2, "EPOCHS": 1, "VAL_FRACTION": 0.34}
    run_dir = tmp_path / "run"
    argv = [str(table(tmp_path, "")), *[a for k, v in sets.items() for a in ("--set", f"{k}={v}")]]
    assert train_cli.main([*argv, "--run-dir", str(run_dir)]) == 0
    capsys.readouterr()
    assert eval_main([str(dst), "--run", str(run_dir), "--out", str(tmp_path / "eval"), "--grid", "1"]) == 0
    printed = capsys.readouterr().out
    assert "| all | model | 24 |" in printed and "| C | model | 12 |" in printed
    assert printed.index("| all | model |") < printed.index("| all | identity |")
    with open(tmp_path / "eval" / "errors.csv") as f:
        errors = [e for e in csv.DictReader(f) if e["method"] == "model"]
    example = read_illuminants(dst)[17]  # past the first chunk of 16 images
    estimate = estimate_illuminants(run_params(run_dir), run_dir, [read_image(example.target).pixels])[0]
    row = next(e for e in errors if str(dst / e["image"]) == example.target)
    assert float(row["angular_error"]) == pytest.approx(float(angular_error(estimate, example.illuminant)), abs=1e-4)


def _run_of(tmp_path, sets):
    """A run folder's params.csv as tfcorrect-train writes it (what tfcorrect-eval reads first)."""
    run = tmp_path / f"run-{sets['MODEL']}"
    run.mkdir()
    write_table(run / "params.csv", resolved_rows(params(**{k.lower(): v for k, v in sets.items()})))
    return run


def test_eval_refuses_up_front_a_run_its_folder_kind_cannot_score(tmp_path, simulated, capsys):
    _, simulated = simulated
    paired = tmp_path / "paired"
    for name in ("coffee", "chelsea"):
        write_image(paired / "input" / f"{name}.png", photo(name)[:48, :64] * 0.5)
        write_image(paired / "target" / f"{name}.png", photo(name)[:48, :64])
    illum_run = _run_of(tmp_path, {"MODEL": "illum_da", "DATASET": "illuminant", "TRAIN_DIR": str(simulated)})
    pix2pix_run = _run_of(tmp_path, {"MODEL": "pix2pix", "DATASET": "paired", "TRAIN_DIR": str(paired)})
    for data, run, message in [(paired, illum_run, "a MODEL=illum_da run is scored on illuminant folders"),
                               (simulated, pix2pix_run, "a MODEL=pix2pix run is scored on folders of image pairs")]:
        assert eval_main([str(data), "--run", str(run), "--out", str(tmp_path / "eval")]) == 2
        err = capsys.readouterr().err.strip()
        assert message in err and "\n" not in err, err
        assert not (tmp_path / "eval").exists()


def test_an_absolute_file_in_illuminants_csv_is_one_line(tmp_path, simulated, capsys):
    _, simulated = simulated
    data = tmp_path / "data"
    shutil.copytree(simulated, data)
    frame = pd.read_csv(data / "illuminants.csv")
    frame.loc[0, "file"] = str((data / frame.loc[0, "file"]).resolve())
    frame.to_csv(data / "illuminants.csv", index=False)
    assert eval_main([str(data), "--out", str(tmp_path / "eval")]) == 2
    err = capsys.readouterr().err.strip()
    assert "line 2" in err and "must be a path relative to" in err and "\n" not in err, err
