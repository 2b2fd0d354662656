"""The measurement behind Le Jeune's LAMBDA_PERCEPTUAL (tests/nn/perceptual_share.py): its stand-in VGG19 and the weight."""

import numpy as np
import pytest
import tensorflow as tf

from perceptual_share import TABLE, crops, lambda_for_share, loss_parts, stand_in_vgg19
from tfcorrect.methods import resolve
from tfcorrect.nn.perceptual import PerceptualLoss, build_feature_extractor, layer_names, vgg19_preprocess


def _conv_names(model):
    return [layer.name for layer in model.layers if "conv" in layer.name]


@pytest.mark.parametrize("scale", ["input", "unit"])
def test_every_stand_in_convolution_keeps_the_chosen_rms_before_its_relu(scale):
    images = vgg19_preprocess(tf.constant(crops(side=32)), value_range=(0, 1))
    vgg = stand_in_vgg19(images, scale=scale)
    features = build_feature_extractor(vgg, _conv_names(vgg), preact=True)(images)
    assert len(features) == 16  # VGG19's convolutions
    rms = [float(tf.sqrt(tf.reduce_mean(tf.square(f)))) for f in features]
    want = float(tf.sqrt(tf.reduce_mean(tf.square(images)))) if scale == "input" else 1.0
    np.testing.assert_allclose(rms, want, rtol=1e-3)
    assert want > 50 or scale == "unit"  # preprocess_input's [0, 255] scale


def test_lambda_for_share_gives_the_perceptual_term_that_share_of_the_total():
    parts = {"gan": 0.7, "l1": 0.5, "perceptual": 3.0e4}
    lam = lambda_for_share(parts, 0.1, lambda_gan=1.0, lambda_content=100.0)
    total = parts["gan"] + 100.0 * parts["l1"] + lam * parts["perceptual"]
    assert lam * parts["perceptual"] / total == pytest.approx(0.1)


@pytest.mark.slow
def test_the_shipped_lambda_perceptual_makes_the_term_about_a_tenth_of_the_first_generator_loss():
    params = resolve(TABLE, "PERCEPTUAL_NOISE", sets=["PRECISION=float32"])[0]
    assert params.perceptual_channels == "sum"  # eq. 5 as written
    targets = crops(side=params.resol)
    vgg = stand_in_vgg19(vgg19_preprocess(targets, value_range=(0, 1)), scale="input")
    extractor = build_feature_extractor(vgg, layer_names(params.perceptual_layers), preact=params.perceptual_preact)
    parts = loss_parts(params, PerceptualLoss(extractor, channels="sum"), targets)["fresh generator"]
    weighted = params.lambda_perceptual * parts["perceptual"]
    share = weighted / (weighted + params.lambda_gan * parts["gan"] + params.lambda_content * parts["l1"])
    assert 0.08 < share < 0.12, share
