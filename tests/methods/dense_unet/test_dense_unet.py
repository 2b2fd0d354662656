"""Seed 002: Dense U-Net, global discriminator, 1 - MS-SSIM, DPED data and patches, training through the seam."""

import math
import pathlib
import re

import cv2
import keras
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from conftest import ROOT, params, photo
from tfcorrect.cli import data as data_cli
from tfcorrect.cli import train as train_cli
from tfcorrect.methods.dense_unet.dped import find_dped
from tfcorrect.methods.dense_unet.patches import patch_boxes
from tfcorrect.errors import UserError
from tfcorrect.io.images import read_rgb, write_image
from tfcorrect.nn.losses import ms_ssim_loss, ms_ssim_power_factors
from tfcorrect.methods import build_network
from tfcorrect.methods.dense_unet.model import DenseUNetGan
from tfcorrect.methods.dense_unet.networks import PadToMultiple, build_dense_unet_generator, dense_block
from tfcorrect.methods.dense_unet.global_disc import build_global_discriminator, flatten_size
from tfcorrect.nn.perceptual import PerceptualLoss, build_feature_extractor
from tfcorrect.inference.predict import predictor_from_run

TABLE = ROOT / "param_tables" / "dense_unet_dped.csv"


def patch(name, side, top=0, left=0):
    """A ``side``-px crop of a real photo at its own resolution, RGB in [0, 1]."""
    return photo(name)[top:top + side, left:left + side]


def test_a_dense_block_concatenates_its_input_and_every_layers_maps():
    x = keras.Input((16, 16, 5))
    out, new = dense_block(x, layers=3, growth=4, name="db")
    assert out.shape[-1] == 5 + 3 * 4 and new.shape[-1] == 3 * 4
    block = keras.Model(x, [out, new])
    image = np.random.default_rng(0).normal(size=(2, 16, 16, 5)).astype("float32")
    full, maps = block(image)
    np.testing.assert_array_equal(full[..., :5], image)  # the input passes through untouched ...
    np.testing.assert_array_equal(full[..., 5:], maps)  # ... followed by the layers' maps
    # Layer 3 sees the input and the maps of layers 1 and 2: its kernel has 5 + 2 * 4 input channels.
    assert block.get_layer("db_layer3_conv").kernel.shape[-2] == 5 + 2 * 4


@pytest.mark.parametrize("side", [96, 100])
def test_the_generator_builds_at_dped_sizes_and_keeps_the_size(side):
    generator = build_dense_unet_generator(ngf=8, growth=4, layers=2, levels=4)
    out = generator(patch("astronaut", side)[None] * 2 - 1)
    assert out.shape == (1, side, side, 3)
    assert np.all(np.abs(out) <= 1)


def test_the_input_is_padded_symmetrically_to_the_level_multiple():
    image = patch("coffee", 20)[None]
    padded = PadToMultiple(16)(image).numpy()
    assert padded.shape == (1, 32, 32, 3)
    np.testing.assert_array_equal(padded[0, 20:32, :20], image[0, 19:7:-1])  # mirrored rows
    np.testing.assert_array_equal(padded[0, :20, :20], image[0])


def test_the_generator_saves_and_loads_with_identical_outputs(tmp_path):
    generator = build_dense_unet_generator(ngf=4, growth=4, layers=2, levels=2)
    image = patch("chelsea", 36)[None] * 2 - 1
    generator.save(tmp_path / "g.keras")
    loaded = keras.models.load_model(tmp_path / "g.keras")
    np.testing.assert_allclose(loaded(image), generator(image), atol=1e-6)


@pytest.mark.parametrize("side", [96, 100])
def test_the_global_discriminator_gives_one_logit_per_image(side):
    disc = build_global_discriminator(size=side, ndf=4, stages=4)
    assert disc.get_layer("global_discriminator_flatten").output.shape[-1] == flatten_size(side, stages=4, filters=32)
    images = np.stack([patch(n, side) for n in ("astronaut", "coffee", "rocket")]) * 2 - 1
    logits = disc(images)
    assert logits.shape == (3, 1)
    assert len(set(np.round(logits.numpy().ravel(), 6))) == 3  # each image judged on its own


def test_disc_names_the_global_or_the_patchgan_discriminator():
    disc = build_network(params(model="dense_unet", resol=96, ndf=4), "discriminator")
    assert disc.output_shape == (None, 1) and len(disc.inputs) == 1
    patchgan = build_network(params(model="dense_unet", resol=96, ndf=4, disc="patchgan"), "discriminator")
    assert len(patchgan.inputs) == 2 and len(patchgan.output_shape) == 4


def test_tf_ms_ssim_rejects_a_96px_patch_with_its_five_scales_but_the_loss_keeps_four():
    image = tf.constant(patch("astronaut", 96)[None])
    with pytest.raises((ValueError, tf.errors.InvalidArgumentError)):
        tf.image.ssim_multiscale(image, image, max_val=1.0)
    factors = ms_ssim_power_factors(96, 96)
    assert len(factors) == 4 and math.isclose(sum(factors), 1.0)
    assert len(ms_ssim_power_factors(161, 161)) == 5


def test_one_minus_ms_ssim_is_zero_for_identical_patches_and_grows_with_blur():
    clean = np.stack([patch("astronaut", 96, 100, 150), patch("coffee", 96, 150, 200)])
    assert float(ms_ssim_loss(clean * 2 - 1, clean * 2 - 1)) == pytest.approx(0.0, abs=1e-6)
    losses = [float(ms_ssim_loss(np.stack([cv2.GaussianBlur(p, (0, 0), sigma) for p in clean]) * 2 - 1,
                                 clean * 2 - 1)) for sigma in (0.7, 1.5, 3.0)]
    assert 0 < losses[0] < losses[1] < losses[2]


def test_the_ms_ssim_gradient_is_finite_where_tf_gives_nan():
    target = tf.constant(patch("rocket", 96)[None] * 2 - 1)
    fake = tf.Variable(-target)  # negatively correlated: TF's contrast-structure terms are clipped to 0
    with tf.GradientTape() as tape:
        loss = ms_ssim_loss(fake, target)
    assert np.all(np.isfinite(tape.gradient(loss, fake)))


def _paired_photos(folder, names=("astronaut", "chelsea", "coffee", "rocket"), size=(100, 80)):
    """A paired folder: each real photo resized to ``size`` (w, h) as target, a darker, warmer copy as input."""
    for name in names:
        target = cv2.resize(photo(name), size, interpolation=cv2.INTER_AREA)
        write_image(folder / "target" / f"{name}.png", target)
        write_image(folder / "input" / f"{name}.png", np.clip(target ** 1.4 * [1.05, 1.0, 0.85], 0, 1))
    return folder


def test_patches_are_cut_at_the_same_box_from_input_and_target(tmp_path):
    src = _paired_photos(tmp_path / "full")
    assert data_cli.main(["patches", str(src), str(tmp_path / "p"), "--size", "32", "--stride", "24"]) == 0
    boxes = patch_boxes(80, 100, 32, 24)
    for name in ("astronaut", "coffee"):
        full = {side: read_rgb(src / side / f"{name}.png")[0] for side in ("input", "target")}
        cut = sorted((tmp_path / "p" / "input").glob(f"{name}_y*_x*.png"))
        assert len(cut) == len(boxes) == 9
        for path in cut:
            top, left = map(int, re.fullmatch(rf"{name}_y(\d+)_x(\d+)", path.stem).groups())
            for side in ("input", "target"):
                np.testing.assert_array_equal(read_rgb(tmp_path / "p" / side / path.name)[0],
                                              full[side][top:top + 32, left:left + 32])


def test_patches_in_dped_layout_are_found_as_dped_pairs(tmp_path):
    src = _paired_photos(tmp_path / "full", names=("chelsea", "rocket"))
    dst = tmp_path / "dped" / "iphone" / "training_data"
    assert data_cli.main(["patches", str(src), str(dst), "--size", "40", "--layout", "dped", "--phone", "iphone"]) == 0
    examples = find_dped(tmp_path / "dped" / "iphone")
    assert len(examples) == 2 * len(patch_boxes(80, 100, 40, 40))
    assert all(pathlib.Path(e.input).name == pathlib.Path(e.target).name for e in examples)
    assert {pathlib.Path(e.target).parent.name for e in examples} == {"canon"}


def test_a_pair_of_different_sizes_is_named_and_the_others_are_cut(tmp_path, capsys):
    src = _paired_photos(tmp_path / "full", names=("chelsea", "rocket"))
    write_image(src / "input" / "rocket.png", np.zeros((60, 100, 3), np.float32))
    assert data_cli.main(["patches", str(src), str(tmp_path / "p"), "--size", "40"]) == 1
    assert "rocket.png: size 100x60 differs" in capsys.readouterr().err
    assert len(list((tmp_path / "p" / "target").glob("chelsea_*.png"))) == 4
    assert not list((tmp_path / "p").rglob("rocket_*.png"))


def test_a_dped_folder_without_canon_or_with_two_phones_is_refused(tmp_path):
    (tmp_path / "a" / "training_data" / "iphone").mkdir(parents=True)
    with pytest.raises(UserError, match="needs training_data/canon/"):
        find_dped(tmp_path / "a")
    for sub in ("iphone", "sony", "canon"):
        (tmp_path / "b" / sub).mkdir(parents=True)
    with pytest.raises(UserError, match="exactly one phone folder"):
        find_dped(tmp_path / "b")


def stand_in_vgg():
    """Two convolutions named like VGG19's, ReLU inside (never a random 'VGG19')."""
    keras.utils.set_random_seed(5)
    x = inputs = keras.Input((None, None, 3))
    x = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="block1_conv1")(x)
    x = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="block1_conv2")(x)
    return keras.Model(inputs, x)


@pytest.mark.slow
def test_a_step_with_the_perceptual_gan_and_ms_ssim_terms_weights_them_as_the_table_says():
    p = params(model="dense_unet", resol=64, ngf=4, growth=4, dense_layers=2, levels=2, ndf=4, d_stages=2)
    generator, disc = build_network(p, "generator"), build_network(p, "discriminator")
    extractor = build_feature_extractor(stand_in_vgg(), ["block1_conv2"], preact=True)
    trainer = DenseUNetGan(generator, disc, lambda_gan=0.1, lambda_content=0.0, perceptual=PerceptualLoss(extractor),
                           lambda_perceptual=1.0, eta_ssim=10.0)
    trainer.compile(optimizers={n: keras.optimizers.Adam(1e-3) for n in trainer.networks})
    trainer.build_optimizers()
    target = tf.constant(np.stack([patch("astronaut", 64, 100, 100), patch("coffee", 64, 100, 200)]) * 2 - 1)
    before = [w.numpy().copy() for w in generator.trainable_weights]
    logs = {k: float(v) for k, v in trainer.train_step((target * 0.5 - 0.3, target)).items()}
    assert logs["g_perceptual"] > 0 and 0 < logs["g_ms_ssim"] < 1
    assert logs["g_total"] == pytest.approx(logs["g_perceptual"] + 0.1 * logs["g_gan"] + 10 * logs["g_ms_ssim"],
                                            rel=1e-5)
    assert any(not np.array_equal(a, b.numpy()) for a, b in zip(before, generator.trainable_weights))


@pytest.mark.slow
def test_dense_unet_trains_through_tfcorrect_train_on_dped_patches_and_predicts_any_size(tmp_path):
    src = _paired_photos(tmp_path / "full", size=(140, 70))
    phone = tmp_path / "dped" / "iphone"
    assert data_cli.main(["patches", str(src), str(phone / "training_data"), "--size", "64", "--stride", "32",
                          "--layout", "dped", "--phone", "iphone"]) == 0
    sets = {"TRAIN_DIR": phone, "VAL_DIR": "", "VAL_FRACTION": 0.25, "RESOL": 64, "LOAD_SIZE": 64, "NGF": 4,
            "GROWTH": 4, "DENSE_LAYERS": 2, "LEVELS": 2, "NDF": 4, "D_STAGES": 2, "BATCH_SIZE": 2, "EPOCHS": 1,
            "STEPS_PER_EPOCH": 2, "VAL_STEPS": 1, "SAMPLES": 1}
    argv = [str(TABLE), "--category", "NO_VGG", "--run-dir", str(tmp_path / "run")]
    assert train_cli.main(argv + [f"--set={k}={v}" for k, v in sets.items()]) == 0
    history = pd.read_csv(tmp_path / "run" / "history.csv")
    assert {"g_ms_ssim", "val_g_ms_ssim", "g_l1"} <= set(history.columns)
    assert 0 < history["g_ms_ssim"].iloc[0] < 1 and history["g_perceptual"].iloc[0] == 0
    assert (tmp_path / "run" / "generator.weights.h5").is_file()
    image = patch("chelsea", 100)[:70]
    assert predictor_from_run(tmp_path / "run")(image).shape == (70, 100, 3)
