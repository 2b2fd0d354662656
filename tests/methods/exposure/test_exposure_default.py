"""Issues 9 and 24: varied exposure simulation, one exposure per photo applied at full resolution, white highlights."""

import dataclasses

import cv2
import numpy as np
import pytest
import tensorflow as tf
from skimage.color import rgb2lab

from tfcorrect.data import exposure
from tfcorrect.data.pipeline import make_prepare
from tfcorrect.inference.predictor import Predictor
from tfcorrect.methods.exposure.kinds import ev_offsets
from tfcorrect.methods.exposure.local_predictor import LocalGainPredictor
from tfcorrect.inference.predict import load_network, predictor_from_run
from conftest import ROOT, params, photo


@pytest.fixture(scope="module")
def shipped():
    """The shipped default model's predictor (built once for the module)."""
    return predictor_from_run()


def _prepare(p, training, ev, seed):
    target = tf.constant(photo("coffee"))
    return make_prepare(p, training)(target, target, tf.constant(ev, tf.float32), tf.constant(seed, tf.int64))


def _linear_ratio(image, target):
    """Median of input over target in linear light on the target's mid-tones (the rendered gain)."""
    image, target = (exposure.srgb_to_linear((np.asarray(x) + 1) / 2).numpy() for x in (image, target))
    usable = (target > 0.02) & (target < 0.2)
    return np.median(image[usable] / target[usable])


def test_training_evs_are_drawn_continuously_over_ev_range():
    p = params(dataset="simulate_exposure", resol=64, ev_range=2, aug_flip_p=0)
    evs = [np.log2(_linear_ratio(*_prepare(p, True, np.nan, (1, seed)))) for seed in range(12)]
    assert max(evs) - min(evs) > 1.5 and all(-2.05 < ev < 2.05 for ev in evs)
    # Not the four offsets: most drawn EVs are away from every one of them.
    assert sum(min(abs(ev - o) for o in ev_offsets(p)) > 0.1 for ev in evs) >= 6


def test_noise_and_jpeg_degrade_training_inputs_only():
    clean = params(dataset="simulate_exposure", resol=64, aug_flip_p=0)
    noisy = dataclasses.replace(clean, sim_noise=0.05, sim_jpeg_p=1.0)
    for training in (False, True):
        plain, _ = _prepare(clean, training, -1.5, (3, 4))
        degraded, _ = _prepare(noisy, training, -1.5, (3, 4))
        if training:
            assert np.abs(np.asarray(degraded) - np.asarray(plain)).mean() > 0.005
        else:  # validation and test inputs stay clean renders
            np.testing.assert_array_equal(degraded, plain)


def test_highlight_rolloff_keeps_white_and_the_gain_below_it():
    x = np.linspace(0, 1, 1001, dtype=np.float32)
    for gain in (0.3, 0.7):
        bent = exposure.apply_gain(x, gain, 8.0)
        assert bent[-1] == pytest.approx(1.0)  # a clipped white stays white
        assert np.all(np.diff(bent) > 0)  # and no tone overtakes a brighter one
        shadows = x < 0.3
        np.testing.assert_allclose(bent[shadows], gain * x[shadows], atol=1e-4)
        assert exposure.apply_gain(x, gain, 0.0)[-1] == pytest.approx(gain)  # off: white turns gray
    np.testing.assert_array_equal(exposure.apply_gain(x, 2.0, 8.0), x * 2.0)  # brightening: a plain product


def _large(name, ev, size=(4000, 3000)):
    """A real photo upscaled to ``size`` (12 MP by default) and rendered ``ev`` stops off."""
    image = cv2.resize(photo(name), size, interpolation=cv2.INTER_CUBIC).clip(0, 1)
    return exposure.render_exposure(image, ev).numpy()


def _block_gains(before, after, block=500):
    """Median output/input ratio in linear light per ``block``-px block, on unclipped mid-tones."""
    lin_in, lin_out = (exposure.srgb_to_linear(x).numpy() for x in (before, after))
    gains = []
    for y in range(0, before.shape[0] - block + 1, block):
        for x in range(0, before.shape[1] - block + 1, block):
            i, o = lin_in[y:y + block, x:x + block], lin_out[y:y + block, x:x + block]
            usable = (i > 0.01) & (i < 0.3) & (o < 0.99)
            if usable.sum() > 1000:
                gains.append(np.median(o[usable] / i[usable]))
    return np.array(gains)


@pytest.mark.slow
@pytest.mark.parametrize("name, ev", [("astronaut", -1.0), ("coffee", 1.0)])
def test_the_shipped_model_gives_a_12_mp_photo_one_exposure(shipped, name, ev):
    """Every 500-px block of the 12-MP result has the brightness of the whole picture's correction
    (the photo corrected at 1 MP, upscaled): one exposure, no tiles. Underexposed (no clipped
    highlights), that correction is one gain."""
    predictor = shipped
    assert isinstance(predictor, LocalGainPredictor)
    image = _large(name, ev)
    out = predictor(image)
    small = cv2.resize(image, (1000, 750), interpolation=cv2.INTER_AREA)
    reference = cv2.resize(predictor(small), image.shape[1::-1], interpolation=cv2.INTER_CUBIC)
    spread = _block_gains(reference, out)
    assert len(spread) >= 20
    assert spread.max() / spread.min() < 1.02, spread
    if ev < 0:
        gains = _block_gains(image, out)
        assert gains.max() / gains.min() < 1.02, gains
    # The same network run tile by tile (each tile its own white point and gain) fails this check.
    tiled = Predictor(predictor.generator, predictor.tile, predictor.overlap, predictor.batch_size)
    smaller = _large(name, ev, (2000, 1500))
    reference = cv2.resize(predictor(small), smaller.shape[1::-1], interpolation=cv2.INTER_CUBIC)
    per_tile = _block_gains(reference, tiled(smaller))
    assert per_tile.max() / per_tile.min() > 1.02, per_tile


@pytest.mark.slow
def test_two_runs_of_the_default_table_give_the_same_weights(tmp_path, photo_dir):
    """The committed table, shrunk, trained twice from scratch: identical generator weights."""

    import h5py

    from tfcorrect.methods import resolve
    from tfcorrect.training.driver import train

    table = ROOT / "param_tables" / "exposure_default.csv"
    sets = [f"TRAIN_DIR={photo_dir}", "VAL_DIR=", "VAL_FRACTION=0.34", "RESOL=64", "LOAD_SIZE=72", "TILE=64",
            "NGF=4", "NDF=4", "EPOCHS=2", "STEPS_PER_EPOCH=3", "BATCH_SIZE=2", "SAMPLES=1"]
    weights = []
    for run in ("a", "b"):
        train(resolve(table, sets=sets)[0], tmp_path / run, verbose=0)
        with h5py.File(tmp_path / run / "generator.weights.h5") as f:
            arrays = []
            f.visititems(lambda name, item: arrays.append((name, item[()])) if isinstance(item, h5py.Dataset) else None)
        weights.append(arrays)
    assert [name for name, _ in weights[0]] == [name for name, _ in weights[1]]
    for (name, a), (_, b) in zip(*weights):
        np.testing.assert_array_equal(a, b, err_msg=name)
    # Trained weights, not two untouched initialisations: the zero-initialised gain head has moved.
    _, generator = load_network(tmp_path / "a")
    assert np.abs(generator.get_layer("generator_log_gain").kernel.numpy()).max() > 0


def test_fill_highlights_ramps_from_the_gain_up_to_white():
    image = exposure.render_exposure(photo("coffee"), 2.0).numpy()
    linear = exposure.srgb_to_linear(image).numpy()
    clipped = exposure.clipped_mask(image)
    partly = np.any(image >= exposure.CLIP_LEVEL, axis=-1) & ~clipped
    assert clipped.mean() > 0.02 and partly.mean() > 0.005
    gain, width = 0.3, 3.0
    filled = exposure.fill_highlights(linear, clipped, gain, width)
    # Elsewhere, and where only some channels clipped (no tint), the plain gain.
    np.testing.assert_allclose(filled[~clipped], gain * linear[~clipped], rtol=1e-6)
    assert np.all(filled[clipped] >= gain * linear[clipped])  # never grayer than the plain gain
    np.testing.assert_array_equal(filled[clipped].min(axis=-1), filled[clipped].max(axis=-1))  # a neutral fill
    distance = cv2.distanceTransform(clipped.astype(np.uint8), cv2.DIST_L2, 5)
    deep, edge = distance > 4 * width, clipped & (distance <= 1.5)
    assert deep.sum() > 100 and filled[deep].min() >= gain + (1 - gain) * 0.98  # inside large areas: white
    assert filled[edge].max() < gain + (1 - gain) * 0.5  # at the edge: near the gain's level, no step
    np.testing.assert_array_equal(exposure.fill_highlights(linear, clipped, 1.5, width), linear * np.float32(1.5))


@pytest.mark.slow
def test_the_shipped_model_fills_clipped_highlights_instead_of_graying_them(shipped):
    """+1.5 EV renders: clipped areas are neither a gray veil nor left flat white, but nearer the original.

    Whether the fill is also nearer the original than the flat gray depends on the scene (white fur was
    nearly white, a sky was not); over the validation photos it is by 1.6 dB (README, "The default model").
    """
    filled, white = [], []
    for name in ("astronaut", "coffee", "chelsea", "motorcycle_left"):
        original = photo(name)
        image = exposure.render_exposure(original, 1.5).numpy()
        clipped = exposure.clipped_mask(image)
        assert clipped.mean() > 0.01
        assert shipped.photo_gain(image) < 0.8  # the model does darken these overexposed photos
        out = shipped(image)
        gray = dataclasses.replace(shipped, highlight_fill=0.0)(image)  # the same gains, plain product
        assert np.all(out[clipped] >= gray[clipped] - 1 / 255), name  # never grayer than the plain gain

        filled.append(np.mean((out[clipped] - original[clipped]) ** 2))
        white.append(np.mean((1.0 - original[clipped]) ** 2))
    # Over the four photos, nearer the originals than leaving them white (one photo, coffee, is not:
    # the gentler fill that draws no new edge stays grayer there).
    assert np.mean(filled) < np.mean(white), (filled, white)


def _camera_render(image, ev, seed=0):
    """A photo as a camera would record it ``ev`` stops off: shot noise in linear light, then JPEG (quality 80)."""
    linear = exposure.srgb_to_linear(image).numpy() * 2.0 ** ev
    noisy = linear + np.random.default_rng(seed).normal(size=linear.shape) * 0.02 * np.sqrt(linear)
    encoded = exposure.linear_to_srgb(noisy.clip(0, 1)).numpy()
    ok, jpeg = cv2.imencode(".jpg", (encoded * 255).round().astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 80])
    return cv2.imdecode(jpeg, cv2.IMREAD_UNCHANGED).astype(np.float32) / 255


def _shadow_chroma_noise(image, clean, shadows):
    """Colour speckle of ``image`` in the ``shadows``: std of the high-pass CIELAB a*, b* difference from ``clean``."""
    difference = (rgb2lab(image) - rgb2lab(clean)).astype(np.float32)
    return np.mean([np.std((difference[..., c] - cv2.GaussianBlur(difference[..., c], (0, 0), 2))[shadows])
                    for c in (1, 2)])


@pytest.mark.slow
@pytest.mark.parametrize("name", ["astronaut", "coffee", "chelsea"])
def test_dark_camera_photos_come_back_without_more_colour_noise_than_the_white_point_step(shipped, name):
    from tfcorrect.evaluation.baselines import white_point_reexposure

    clean = photo(name)
    dark = _camera_render(clean, -1.5)
    shadows = rgb2lab(clean)[..., 0] < 25
    assert shadows.mean() > 0.02
    model = _shadow_chroma_noise(shipped(dark), clean, shadows)
    white_point = _shadow_chroma_noise(white_point_reexposure(dark), clean, shadows)
    assert model <= 1.05 * white_point, (model, white_point)
    # The speckle is there to be amplified: without the sensor noise the white-point step has far less.
    quiet = exposure.render_exposure(clean, -1.5).numpy()
    assert white_point > 1.5 * _shadow_chroma_noise(white_point_reexposure(quiet), clean, shadows)
