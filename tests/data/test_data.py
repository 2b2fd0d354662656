"""Data kinds on disk and the tf.data pipelines: pairing, simulated inputs, augmentation, order."""

import dataclasses
import pathlib
import shutil

import cv2
import numpy as np
import pytest
import tensorflow as tf

from tfcorrect.data.examples import expand_exposures
from tfcorrect.data.pipeline import make_datasets, make_prepare
from tfcorrect.methods import find_examples
from tfcorrect.methods.exposure.afifi import AFIFI_EV
from tfcorrect.methods.exposure.kinds import ev_offsets
from tfcorrect.errors import UserError
from tfcorrect.data.exposure import render_exposure
from tfcorrect.io.images import read_image
from tfcorrect.methods import resolve
from conftest import params, photo, table, tiny_sets


def _write(path, rgb):
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), cv2.cvtColor((rgb * 255).round().astype(np.uint8), cv2.COLOR_RGB2BGR))


def _params(tmp_path, train_dir, **extra):
    return resolve(table(tmp_path, ""), sets=tiny_sets(train_dir, **extra))[0]


def test_paired_matches_by_relative_path_and_stem_and_names_strays(tmp_path):
    root = tmp_path / "pairs"
    for rel in ("a", "sub/b"):
        _write(root / "input" / f"{rel}.jpg", photo("chelsea"))
        _write(root / "target" / f"{rel}.png", photo("chelsea"))
    _write(root / "input" / "lonely.png", photo("coffee"))
    with pytest.warns(UserWarning, match=r"lonely\.png: no matching file"):
        examples = find_examples("paired", root)
    assert sorted(e.input.split("input/")[1] for e in examples) == ["a.jpg", "sub/b.jpg"]
    assert all(e.target.endswith(".png") for e in examples)


def test_afifi_layout_reads_ev_from_the_name(tmp_path):
    root = tmp_path / "afifi"
    _write(root / "GT_IMAGES" / "scene.jpg", photo("coffee"))
    for tag in ("N1.5", "0", "P1"):
        _write(root / "INPUT_IMAGES" / f"scene_{tag}.JPG", photo("coffee"))
    _write(root / "INPUT_IMAGES" / "other_P1.JPG", photo("coffee"))
    with pytest.warns(UserWarning, match=r"other_P1\.JPG"):
        examples = find_examples("afifi", root)
    assert sorted(e.ev for e in examples) == [-1.5, 0.0, 1.0]


def test_missing_or_empty_folders_are_user_errors(tmp_path):
    with pytest.raises(UserError, match="TRAIN_DIR is not set"):
        find_examples("colorize", "")
    with pytest.raises(UserError, match=r"TRAIN_DIR=.*nowhere: no such folder"):
        find_examples("colorize", tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="no usable colorize images"):
        find_examples("colorize", tmp_path / "empty")


def test_simulated_validation_renders_every_offset(tmp_path, photo_dir):
    params = _params(tmp_path, photo_dir)
    data = make_datasets(params)
    assert data.val_count == 2 * len(ev_offsets(params))
    inputs, targets = next(iter(data.val.unbatch().batch(len(ev_offsets(params)))))
    means = (inputs.numpy().mean(axis=(1, 2, 3)) + 1) / 2
    assert np.all(np.diff(means) > 0), "inputs should brighten with the EV offset -1.5 .. +1.5"
    expected = render_exposure((targets[0] + 1) / 2, ev_offsets(params)[0]) * 2 - 1
    np.testing.assert_allclose(inputs[0], expected, atol=1e-5)


@pytest.mark.parametrize("dataset", ["paired", "colorize"])
def test_validation_uses_each_image_once_unless_exposures_are_rendered(tmp_path, photo_dir, dataset):
    if dataset == "paired":  # a paired folder whose inputs are darker copies of the targets
        root = tmp_path / "pairs"
        for path in sorted(photo_dir.iterdir()):
            _write(root / "target" / f"{path.stem}.png", photo(path.stem))
            _write(root / "input" / f"{path.stem}.png", photo(path.stem) * 0.5)
        folder = root
    else:
        folder = photo_dir
    data = make_datasets(_params(tmp_path, folder, DATASET=dataset, BATCH_SIZE=1))
    assert data.val_count == 2 and data.val_steps == 2
    targets = [t for _, t in data.val.take(data.val_steps).as_numpy_iterator()]
    assert not np.array_equal(targets[0], targets[1]), "the two validation batches are the same image"


def test_colorize_input_is_the_gray_of_the_target(tmp_path, photo_dir):
    data = make_datasets(_params(tmp_path, photo_dir, DATASET="colorize"))
    image, target = next(iter(data.train))
    assert image.shape[-1] == 1 and target.shape[-1] == 3
    np.testing.assert_allclose(image, tf.image.rgb_to_grayscale((target + 1) / 2) * 2 - 1, atol=1e-5)


def _prepared(params, seed=(0, 7)):
    target = photo("astronaut")
    return make_prepare(params, training=True)(tf.constant(target), tf.constant(target), tf.constant(0.0),
                                               tf.constant(seed, tf.int64))


def test_flip_moves_input_and_target_together_and_jitter_touches_only_the_input(tmp_path, photo_dir):
    base = _params(tmp_path, photo_dir, DATASET="paired", AUG_FLIP_P=0.0, AUG_JITTER_P=0.0)
    plain_in, plain_target = _prepared(base)
    flip_in, flip_target = _prepared(dataclasses.replace(base, aug_flip_p=1.0))
    np.testing.assert_array_equal(flip_in, flip_target)
    np.testing.assert_array_equal(flip_target, plain_target[:, ::-1])
    jitter_in, jitter_target = _prepared(dataclasses.replace(base, aug_jitter_p=1.0))
    np.testing.assert_array_equal(jitter_target, plain_target)
    assert np.abs(jitter_in - plain_in).mean() > 0.01


def _high_frequency_energy(image):
    gray = np.asarray(image).mean(axis=-1)
    return np.mean(np.diff(gray, axis=0) ** 2) + np.mean(np.diff(gray, axis=1) ** 2)


def test_norm_blur_blurs_input_and_target_alike_and_drops_high_frequencies(tmp_path, photo_dir):
    from tfcorrect.data.pipeline import gaussian_blur

    base = _params(tmp_path, photo_dir, DATASET="paired", AUG_FLIP_P=0.0, AUG_JITTER_P=0.0)
    target = photo("astronaut")
    source = cv2.resize(photo("coffee"), target.shape[1::-1], interpolation=cv2.INTER_AREA)
    prepare = make_prepare(base, training=True)
    blurred = make_prepare(dataclasses.replace(base, norm_blur=1.0), training=True)
    args = (tf.constant(source), tf.constant(target), tf.constant(0.0), tf.constant((0, 7), tf.int64))
    plain_in, plain_target = (np.asarray(x) for x in prepare(*args))
    blur_in, blur_target = (np.asarray(x) for x in blurred(*args))
    for plain, blur in ((plain_in, blur_in), (plain_target, blur_target)):  # each image, the same blur
        np.testing.assert_allclose(blur, np.asarray(gaussian_blur(tf.constant(plain), 1.0)), atol=1e-5)
        assert _high_frequency_energy(blur) < 0.5 * _high_frequency_energy(plain)
        assert abs(blur.mean() - plain.mean()) < 0.01  # a blur, not a change of level
    assert _high_frequency_energy(np.asarray(gaussian_blur(tf.constant(plain_target), 2.0))) < \
        _high_frequency_energy(blur_target)  # more sigma, less detail


def test_order_is_reproducible_and_a_resumed_stream_continues_it(tmp_path, photo_dir):
    params = _params(tmp_path, photo_dir, EPOCHS=3)
    batches = list(make_datasets(params).train.take(3 * params.steps_per_epoch).as_numpy_iterator())
    again = list(make_datasets(params).train.take(1).as_numpy_iterator())
    resumed = list(make_datasets(params, start_epoch=1).train.take(1).as_numpy_iterator())
    np.testing.assert_array_equal(again[0][0], batches[0][0])
    np.testing.assert_array_equal(resumed[0][0], batches[params.steps_per_epoch][0])
    assert not np.array_equal(batches[0][0], batches[params.steps_per_epoch][0])


def test_an_unreadable_training_file_is_skipped_by_name(tmp_path, photo_dir, capfd):
    folder = tmp_path / "with_bad"
    for path in photo_dir.iterdir():
        (folder / path.name).parent.mkdir(exist_ok=True)
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "broken.png").write_bytes(b"\x89PNG not really")
    params = _params(tmp_path, folder, VAL_FRACTION=0.01, SEED=3)
    data = make_datasets(params)
    assert len(list(data.train.take(8))) == 8
    assert "broken.png" in capfd.readouterr().err


def test_expand_exposures_keeps_known_offsets():
    from tfcorrect.data.examples import Example

    examples = expand_exposures([Example("t.png"), Example("u.png", "i.png", 1.0)], (-1.0, 1.0))
    assert [(e.target, e.ev) for e in examples] == [("t.png", -1.0), ("t.png", 1.0), ("u.png", 1.0)]


def _crop(name, side=48):
    return photo(name)[100:100 + side, 100:100 + side]


def _afifi_layout(root, scenes, ground_truths):
    """INPUT_IMAGES/<scene>_<tag>.JPG rendered at the tag's EV from a real-photo crop, and each
    ``ground_truths`` folder holding ``<scene>.jpg`` crops of a photo of its own."""
    for scene, name in scenes.items():
        for tag, ev in AFIFI_EV.items():
            _write(root / "INPUT_IMAGES" / f"{scene}_{tag}.JPG", render_exposure(_crop(name), ev).numpy())
    for folder, (name, kept) in ground_truths.items():
        for scene in kept:
            _write(root / folder / f"{scene}.jpg", _crop(name))


_SCENES = {"a0001-jmac_DSC1459": "chelsea", "a0002-dgw_005": "coffee", "a0003_NKIM_MG_8178": "rocket"}
_EXPERT_PHOTOS = ("astronaut", "motorcycle_left", "immunohistochemistry", "chelsea", "coffee")


def _expert_sets():
    """Five expert folders, each with every scene as a crop of that expert's own photo."""
    return {f"expert_{x}_testing_set": (name, list(_SCENES)) for x, name in zip("abcde", _EXPERT_PHOTOS)}


@pytest.mark.parametrize("expert", ["a", "c", "e"])
def test_afifi_test_set_pairs_every_exposure_with_the_chosen_experts_image(tmp_path, expert):
    root = tmp_path / "testing"
    _afifi_layout(root, _SCENES, _expert_sets())
    examples = find_examples("afifi", root, params=params(dataset="afifi", expert=expert))
    assert len(examples) == len(_SCENES) * len(AFIFI_EV)
    for e in examples:
        scene = pathlib.Path(e.target).stem
        assert pathlib.Path(e.input).name.startswith(f"{scene}_")
        assert pathlib.Path(e.target).parent.name == f"expert_{expert}_testing_set"
        expected = _crop(_EXPERT_PHOTOS["abcde".index(expert)])
        assert np.abs(read_image(e.target).pixels - expected).mean() < 0.02  # that expert's JPEG
    # The EV read from each name is the one the input was rendered at: brightness follows it.
    for scene in _SCENES:
        ordered = sorted((e for e in examples if scene in e.input), key=lambda e: e.ev)
        assert [e.ev for e in ordered] == sorted(AFIFI_EV.values())
        assert np.all(np.diff([read_image(e.input).pixels.mean() for e in ordered]) > 0)


def test_afifi_ground_truth_folder_wins_and_strays_are_named(tmp_path):
    root = tmp_path / "training"
    _afifi_layout(root, _SCENES, {"GT_IMAGES": ("coffee", ["a0001-jmac_DSC1459", "a0002-dgw_005", "lonely"]),
                                  **_expert_sets()})
    _write(root / "INPUT_IMAGES" / "a0001-jmac_DSC1459_P2.JPG", _crop("chelsea"))
    with pytest.warns(UserWarning) as caught:
        examples = find_examples("afifi", root, params=params(dataset="afifi", expert="b"))
    named = " ".join(str(w.message) for w in caught)
    assert "a0001-jmac_DSC1459_P2.JPG" in named and "a0003_NKIM_MG_8178_N1.5.JPG" in named
    assert "lonely.jpg: no INPUT_IMAGES/lonely_<EV> image" in named
    assert {pathlib.Path(e.target).parent.name for e in examples} == {"GT_IMAGES"}
    assert len(examples) == 2 * len(AFIFI_EV)


def test_afifi_without_ground_truth_or_the_chosen_expert_is_one_line(tmp_path):
    root = tmp_path / "testing"
    _afifi_layout(root, {"scene": "coffee"}, {"expert_a_testing_set": ("coffee", ["scene"])})
    with pytest.raises(UserError) as err:
        find_examples("afifi", root, params=params(dataset="afifi", expert="d"))
    message = str(err.value)
    assert "\n" not in message and str(root) in message
    assert "expert_d_testing_set/" in message and "has INPUT_IMAGES/, expert_a_testing_set/" in message
    shutil.rmtree(root / "INPUT_IMAGES")
    with pytest.raises(UserError, match="needs INPUT_IMAGES/; it has expert_a_testing_set/$"):
        find_examples("afifi", root)


def test_training_reads_the_tables_expert(tmp_path):
    root = tmp_path / "testing"
    # Expert b has all three scenes; expert c (the default) only one.
    sets = {"expert_b_testing_set": ("coffee", list(_SCENES)), "expert_c_testing_set": ("rocket", ["a0002-dgw_005"])}
    _afifi_layout(root, _SCENES, sets)
    with pytest.warns(UserWarning):  # expert c leaves scenes without a ground truth
        assert len(find_examples("afifi", root)) == len(AFIFI_EV)
    data = make_datasets(_params(tmp_path, root, DATASET="afifi", EXPERT="b", VAL_FRACTION=0.34))
    assert data.train_count + data.val_count == len(_SCENES) * len(AFIFI_EV)
