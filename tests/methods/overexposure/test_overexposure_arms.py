"""The three arms of seed 003's table (param_tables/exposure_overexposure.csv) train on real photos."""

import math

import keras
import pandas as pd
import pytest

from tfcorrect.training import runfolder
from tfcorrect.methods import build_network
from tfcorrect.nn.layers import NoiseInjection
from tfcorrect.methods import load_params, resolve
from tfcorrect.training.driver import train
from conftest import ROOT

TABLE = ROOT / "param_tables" / "exposure_overexposure.csv"
TINY = ["RESOL=64", "NGF=8", "NDF=8", "EPOCHS=1", "STEPS_PER_EPOCH=2", "BATCH_SIZE=2", "VAL_FRACTION=0.34",
        "VAL_STEPS=1", "SAMPLES=1"]


@pytest.fixture(scope="module")
def vgg19_stand_in(tmp_path_factory):
    """VGG19's architecture with random weights, saved as a file: only to run the perceptual arm's plumbing.

    These are not ImageNet weights; the numbers it gives mean nothing as a perceptual distance.
    """
    path = tmp_path_factory.mktemp("vgg") / "vgg19_random_stand_in.weights.h5"
    keras.applications.VGG19(weights=None, include_top=False).save_weights(path)
    return path


@pytest.mark.slow
@pytest.mark.parametrize("category, noise, perceptual", [("BASELINE", False, False), ("NOISE", True, False),
                                                         ("PERCEPTUAL_NOISE", True, True)])
def test_each_arm_trains_a_few_steps_on_real_photos(category, noise, perceptual, tmp_path, photo_dir, vgg19_stand_in):
    sets = [*TINY, f"TRAIN_DIR={photo_dir}", f"VGG_WEIGHTS={vgg19_stand_in}"]
    params = resolve(str(TABLE), category=category, sets=sets)[0]
    assert (params.spectral_norm, params.gan_loss, params.fov) == (True, "lsgan", 140)
    assert params.noise_injection is noise and (params.lambda_perceptual > 0) is perceptual
    run = tmp_path / category
    train(params, run, verbose=0)

    history = pd.read_csv(run / runfolder.HISTORY)
    assert len(history) == 1 and all(math.isfinite(v) for v in history.iloc[0])
    assert bool(history["g_perceptual"].iloc[0] > 0) == perceptual
    generator = build_network(load_params(run / runfolder.PARAMS), "generator")
    generator.load_weights(run / runfolder.weights_file("generator"))
    noise_layers = [layer for layer in generator.layers if isinstance(layer, NoiseInjection)]
    assert bool(noise_layers) is noise
    if noise:  # the learnable scales start at zero and moved with training
        assert any(float(abs(layer.scale).numpy().max()) > 0 for layer in noise_layers)
