"""PSNR and SSIM inside the clipped areas of an overexposed input, on real photos."""

import math

import cv2
import numpy as np
import pandas as pd
import pytest
import skimage.metrics

from tfcorrect.cli import eval as eval_cli
from tfcorrect.data.exposure import invert_overexposure, render_exposure, simulate_overexposure
from tfcorrect.evaluation import batched, clipped, metrics
from tfcorrect.io.images import read_rgb, write_image
from conftest import photo


@pytest.fixture(scope="module")
def rocket():
    """The rocket photo (2 % of it clipped by the simulation: a small bright sky and flame), its 8-bit
    overexposure, and the clipped pixels."""
    target = photo("rocket")
    image = np.round(simulate_overexposure(target).numpy() * 255) / 255  # as tfcorrect-data's PNG holds it
    return target, image, clipped.clipped_pixels(image)


def _inverse(image):
    return np.clip(invert_overexposure(image).numpy(), 0, 1)


def test_clipped_pixels_are_those_with_any_channel_at_white(rocket):
    target, image, mask = rocket
    assert 0.01 < mask.mean() < 0.05
    np.testing.assert_array_equal(mask, (image == 1).any(axis=-1))
    # Every pixel the simulation clipped is in the mask, and the inverse is exact (to 8 bits) outside it.
    assert mask[(target * 0.5 ** (-1 / 2.2) >= 1).any(axis=-1)].all()
    assert np.abs(_inverse(image) - target)[~mask].max() <= 0.5 / 255


def test_whole_image_scores_hide_what_the_clipped_ones_show(rocket):
    target, image, mask = rocket
    inside_wrong = np.where(mask[..., None], image, target)  # perfect outside the mask, left white inside
    outputs = {"identity": image, "inverse": _inverse(image), "original": target, "inside_wrong": inside_wrong}
    scores = {name: {"psnr": metrics.psnr(o, target),
                     **{metric: f(o, target, mask) for metric, f in clipped.CLIPPED_METRICS.items()}}
              for name, o in outputs.items()}
    assert scores["identity"]["psnr_clipped"] < scores["identity"]["psnr"] - 3
    assert scores["inverse"]["psnr_clipped"] < scores["inverse"]["psnr"] - 15  # 19 dB vs 36 dB
    assert scores["original"] == {"psnr_clipped": metrics.PSNR_MAX, "ssim_clipped": pytest.approx(1.0, abs=1e-6),
                                  "psnr": metrics.PSNR_MAX}
    assert scores["inside_wrong"]["psnr"] > 30 and scores["inside_wrong"]["psnr_clipped"] < 16
    assert scores["inside_wrong"]["ssim_clipped"] < 0.8 < 0.99 < metrics.ssim(inside_wrong, target)


def test_masked_psnr_and_ssim_are_the_hand_computed_ones(rocket):
    target, image, mask = rocket
    output = _inverse(image)
    squared = (output.astype(np.float64) - target) ** 2 * mask[..., None]
    mse = squared.sum() / (3 * mask.sum())
    assert clipped.psnr_clipped(output, target, mask) == pytest.approx(10 * math.log10(1 / mse), rel=1e-12)
    # SSIM's map by scikit-image in float64 with tf.image.ssim's settings, at the window positions centred on the
    # mask; tf.image.ssim's float32 variances (E[x^2] - mu^2) move it by about 1e-5.
    _, ssim_map = skimage.metrics.structural_similarity(
        output.astype(np.float64), target.astype(np.float64), channel_axis=-1, data_range=1.0, full=True,
        gaussian_weights=True, sigma=1.5, use_sample_covariance=False)
    expected = ssim_map[5:-5, 5:-5].mean(axis=-1)[mask[5:-5, 5:-5]].mean()
    assert clipped.ssim_clipped(output, target, mask) == pytest.approx(expected, abs=5e-5)
    # Over every pixel the masked SSIM is the whole-image SSIM (to tf.image.ssim's float32 mean).
    everywhere = np.ones(mask.shape, bool)
    assert clipped.ssim_clipped(output, target, everywhere) == pytest.approx(metrics.ssim(output, target), abs=1e-3)


@pytest.mark.parametrize("band_values", [batched.BAND_VALUES, 2 ** 15])  # one band; bands of a row
def test_batched_clipped_scores_are_the_per_image_ones_and_leave_the_others_alone(rocket, band_values, monkeypatch):
    monkeypatch.setattr(batched, "BAND_VALUES", band_values)
    target, image, mask = rocket
    target, image, mask = target[-120:], image[-120:], mask[-120:]  # most of the clipped pixels
    assert mask.any()
    outputs = [image, _inverse(image), np.where(mask[..., None], image, target)]
    scores = batched.score_outputs(outputs, target, mask)
    for name, metric in clipped.CLIPPED_METRICS.items():
        np.testing.assert_allclose(scores[name], [metric(o, target, mask) for o in outputs], rtol=1e-6, err_msg=name)
    plain = batched.score_outputs(outputs, target)
    assert set(plain) == set(metrics.METRICS)
    for name in metrics.METRICS:
        np.testing.assert_array_equal(scores[name], plain[name], err_msg=name)


def test_an_unclipped_photo_scores_nan_inside_the_mask():
    target = photo("chelsea")
    image = render_exposure(target, -1.0).numpy()
    mask = clipped.clipped_pixels(image)
    assert not mask.any()
    assert all(math.isnan(metric(image, target, mask)) for metric in clipped.CLIPPED_METRICS.values())
    scores = batched.score_outputs([image, target], target, mask)
    assert np.isnan(scores["psnr_clipped"]).all() and np.isnan(scores["ssim_clipped"]).all()
    assert scores["psnr"][1] == metrics.PSNR_MAX


def test_clipped_pixels_only_at_the_border_have_a_psnr_but_no_ssim():
    target = photo("chelsea")[:48, :64]
    mask = np.zeros(target.shape[:2], bool)
    mask[:3, :] = True  # the centre of no 11x11 window
    output = np.clip(target + 0.1, 0, 1)
    assert clipped.psnr_clipped(output, target, mask) < 25
    assert math.isnan(clipped.ssim_clipped(output, target, mask))
    scores = batched.score_outputs([output], target, mask)
    assert scores["psnr_clipped"][0] == clipped.psnr_clipped(output, target, mask) and np.isnan(scores["ssim_clipped"][0])


@pytest.fixture(autouse=True)
def no_inception_weights(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))


def test_eval_writes_the_clipped_scores_beside_the_whole_image_ones(tmp_path, capsys):
    data = tmp_path / "data"
    rocket = cv2.resize(photo("rocket"), (160, 107), interpolation=cv2.INTER_AREA)
    write_image(data / "target" / "over" / "rocket.png", rocket)
    write_image(data / "input" / "over" / "rocket.png", simulate_overexposure(rocket).numpy())
    chelsea = cv2.resize(photo("chelsea"), (64, 48), interpolation=cv2.INTER_AREA)
    write_image(data / "target" / "under" / "chelsea.png", chelsea)
    write_image(data / "input" / "under" / "chelsea.png", render_exposure(chelsea, -1.0).numpy())
    out = tmp_path / "eval"
    assert eval_cli.main([str(data), "--baselines", "identity,inverse", "--grid", "0", "--out", str(out)]) == 0

    table = pd.read_csv(out / "metrics.csv")
    assert list(table.columns) == ["image", "condition", "method", *metrics.METRICS, "psnr_clipped", "ssim_clipped",
                                   "new_edges"]
    over = table[table.condition == "over"].set_index("method")
    assert table[table.condition == "under"][["psnr_clipped", "ssim_clipped"]].isna().all().all()
    image, _ = read_rgb(data / "input" / "over" / "rocket.png")
    target, _ = read_rgb(data / "target" / "over" / "rocket.png")
    mask = clipped.clipped_pixels(image)
    assert over.psnr_clipped["inverse"] == pytest.approx(clipped.psnr_clipped(_inverse(image), target, mask), abs=1e-6)
    assert over.psnr_clipped["inverse"] < over.psnr["inverse"] - 10

    printed = capsys.readouterr().out
    assert "| PSNR clipped (dB) | SSIM clipped | clipped images |" in printed
    means = table.groupby("method").psnr_clipped.mean()  # NaN skipped
    report = (out / "report.md").read_text()
    overall = {line.split("|")[1].strip(): line.split("|") for line in report.splitlines()
               if line.startswith("| identity |") or line.startswith("| inverse |")}
    for method, cells in overall.items():  # the mean of the one image with clipped pixels, and its count
        assert float(cells[9]) == pytest.approx(means[method], abs=0.006)
        assert (cells[2].strip(), cells[11].strip()) == ("2", "1")  # images, clipped images
    assert "| - | - | 0 |" in report  # the condition without a clipped pixel has no score
    assert "PSNR clipped" in report and "254.5 / 255" in report
