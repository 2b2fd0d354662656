"""tfcorrect-eval: baselines (and a model) scored on paired and afifi folders of real photos."""


import cv2
import numpy as np
import pandas as pd
import pytest

from tfcorrect.evaluation import baselines
from tfcorrect.cli import eval as eval_cli
from tfcorrect.evaluation.evaluate import summarise
from tfcorrect.data.exposure import render_exposure, simulate_overexposure
from tfcorrect.io.images import read_image, write_image
from conftest import ROOT, photo

NAMES = ("coffee", "chelsea", "astronaut")
DEFAULT_RUN = ROOT / "saved_models" / "exposure_default"


def _small(name, width=64, height=48):
    return cv2.resize(photo(name), (width, height), interpolation=cv2.INTER_AREA)


@pytest.fixture
def overexposed(tmp_path):
    """A paired folder: seed 003's overexposure of real photos (input/) and the photos (target/), 16-bit PNG."""
    data = tmp_path / "data"
    for name in NAMES:
        target = _small(name)
        write_image(data / "target" / f"{name}.png", target, bit_depth=16)
        write_image(data / "input" / f"{name}.png", simulate_overexposure(target).numpy(), bit_depth=16)
    return data


@pytest.fixture(autouse=True)
def no_inception_weights(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))


def _mean_table(report):
    """Rows (method names) of report.md's table of means per method."""
    section = report.split("## Means per method\n", 1)[1].strip().split("\n\n", 1)[0]
    return [line.split("|")[1].strip() for line in section.splitlines()[2:]]


def test_inverse_recovers_unclipped_pixels_and_beats_identity(overexposed, tmp_path, capsys):
    out = tmp_path / "eval"
    assert eval_cli.main([str(overexposed), "--baselines", "identity,inverse", "--out", str(out)]) == 0
    for name in NAMES:
        image = read_image(overexposed / "input" / f"{name}.png").pixels
        target = read_image(overexposed / "target" / f"{name}.png").pixels
        unclipped = image < 1
        assert unclipped.mean() > 0.5 and (~unclipped).any()
        np.testing.assert_allclose(baselines.inverse_overexposure(image)[unclipped], target[unclipped], atol=2 / 65535)

    table = pd.read_csv(out / "metrics.csv", keep_default_na=False)
    assert list(table.columns) == ["image", "condition", "method", "psnr", "ssim", "ms_ssim", "luminance_sim",
                                   "contrast_sim", "saturation_sim", "psnr_clipped", "ssim_clipped", "new_edges"]
    psnr = table.pivot(index="image", columns="method", values="psnr")
    assert sorted(psnr.index) == sorted(f"input/{name}.png" for name in NAMES)
    assert (psnr["inverse"] > psnr["identity"]).all()
    clipped = table.pivot(index="image", columns="method", values="psnr_clipped")  # every photo has clipped pixels
    assert (clipped["inverse"] < psnr["inverse"]).all()

    report = (out / "report.md").read_text()
    assert _mean_table(report) == ["identity", "inverse"]
    assert str(overexposed) in report and "inception score: not computed" in report
    assert "per condition" not in report  # no subfolders: no conditions
    grid = read_image(out / "grid.png").pixels
    assert grid.shape[1] == 4 * 128 and grid.shape[0] > 3 * 128  # input | identity | inverse | target, 3 rows
    assert "| inverse |" in capsys.readouterr().out


def test_unreadable_and_mismatched_pairs_are_named_and_skipped(overexposed, tmp_path, capsys):
    write_image(overexposed / "target" / "broken.png", _small("rocket"))
    (overexposed / "input" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    write_image(overexposed / "target" / "wrong.png", _small("rocket"))
    write_image(overexposed / "input" / "wrong.png", _small("rocket", 40, 30))
    out = tmp_path / "eval"
    assert eval_cli.main([str(overexposed), "--baselines", "identity", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "input/broken.png" in err and "input/wrong.png: size 40x30 differs" in err
    table = pd.read_csv(out / "metrics.csv")
    assert sorted(table.image) == sorted(f"input/{name}.png" for name in NAMES)
    assert "3 evaluated, 2 failed" in (out / "report.md").read_text()


@pytest.mark.parametrize("argv, message", [
    (["--baselines", "identity,nope"], "unknown baseline nope; known: identity, inverse"),
    (["--inception-weights", "missing.h5"], "missing.h5: no such inception_v3 weights file"),
    (["--out", "{data}/input/eval"], "must not be"),
    (["--inception-weights", "{garbage}"], "not usable as inception_v3 ImageNet weights"),
])
def test_user_mistakes_are_one_line_errors(overexposed, tmp_path, capsys, argv, message):
    garbage = tmp_path / "inception.h5"
    garbage.write_text("these are not weights\n")
    argv = [arg.format(data=overexposed, garbage=garbage) for arg in argv]
    argv = argv if "--out" in argv else [*argv, "--out", str(tmp_path / "eval")]
    assert eval_cli.main([str(overexposed), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "eval").exists()


def test_out_that_is_a_file_is_one_line_and_kept(overexposed, tmp_path, capsys):
    (tmp_path / "eval").write_text("mine\n")
    assert eval_cli.main([str(overexposed), "--out", str(tmp_path / "eval")]) == 2
    err = capsys.readouterr().err
    assert "is a file, not a folder" in err and len(err.strip().splitlines()) == 1
    assert (tmp_path / "eval").read_text() == "mine\n"


def test_model_is_scored_beside_the_baselines(tmp_path):
    data = tmp_path / "data"
    for name, ev in [("coffee", -1.0), ("chelsea", 1.0)]:
        target = _small(name)
        write_image(data / "target" / f"ev{ev:+g}" / f"{name}.png", target)
        write_image(data / "input" / f"ev{ev:+g}" / f"{name}.png", render_exposure(target, ev).numpy())
    out = tmp_path / "eval"
    argv = [str(data), "--run", str(DEFAULT_RUN), "--baselines", "identity", "--tile", "256", "--out", str(out)]
    assert eval_cli.main(argv) == 0
    table = pd.read_csv(out / "metrics.csv")
    assert sorted(table.method) == ["identity", "identity", "model", "model"]
    assert dict(zip(table.image, table.condition)) == {"input/ev-1/coffee.png": "ev-1",
                                                       "input/ev+1/chelsea.png": "ev+1"}
    report = (out / "report.md").read_text()
    assert _mean_table(report) == ["model", "identity"] and str(DEFAULT_RUN) in report
    assert "| ev-1 | model |" in report and "| ev+1 | identity |" in report


@pytest.mark.parametrize("targets, expert", [("GT_IMAGES", "c"), ("expert_a_testing_set", "a")])
def test_afifi_folder_gives_rows_per_exposure(tmp_path, targets, expert):
    data = tmp_path / "afifi"
    afifi_ev = {"N1.5": -1.5, "0": 0.0, "P1": 1.0}
    for name in ("coffee", "rocket"):
        target = _small(name)
        write_image(data / targets / f"{name}.jpg", target)
        for suffix, ev in afifi_ev.items():
            write_image(data / "INPUT_IMAGES" / f"{name}_{suffix}.JPG", render_exposure(target, ev).numpy())
    out = tmp_path / "eval"
    argv = [str(data), "--baselines", "identity,global_reexposure", "--expert", expert, "--out", str(out)]
    assert eval_cli.main(argv) == 0
    report = (out / "report.md").read_text()
    assert "(afifi)" in report and f"expert: {expert}" in report
    rows = [line for line in report.splitlines() if line.startswith("| ev")]
    assert [row.split("|")[1].strip() for row in rows] == ["ev-1.5"] * 2 + ["ev+0"] * 2 + ["ev+1"] * 2
    assert all(row.split("|")[3].strip() == "2" for row in rows)  # two scenes per exposure
    table = pd.read_csv(out / "metrics.csv")
    identity = table[table.method == "identity"].groupby("condition").psnr.mean()
    assert identity["ev+0"] > identity["ev-1.5"]  # the 0 EV input is the closest to its target


def test_summary_computes_the_inception_score_per_method_and_condition():
    rows = [{"image": f"{i}", "condition": condition, "method": method, "psnr": 20.0, "ssim": 0.5, "ms_ssim": 0.5,
             "luminance_sim": 0.9, "contrast_sim": 0.9, "saturation_sim": 0.9}
            for i, condition in enumerate(["ev-1", "ev-1", "ev+1", "ev+1"]) for method in ("a", "b")]
    one_hot = np.eye(4)
    probabilities = {("ev-1", "a"): [one_hot[0], one_hot[1]], ("ev+1", "a"): [one_hot[2], one_hot[3]],
                     ("ev-1", "b"): [one_hot[0], one_hot[0]], ("ev+1", "b"): [one_hot[0], one_hot[0]]}
    summary = summarise(pd.DataFrame(rows), probabilities, ["a", "b"]).set_index(["condition", "method"])
    assert summary.inception_score.to_dict() == pytest.approx(
        {("all", "a"): 4.0, ("all", "b"): 1.0, ("ev-1", "a"): 2.0, ("ev-1", "b"): 1.0, ("ev+1", "a"): 2.0,
         ("ev+1", "b"): 1.0})
    assert summary.images.to_dict()[("all", "a")] == 4
