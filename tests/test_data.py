"""Data kinds on disk and the tf.data pipelines: pairing, simulated inputs, augmentation, order."""

import dataclasses

import cv2
import numpy as np
import pytest
import tensorflow as tf

from tfcorrect.data import expand_exposures, find_examples, make_datasets, make_prepare
from tfcorrect.errors import UserError
from tfcorrect.exposure import render_exposure
from tfcorrect.params import resolve
from conftest import photo, table, tiny_sets


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
    assert data.val_count == 2 * len(params.ev_list)
    inputs, targets = next(iter(data.val.unbatch().batch(len(params.ev_list))))
    means = (inputs.numpy().mean(axis=(1, 2, 3)) + 1) / 2
    assert np.all(np.diff(means) > 0), "inputs should brighten with the EV offset -1.5 .. +1.5"
    expected = render_exposure((targets[0] + 1) / 2, params.ev_list[0]) * 2 - 1
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
    from tfcorrect.data import Example

    examples = expand_exposures([Example("t.png"), Example("u.png", "i.png", 1.0)], (-1.0, 1.0))
    assert [(e.target, e.ev) for e in examples] == [("t.png", -1.0), ("t.png", 1.0), ("u.png", 1.0)]
