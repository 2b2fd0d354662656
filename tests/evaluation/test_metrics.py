"""Image metrics on real photos: SSIM's terms, MS-SSIM on small images, seed 003's similarities, inception score."""

import cv2
import keras
import numpy as np
import pytest
import tensorflow as tf

from tfcorrect.evaluation import metrics
from tfcorrect.errors import UserError
from tfcorrect.data.exposure import render_exposure
from conftest import photo

SIMILARITIES = [metrics.ssim, metrics.ms_ssim, metrics.luminance_similarity, metrics.contrast_similarity,
                metrics.saturation_similarity]


def _small(name, width=64, height=48):
    return cv2.resize(photo(name), (width, height), interpolation=cv2.INTER_AREA)


def _local_contrast(image, gain, sigma=metrics.FILTER_SIGMA):
    """Details around the local mean scaled by ``gain``; local means barely move."""
    blurred = cv2.GaussianBlur(image, (0, 0), sigma)
    return np.clip(blurred + gain * (image - blurred), 0, 1)


@pytest.mark.parametrize("similarity", SIMILARITIES, ids=lambda f: f.__name__)
def test_similarities_are_one_for_the_same_photo_and_lower_for_a_distorted_one(similarity):
    original = _small("coffee")
    # Darker, blurred and washed out: each similarity has something to see.
    darker = render_exposure(cv2.GaussianBlur(original, (0, 0), 1.5), -1).numpy()
    distorted = 0.7 * darker + 0.3 * darker.mean(axis=-1, keepdims=True)
    assert similarity(original, original) == pytest.approx(1.0, abs=1e-5)
    assert 0 < similarity(distorted, original) < 0.99


def test_luminance_term_reacts_to_brightness_and_contrast_term_to_contrast():
    original = _small("coffee")
    brighter = np.clip(original + 0.15, 0, 1)
    stretched = _local_contrast(original, 2.0)
    lum, con = metrics.luminance_similarity, metrics.contrast_similarity
    assert 1 - lum(brighter, original) > 5 * (1 - con(brighter, original))
    assert 1 - con(stretched, original) > 5 * (1 - lum(stretched, original))


def test_saturation_similarity_ignores_a_gray_level_change_that_keeps_saturation():
    original = _small("chelsea")
    darker = 0.6 * original  # every channel scaled alike: HSV saturation unchanged
    washed = 0.4 * original + 0.6 * original.mean(axis=-1, keepdims=True)
    assert metrics.saturation_similarity(darker, original) == pytest.approx(1.0, abs=1e-5)
    assert metrics.luminance_similarity(darker, original) < 0.95
    assert metrics.saturation_similarity(washed, original) < 0.9


def test_luminance_contrast_and_structure_terms_reproduce_tf_ssim():
    reference = _small("astronaut", 96, 80)
    image = np.clip(cv2.GaussianBlur(reference, (0, 0), 1.0) + 0.05, 0, 1)
    stats = metrics.local_statistics(image, reference)
    c3 = metrics.K2 ** 2 / 2
    structure = (stats["cov_xy"] + c3) / (tf.sqrt(stats["var_x"] * stats["var_y"]) + c3)
    ours = tf.reduce_mean(metrics.luminance_term(stats) * metrics.contrast_term(stats) * structure)
    assert float(ours) == pytest.approx(metrics.ssim(image, reference), abs=1e-4)
    assert metrics.ssim(image, reference) < 0.95  # the pair differs enough for the check to mean something


@pytest.mark.parametrize("side, scales", [(11, 1), (20, 1), (21, 2), (64, 3), (160, 4), (161, 5), (400, 5)])
def test_ms_ssim_uses_the_scales_that_fit(side, scales):
    assert metrics.ms_ssim_scales(side, side + 7) == scales


def test_ms_ssim_on_small_images():
    reference = _small("rocket", 20, 20)
    image = render_exposure(reference, -0.5).numpy()
    assert metrics.ms_ssim(image, reference) == pytest.approx(metrics.ssim(image, reference), abs=1e-6)
    full = _small("rocket", 64, 48)
    near, far = render_exposure(full, -0.5).numpy(), render_exposure(full, -1.5).numpy()
    assert metrics.ms_ssim(near, full) > metrics.ms_ssim(far, full)
    with pytest.raises(ValueError, match="smaller than the 11x11"):
        metrics.ms_ssim(full[:10], full[:10])


def _stand_in_classifier(kernel, bias):
    """A fixed softmax classifier of the channel means: a stand-in for InceptionV3."""
    inputs = keras.Input((32, 32, 3))
    pooled = keras.layers.GlobalAveragePooling2D()(inputs)
    dense = keras.layers.Dense(len(bias), activation="softmax")
    model = keras.Model(inputs, dense(pooled))
    dense.set_weights([np.asarray(kernel, np.float32), np.asarray(bias, np.float32)])
    return model


TINTS = {"red": [1.0, 0.1, 0.1], "green": [0.1, 1.0, 0.1], "blue": [0.1, 0.1, 1.0]}


def _tinted_photos():
    """Real photos tinted red, green, blue, red, green, blue."""
    return [_small(name) * np.float32(TINTS[tint]) for name, tint in
            zip(["coffee", "chelsea", "rocket", "astronaut", "coffee", "chelsea"], list(TINTS) * 2)]


def test_inception_score_is_one_when_every_image_gets_the_same_prediction():
    classifier = _stand_in_classifier(np.zeros((3, 5)), [0.5, 1.0, 2.0, 0.0, -1.0])
    score, spread = metrics.inception_score(_tinted_photos(), classifier)
    assert score == pytest.approx(1.0, abs=1e-9) and spread == 0


def test_inception_score_is_the_class_count_for_confident_evenly_spread_predictions():
    # Logits grow with how much a channel's mean exceeds the others': a tinted photo is one class.
    classifier = _stand_in_classifier(200 * (np.eye(3) - 1 / 3), np.zeros(3))
    probabilities = metrics.class_probabilities(_tinted_photos(), classifier)
    np.testing.assert_array_equal(probabilities.argmax(axis=1), [0, 1, 2, 0, 1, 2])
    assert metrics.inception_score_from_probabilities(probabilities) == pytest.approx((3.0, 0.0), abs=1e-3)
    # Two splits of red, green, blue each score 3; a split of 3 images cannot score more.
    assert metrics.inception_score_from_probabilities(probabilities, splits=2) == pytest.approx((3.0, 0.0), abs=1e-3)
    grouped = probabilities[[0, 3, 1, 4, 2, 5]]  # red, red, green | green, blue, blue
    assert metrics.inception_score_from_probabilities(grouped, splits=2)[0] < 2
    with pytest.raises(ValueError, match="splits"):
        metrics.inception_score_from_probabilities(probabilities, splits=7)


def test_inception_score_without_weights_is_a_one_line_error(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(UserError, match="inception_v3_weights_tf_dim_ordering_tf_kernels.h5") as err:
        metrics.inception_score([_small("coffee")])
    assert "\n" not in str(err.value) and str(tmp_path) in str(err.value)
