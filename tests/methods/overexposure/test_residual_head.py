"""``G_OUTPUT=overexposure_residual``: the U-Net's output added to the trivial inverse, which an untrained generator is."""

import numpy as np
import pytest
import tensorflow as tf

from conftest import params, photo, table
from tfcorrect.data.exposure import simulate_overexposure
from tfcorrect.errors import TableError
from tfcorrect.evaluation.baselines import inverse_overexposure
from tfcorrect.inference.predictor import Predictor
from tfcorrect.methods import build_network, build_trainer, resolve


def _overexposed(name, side=64):
    image = tf.image.resize(photo(name), (side, side), antialias=True).numpy()
    return simulate_overexposure(image, 1 / 2.2, 0.5).numpy()


def test_an_untrained_residual_generator_is_the_trivial_inverse_on_a_real_photo():
    setting = params(model="pix2pix", dataset="simulate_overexposure", g_output="overexposure_residual",
                     resol=64, ngf=8, ndf=8)
    generator = build_network(setting, "generator")
    image = _overexposed("astronaut")
    out = Predictor(generator, 64, 16, 2)(image)
    np.testing.assert_allclose(out, inverse_overexposure(image), atol=1e-6)
    assert np.abs(out - image).max() > 0.2  # not the identity: the inverse darkens by 0.5^(1/2.2)


def test_training_moves_the_residual_so_the_generator_leaves_the_trivial_inverse():
    setting = params(model="pix2pix", dataset="simulate_overexposure", g_output="overexposure_residual",
                     resol=64, ngf=8, ndf=8, batch_size=2)
    trainer = build_trainer(setting)
    target = np.stack([tf.image.resize(photo(n), (64, 64), antialias=True).numpy() for n in ("astronaut", "coffee")])
    image = simulate_overexposure(target, 1 / 2.2, 0.5).numpy()
    data = tf.data.Dataset.from_tensors((image * 2 - 1, target * 2 - 1)).repeat()
    trainer.fit(data, steps_per_epoch=3, epochs=1, verbose=0)
    out = (trainer.generator(image * 2 - 1, training=False).numpy() + 1) / 2
    # the zero kernel gets a gradient at once (the rest of the U-Net only once it is non-zero): Adam moves
    # each of its weights by about LR per step
    assert np.abs(out - inverse_overexposure(image)).max() > 1e-5
    assert out.min() >= 0.0 and out.max() <= 1.0


def test_the_table_refuses_the_residual_head_without_the_simulation_it_inverts(tmp_path):
    path = table(tmp_path, "COMMON,MODEL,pix2pix,Y\nCOMMON,DATASET,simulate_exposure,Y\n"
                           "COMMON,G_OUTPUT,overexposure_residual,Y\n")
    with pytest.raises(TableError, match=r"t\.csv:4: G_OUTPUT overexposure_residual inverts DATASET=simulate_overexposure"):
        resolve(path)
    ok = resolve(table(tmp_path, "COMMON,MODEL,pix2pix,Y\nCOMMON,DATASET,simulate_overexposure,Y\n"
                                 "COMMON,G_OUTPUT,overexposure_residual,Y\n", name="ok.csv"))[0]
    assert not hasattr(ok, "highlight_rolloff")  # the exposure heads' options are not selected
