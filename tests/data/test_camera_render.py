"""Issue 24: a camera-like rendering of exposure errors beside the linear one (``SIM_RENDER``, ``--render``)."""

import csv
import dataclasses
import itertools
import zlib

import numpy as np
import pytest
import tensorflow as tf

from tfcorrect.cli.data import main
from tfcorrect.data import camera
from tfcorrect.data.camera import CameraParams, draw_params, render_camera, tone_curve
from tfcorrect.data.examples import find_paired
from tfcorrect.data.exposure import render_exposure, srgb_to_linear
from tfcorrect.data.pipeline import make_datasets, make_prepare
from tfcorrect.io.images import read_image
from conftest import photo

RANGES = {"toe": camera.TOE_RANGE, "shoulder": camera.SHOULDER_RANGE, "contrast": camera.CONTRAST_RANGE}


def _grid(low, high, inner=3):
    return np.linspace(low, high, inner + 2)  # both corners and values between


def test_each_tone_curve_piece_and_their_composition_rise_and_keep_black_and_white():
    s = np.linspace(0.0, 1.0, 4097)
    pieces = {"toe": camera.toe, "shoulder": camera.shoulder, "contrast": camera.contrast}
    for name, piece in pieces.items():
        for value in _grid(*RANGES[name], inner=9):
            curve = piece(s, value)
            assert (curve[0], curve[-1]) == (0.0, 1.0), (name, value)
            assert np.all(np.diff(curve) > 0), (name, value)
    for a, b, k in itertools.product(*(_grid(*RANGES[name]) for name in ("toe", "shoulder", "contrast"))):
        curve = tone_curve(s, a, b, k)
        assert (curve[0], curve[-1]) == (0.0, 1.0), (a, b, k)
        assert np.all(np.diff(curve) > 0), (a, b, k)
        assert np.all(np.diff(tone_curve(s.astype(np.float32), a, b, k)) >= 0), (a, b, k)
    np.testing.assert_array_equal(tone_curve(s, 0.0, 0.0, 1.0), s)


@pytest.mark.parametrize("ev", [-1.5, -1.0, 0.0, 0.37, 1.5])
def test_identity_parameters_give_the_linear_render_exactly(ev):
    image = photo("astronaut")[::2, ::2]
    exact = render_camera(image, ev, seed=5, params=CameraParams.identity())
    np.testing.assert_array_equal(exact, render_exposure(image, ev).numpy())


def test_the_same_seed_gives_the_same_render_and_other_seeds_differ():
    image = photo("coffee")[::4, ::4]
    first = render_camera(image, -1.0, (3, 7))
    np.testing.assert_array_equal(first, render_camera(image, -1.0, (3, 7)))
    assert draw_params((3, 7)) == draw_params((3, 7))
    assert first.dtype == np.float32 and first.shape == image.shape
    for seed in [(3, 8), (4, 7), (-2, 7)]:  # TF's stateless seeds may be negative
        other = render_camera(image, -1.0, seed)
        assert np.abs(other - first).mean() > 1e-3, seed
        assert np.isfinite(other).all() and other.min() >= 0 and other.max() <= 1


def test_drawn_parameters_stay_in_their_ranges_and_each_step_is_on_about_half_the_time():
    drawn = [draw_params(seed) for seed in range(400)]
    for p in drawn:
        assert camera.SHOT_RANGE[0] <= p.shot <= camera.SHOT_RANGE[1]
        assert camera.READ_RANGE[0] <= p.read <= camera.READ_RANGE[1]
        assert p.local_tone == 0 or camera.LOCAL_TONE_RANGE[0] <= p.local_tone <= camera.LOCAL_TONE_RANGE[1]
        assert p.jpeg_quality == 0 or camera.JPEG_QUALITY_RANGE[0] <= p.jpeg_quality <= camera.JPEG_QUALITY_RANGE[1]
        for name, (low, high) in RANGES.items():
            assert low <= getattr(p, name) <= high
    assert 0.4 < np.mean([p.local_tone > 0 for p in drawn]) < 0.6
    assert 0.4 < np.mean([p.jpeg_quality > 0 for p in drawn]) < 0.6


def test_local_tone_mapping_lifts_dark_regions_and_never_darkens():
    image = photo("chelsea")[::2, ::2]
    plain = render_camera(image, -1.5, 0, params=CameraParams.identity())
    lifted = render_camera(image, -1.5, 0, params=CameraParams(local_tone=0.35))
    assert np.all(lifted >= plain)
    dark = srgb_to_linear(plain).numpy().mean(axis=-1) < 0.05
    assert dark.mean() > 0.1 and (lifted - plain)[dark].mean() > 0.03


def test_sensor_noise_is_strongest_relative_to_the_signal_in_the_shadows():
    flat = np.full((64, 64, 3), 0.5, np.float32)
    noisy = CameraParams(shot=camera.SHOT_RANGE[1], read=camera.READ_RANGE[1])
    linear = {ev: srgb_to_linear(render_camera(flat, ev, 1, params=noisy)).numpy() for ev in (-3.0, 0.0)}
    relative = {ev: x.std() / x.mean() for ev, x in linear.items()}
    assert relative[-3.0] > 2 * relative[0.0] > 0.05


def test_the_command_writes_the_paired_layout_and_the_drawn_parameters(tmp_path):
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    for name, folder in [("chelsea", src / "sub"), ("coffee", src)]:
        tf.io.write_file(str(folder / f"{name}.png"), tf.io.encode_png((photo(name)[:48, :64] * 255).astype(np.uint8)))
    dst = tmp_path / "dst"
    args = ["simulate-exposure", str(src), str(dst), "--ev-offsets", "-1,1.5", "--render", "camera", "--seed", "4"]
    assert main(args) == 0
    inputs = sorted(e.input.split("dst/")[1] for e in find_paired(dst))
    assert inputs == ["input/ev+1.5/coffee.png", "input/ev+1.5/sub/chelsea.png",
                      "input/ev-1/coffee.png", "input/ev-1/sub/chelsea.png"]
    with open(dst / "render_params.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [row["file"] for row in rows] == inputs
    for row in rows:  # each row is the draw its input was rendered with
        seed = (4, zlib.crc32(row["file"].encode()))
        assert CameraParams(**{k: type(v)(row[k]) for k, v in dataclasses.asdict(draw_params(seed)).items()}) \
            == draw_params(seed)
        target = read_image(dst / row["file"].replace("input/", "target/", 1)).pixels
        expected = render_camera(target, float(row["ev"]), seed)
        np.testing.assert_allclose(read_image(dst / row["file"]).pixels, expected, atol=1 / 255 + 1e-6)
    before = {p: p.read_bytes() for p in dst.rglob("*.png")}
    assert main([*args[:2], str(tmp_path / "again"), *args[3:]]) == 0
    assert before == {dst / p.relative_to(tmp_path / "again"): p.read_bytes()
                      for p in (tmp_path / "again").rglob("*.png")}  # the same seed writes the same files


def _prepare(p, training, ev, seed, name="coffee"):
    target = tf.constant(photo(name))
    return np.asarray(make_prepare(p, training)(target, target, tf.constant(ev, tf.float32),
                                                tf.constant(seed, tf.int64))[0])


def test_mixed_renders_some_pairs_as_a_camera_and_the_others_exactly_as_linear():
    from conftest import params

    linear, mixed = (params(dataset="simulate_exposure", resol=64, ev_range=2, sim_render=render)
                     for render in ("linear", "mixed"))
    same = [np.array_equal(_prepare(linear, True, np.nan, (2, n)), _prepare(mixed, True, np.nan, (2, n)))
            for n in range(16)]
    assert 3 <= sum(same) <= 13


@pytest.mark.parametrize("render", ["camera", "mixed"])
def test_a_dataset_rendered_as_a_camera_is_finite_in_range_and_validates_the_same_each_time(render, photo_dir):
    from conftest import params

    p = params(dataset="simulate_exposure", train_dir=str(photo_dir), resol=64, batch_size=2, steps_per_epoch=2,
               epochs=1, val_fraction=0.34, sim_render=render, sim_noise=0.02, sim_jpeg_p=0.5)
    data = make_datasets(p)
    for image, target in [*data.train.take(2), *data.val.take(2)]:
        image = np.asarray(image)
        assert image.shape == (2, 64, 64, 3) and np.isfinite(image).all()
        assert image.min() >= -1 and image.max() <= 1  # [0, 1] scaled to [-1, 1]
    again = make_datasets(p)
    for (first, _), (second, _) in zip(data.val.take(data.val_steps), again.val.take(again.val_steps)):
        np.testing.assert_array_equal(first, second)
