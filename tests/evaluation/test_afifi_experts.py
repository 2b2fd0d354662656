"""tfcorrect-eval --expert all: Afifi et al.'s protocol, each output scored against all five experts and averaged."""

import shutil
import threading

import cv2
import numpy as np
import pandas as pd
import pytest

from tfcorrect.cli import eval as eval_cli
from tfcorrect.data.exposure import render_exposure
from tfcorrect.evaluation import evaluate as evaluate_module
from tfcorrect.io.images import write_image
from tfcorrect.methods.exposure.afifi import AFIFI_EV
from conftest import photo

SCENES = {"a0001-jmac_DSC1459": "astronaut", "a0002-dgw_005": "coffee", "a0003_NKIM_MG_8178": "chelsea"}
# expert -> (gamma, gain) of its rendition of each scene's photo: five renditions that differ from each other.
RENDITIONS = {"a": (0.8, 1.0), "b": (1.0, 0.9), "c": (1.0, 1.0), "d": (1.2, 1.05), "e": (1.4, 1.1)}
BASELINES = "identity,global_reexposure"
METRIC_COLUMNS = ["psnr", "ssim", "ms_ssim", "luminance_sim", "contrast_sim", "saturation_sim", "new_edges"]
CLIPPED_COLUMNS = ["psnr_clipped", "ssim_clipped"]  # empty in metrics.csv where the input has no clipped pixel


def _small(name):
    return cv2.resize(photo(name), (64, 48), interpolation=cv2.INTER_AREA)


def _write_test_set(root):
    """Afifi et al.'s test layout: INPUT_IMAGES/<scene>_<EV>.JPG at each EV, expert_<x>_testing_set/<scene>.jpg."""
    for scene, name in SCENES.items():
        image = _small(name)
        for tag, ev in AFIFI_EV.items():
            write_image(root / "INPUT_IMAGES" / f"{scene}_{tag}.JPG", render_exposure(image, ev).numpy())
        for x, (gamma, gain) in RENDITIONS.items():
            write_image(root / f"expert_{x}_testing_set" / f"{scene}.jpg", np.clip(image ** gamma * gain, 0, 1))
    return root


def _evaluate(data, out, *argv):
    assert eval_cli.main([str(data), "--baselines", BASELINES, "--out", str(out), *argv]) == 0
    return pd.read_csv(out / "metrics.csv", keep_default_na=False), (out / "report.md").read_text()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The test set, and ``metrics.csv`` of a single-expert run for each expert."""
    with pytest.MonkeyPatch.context() as patch:
        root = tmp_path_factory.mktemp("afifi")
        patch.setenv("KERAS_HOME", str(root / "keras-home"))  # no inception weights: not computed, fast
        data = _write_test_set(root / "testing")
        single = {x: _evaluate(data, root / f"eval-{x}", "--expert", x)[0] for x in RENDITIONS}
        yield data, single


@pytest.fixture(autouse=True)
def no_inception_weights(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))


def _expected_means(single, experts):
    """The mean over ``experts`` of each metric of the single-expert runs, per image and method."""
    stacked = pd.concat([single[x].assign(expert=x) for x in experts])
    return stacked.groupby(["image", "method"])[METRIC_COLUMNS].mean()


def _condition_rows(report):
    """(condition, method, images) of report.md's table per condition."""
    rows = [line.split("|") for line in report.splitlines() if line.startswith("| ev")]
    return [(row[1].strip(), row[2].strip(), row[3].strip()) for row in rows]


def test_all_experts_is_the_mean_of_the_single_expert_runs(runs, tmp_path, capsys):
    data, single = runs
    psnr = {x: table.set_index(["image", "method"]).psnr for x, table in single.items()}
    assert len({round(p.loc[("INPUT_IMAGES/a0002-dgw_005_0.JPG", "identity")], 3) for p in psnr.values()}) == 5
    table, report = _evaluate(data, tmp_path / "eval", "--expert", "all")

    assert list(table.columns) == ["image", "condition", "expert", "method", *METRIC_COLUMNS[:-1], *CLIPPED_COLUMNS,
                                   "new_edges"]
    assert len(table) == len(SCENES) * len(AFIFI_EV) * 2 * (len(RENDITIONS) + 1)
    means = table[table.expert == "mean"].set_index(["image", "method"])
    expected = _expected_means(single, RENDITIONS)
    assert sorted(means.index) == sorted(expected.index)
    np.testing.assert_allclose(means.loc[expected.index, METRIC_COLUMNS], expected, rtol=0, atol=1e-6)
    identity = means.xs("identity", level="method").psnr
    np.testing.assert_allclose(identity, [np.mean([psnr[x][(image, "identity")] for x in RENDITIONS])
                                          for image in identity.index], rtol=0, atol=1e-6)
    for x, own in single.items():  # each expert's rows are what that expert's own run gives
        rows = table[table.expert == x].drop(columns="expert").set_index(["image", "method"])
        np.testing.assert_allclose(rows.loc[own.set_index(["image", "method"]).index, METRIC_COLUMNS],
                                   own[METRIC_COLUMNS], rtol=0, atol=1e-9)
    clipped = pd.concat([single[x].assign(expert=x) for x in RENDITIONS]).replace("", np.nan)
    clipped = clipped.astype(dict.fromkeys(CLIPPED_COLUMNS, float)).groupby(["image", "method"])[CLIPPED_COLUMNS]
    mean_clipped = means[CLIPPED_COLUMNS].replace("", np.nan).astype(float)
    assert mean_clipped.psnr_clipped.notna().any() and mean_clipped.psnr_clipped.isna().any()  # +1.5 EV, -1.5 EV
    np.testing.assert_allclose(mean_clipped.loc[expected.index], clipped.mean().loc[expected.index], rtol=0, atol=1e-6)

    assert "- expert: all (mean over a, b, c, d, e)" in report
    rows = _condition_rows(report)
    assert [c for c, m, _ in rows if m == "identity"] == ["ev-1.5", "ev-1", "ev+0", "ev+1", "ev+1.5"]
    assert all(images == str(len(SCENES)) for _, _, images in rows)
    single_report = (data.parent / "eval-c" / "report.md").read_text()
    assert [(c, m) for c, m, _ in _condition_rows(single_report)] == [(c, m) for c, m, _ in rows]
    by_condition = means.groupby(["condition", "method"]).psnr.mean()
    summary_psnr = {(c, m): float(line.split("|")[4]) for line in report.splitlines() if line.startswith("| ev")
                    for c, m in [(line.split("|")[1].strip(), line.split("|")[2].strip())]}
    for key, value in summary_psnr.items():
        assert value == pytest.approx(by_condition[key], abs=0.006)  # report.md shows 2 decimals
    assert (tmp_path / "eval" / "grid.png").is_file()
    assert "| identity |" in capsys.readouterr().out


def test_a_missing_expert_is_named_and_the_others_are_averaged(runs, tmp_path):
    data, single = runs
    partial = shutil.copytree(data, tmp_path / "testing")
    shutil.rmtree(partial / "expert_d_testing_set")
    (partial / "expert_a_testing_set" / "a0002-dgw_005.jpg").unlink()  # one scene the first expert lacks
    with pytest.warns(UserWarning) as caught:
        table, report = _evaluate(partial, tmp_path / "eval", "--expert", "all")
    named = " ".join(str(w.message) for w in caught)
    assert "expert_d_testing_set/: no such folder; expert d is left out" in named
    assert "a0002-dgw_005_N1.5.JPG" in named  # find_afifi names each input expert a has no rendition of
    assert "- expert: all (mean over a, b, c, e)" in report
    means = table[table.expert == "mean"].set_index(["image", "method"])
    assert len(means) == len(SCENES) * len(AFIFI_EV) * 2
    for image, method in means.index:
        experts = ["b", "c", "e"] if "a0002-dgw_005" in image else ["a", "b", "c", "e"]
        assert sorted(table[(table.image == image) & (table.method == method)].expert) == [*experts, "mean"]
        expected = np.mean([single[x].set_index(["image", "method"]).psnr[(image, method)] for x in experts])
        assert means.psnr[(image, method)] == pytest.approx(expected, abs=1e-6)


def test_each_output_is_computed_once_for_all_experts(runs, tmp_path, monkeypatch):
    data, _ = runs
    calls, lock = [], threading.Lock()

    def counted(image):
        with lock:
            calls.append(image.shape)
        return image

    monkeypatch.setitem(evaluate_module.BASELINES, "counted", counted)
    result = evaluate_module.evaluate(data, tmp_path / "eval", baselines=["counted"], expert="all", progress=False)
    assert len(calls) == len(SCENES) * len(AFIFI_EV)
    assert set(result.metrics.expert) == {*RENDITIONS, "mean"}
    assert list(result.summary.condition) == ["all", "ev-1.5", "ev-1", "ev+0", "ev+1", "ev+1.5"]


@pytest.mark.parametrize("layout, argv, message", [
    ("paired", [], "--expert all: the mean over Afifi et al.'s experts needs an afifi test folder"),
    ("paired", ["--dataset", "illuminant"], "not a folder of kind illuminant"),
    ("gt", [], "has GT_IMAGES/, one ground truth"),
    ("no experts", [], "--expert all needs the test set's expert_<x>_testing_set/ folders"),
])
def test_all_experts_elsewhere_is_a_one_line_error(runs, tmp_path, capsys, layout, argv, message):
    data = tmp_path / "data"
    if layout == "paired":
        for name in ("coffee", "chelsea"):
            write_image(data / "target" / f"{name}.png", _small(name))
            write_image(data / "input" / f"{name}.png", render_exposure(_small(name), -1.0).numpy())
    else:
        shutil.copytree(runs[0] / "INPUT_IMAGES", data / "INPUT_IMAGES")
        if layout == "gt":
            shutil.copytree(runs[0] / "expert_c_testing_set", data / "GT_IMAGES")
    out = tmp_path / "eval"
    assert eval_cli.main([str(data), "--expert", "all", "--out", str(out), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not out.exists()
