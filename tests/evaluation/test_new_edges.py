"""New edges: the no-reference metric of a correction against its own input, and tfcorrect-eval without targets."""

import cv2
import numpy as np
import pandas as pd
import pytest

from tfcorrect.cli import eval as eval_cli
from tfcorrect.data.exposure import render_exposure
from tfcorrect.evaluation import metrics
from tfcorrect.evaluation.report import CELL, thumbnail
from tfcorrect.io.images import read_image, read_rgb, shrink_to, to_uint, write_image
from conftest import photo

# The rocket photo's sky: a 128-px square there (640x427 px) lies on flat pixels but for the antenna it hides.
SKY_SQUARE = (90, 370, 128)  # top, left, side


@pytest.fixture(autouse=True)
def no_inception_weights(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))


@pytest.mark.parametrize("name, correct", [
    ("chelsea", lambda x: x * 0.7),
    ("chelsea", lambda x: x * 1.1),  # its brightest pixel is 0.906: nothing clips
    ("astronaut", lambda x: x * 0.7),
    ("coffee", lambda x: render_exposure(x, -0.5).numpy()),  # x0.71 in linear light
    ("coffee", lambda x: render_exposure(x, 0.1).numpy()),
])
def test_a_global_gain_draws_no_new_edges(name, correct):
    image = photo(name)
    output = correct(image)
    assert output.max() < 1 and np.abs(output - image).mean() > 0.01  # no clipping, and a visible change
    assert metrics.new_edges(output, image) == 0
    # Not for want of edges: the same output scores a tenth of its pixels new against a flat gray input.
    assert metrics.new_edges(output, np.full_like(image, 0.5)) > 0.1


def test_a_white_square_on_a_flat_sky_draws_its_outline():
    image = photo("rocket")
    top, left, side = SKY_SQUARE
    output = image.copy()
    output[top:top + side, left:left + side] = 1.0

    mask = metrics.new_edge_mask(output, image)
    assert mask.shape == (342, 512)  # shrunk from 640x427 to a longer side of 512
    # The outline at 512 px, one pixel either side of where the shrunk square's gray steps.
    square = np.zeros(image.shape[:2], np.float32)
    square[top:top + side, left:left + side] = 1.0
    steps = cv2.morphologyEx(shrink_to(square, metrics.NEW_EDGE_SIDE), cv2.MORPH_GRADIENT, np.ones((3, 3))) > 0
    outline = cv2.dilate(steps.astype(np.uint8), np.ones((3, 3))) > 0
    assert not (mask & ~outline).any()  # nothing away from the outline, nothing inside the square
    # 0.61 % of the image: the outline of a 102-px square at 512 px is 3 px wide, 0.7 % of the pixels.
    assert metrics.new_edges(output, image) == mask.mean() > 0.005


def test_images_are_shrunk_to_512_px_never_enlarged():
    image = photo("astronaut")  # 512x512
    output = image.copy()
    output[336:496, 336:496] = 1.0  # on the dark helmet and table
    twice = [np.repeat(np.repeat(x, 2, axis=0), 2, axis=1) for x in (output, image)]
    assert metrics.new_edge_mask(*twice).shape == (512, 512)
    assert metrics.new_edges(output, image) > 0.002
    assert metrics.new_edges(*twice) == pytest.approx(metrics.new_edges(output, image), rel=1e-6)
    small = [x[:200, :300] for x in (output, image)]
    assert metrics.new_edge_mask(*small).shape == (200, 300)


def test_different_shapes_are_refused():
    with pytest.raises(ValueError, match="shapes differ"):
        metrics.new_edges(np.zeros((8, 8, 3)), np.zeros((8, 9, 3)))


def _small(name):
    return cv2.resize(photo(name), (64, 48), interpolation=cv2.INTER_AREA)


def test_eval_on_a_folder_of_inputs_scores_new_edges_and_shows_the_worst_first(tmp_path, capsys):
    data = tmp_path / "photos"
    for path in ("indoor/chelsea.png", "indoor/coffee.png", "outdoor/astronaut.png", "outdoor/rocket.png"):
        write_image(data / path, _small(path.split("/")[1][:-4]))
    out = tmp_path / "eval"
    argv = [str(data), "--baselines", "identity,clahe,global_reexposure", "--grid", "2", "--out", str(out)]
    assert eval_cli.main(argv) == 0

    table = pd.read_csv(out / "metrics.csv")
    assert list(table.columns) == ["image", "condition", "method", "new_edges"]
    assert dict(zip(table.image, table.condition)) == {"indoor/chelsea.png": "indoor", "indoor/coffee.png": "indoor",
                                                       "outdoor/astronaut.png": "outdoor", "outdoor/rocket.png": "outdoor"}
    edges = table.pivot(index="image", columns="method", values="new_edges")
    assert (edges.identity == 0).all() and (edges.global_reexposure == 0).all()  # a gain draws no edges
    assert (edges.clahe > 0).all()  # local contrast stretches flat noise into edges

    report = (out / "report.md").read_text()
    assert "(inputs)" in report and "targets: none" in report and "lower is better" in report
    assert "PSNR" not in report and "| new edges (%) | new edges, max (%) |" in report
    for condition, part in table[table.method == "clahe"].groupby("condition"):
        assert f"| {condition} | clahe | 2 | {100 * part.new_edges.mean():.3f} | {100 * part.new_edges.max():.3f} |" \
            in report
    assert "| clahe |" in capsys.readouterr().out

    # grid.png: input | the three methods, no target; its 2 rows the images with the most new edges, most first.
    worst = list(edges.max(axis=1).sort_values(ascending=False, kind="stable").index[:2])
    assert worst != sorted(edges.index)[:2]  # the folder's first two would be another grid
    grid = read_image(out / "grid.png").pixels
    assert grid.shape == (24 + 2 * CELL, 4 * CELL, 3)
    for row, name in enumerate(worst):
        cell = thumbnail(read_rgb(data / name)[0])  # 128x96, centred in its cell
        top = 24 + row * CELL + (CELL - cell.shape[0]) // 2
        np.testing.assert_allclose(grid[top:top + cell.shape[0], :CELL], to_uint(cell, 8) / 255, atol=1e-6)


def test_eval_with_targets_adds_new_edges_to_the_full_reference_metrics(tmp_path):
    data = tmp_path / "set"
    for name in ("coffee", "rocket"):
        write_image(data / "target" / f"{name}.png", _small(name))
        write_image(data / "input" / f"{name}.png", render_exposure(_small(name), -1.0).numpy())
    out = tmp_path / "eval"
    assert eval_cli.main([str(data), "--baselines", "identity,clahe", "--grid", "0", "--out", str(out)]) == 0
    table = pd.read_csv(out / "metrics.csv")
    assert list(table.columns)[3:] == [*metrics.METRICS, "psnr_clipped", "ssim_clipped", "new_edges"]
    assert (table[table.method == "identity"].new_edges == 0).all()
    report = (out / "report.md").read_text()
    assert "targets: yes" in report and "PSNR (dB)" in report and "new edges, max (%)" in report


@pytest.mark.parametrize("argv, message", [
    ([], "not a paired (input/, target/) or afifi"),
    (["--dataset", "inputs"], "no PNG, JPEG, BMP or TIFF images found"),
])
def test_a_folder_without_images_is_a_one_line_error(tmp_path, capsys, argv, message):
    (tmp_path / "empty" / "notes").mkdir(parents=True)
    (tmp_path / "empty" / "notes" / "readme.txt").write_text("no photos here\n")
    assert eval_cli.main([str(tmp_path / "empty"), *argv, "--out", str(tmp_path / "eval")]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "eval").exists()
