"""The method seam: a method defined only here trains, resumes after a kill and predicts a folder
through the unchanged driver, run folder and predictor."""

import dataclasses
import pathlib
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf
from keras import ops

from tfcorrect import methods
from tfcorrect.training import runfolder
from tfcorrect.cli import predict as predict_cli
from tfcorrect.cli import train as train_cli
from tfcorrect.methods import DATA_KINDS
from tfcorrect.errors import TableError
from tfcorrect.io.images import read_image, write_image
from tfcorrect.nn.losses import bce_discriminator_loss, bce_generator_loss, l1_loss
from tfcorrect.methods import METHODS, Adversary, Method, MethodModel, register_method, resolve, unregister_method
from tfcorrect.params import Component, option
from conftest import photo, table, tiny_sets, user_env

HERE = pathlib.Path(__file__).resolve().parent  # this file, imported again by the child process
TESTS = HERE.parent  # conftest.py


def build_painter(params):
    """Image -> image through one stride-2 level: inputs need an even side."""
    image = keras.Input((None, None, params.in_channels))
    x = keras.layers.Conv2D(params.toy_width, 3, strides=2, padding="same", activation="relu", name="down")(image)
    x = keras.layers.UpSampling2D(name="up")(x)
    out = keras.layers.Conv2D(3, 3, padding="same", activation="tanh", name="out")(x)
    return keras.Model(image, out, name="painter")


def build_critic(params):
    """An unconditional critic: one logit per 8x8 block."""
    image = keras.Input((None, None, 3))
    x = keras.layers.Conv2D(params.toy_width, 4, strides=4, activation="relu", name="c1")(image)
    return keras.Model(image, keras.layers.Conv2D(1, 2, strides=2, name="logits")(x), name="critic")


def build_meter(params):
    """Not a generator: estimates the target's mean brightness from the input."""
    image = keras.Input((None, None, params.in_channels))
    x = keras.layers.Conv2D(4, 3, strides=2, activation="relu", name="m1")(image)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    return keras.Model(image, keras.layers.Dense(1, name="level")(x), name="meter")


class Toy(MethodModel):
    loss_parts = ("p_total", "p_l1", "p_adv", "c_real", "c_fake", "m_mse")

    def __init__(self, painter, critic, meter, *, l1_weight=10.0, **kwargs):
        super().__init__(**kwargs)
        self.painter, self.critic, self.meter = painter, critic, meter
        self.l1_weight = l1_weight

    @property
    def networks(self):
        return {"painter": self.painter, "critic": self.critic, "meter": self.meter}

    def _parts(self, image, target, training):
        fake = self.painter(image, training=training)
        fake_logits = self.critic(fake, training=training)
        critic = bce_discriminator_loss(self.critic(target, training=training), fake_logits)
        level = ops.mean(target, axis=(1, 2, 3))[:, None]
        parts = {"p_l1": l1_loss(fake, target), "p_adv": bce_generator_loss(fake_logits),
                 "c_real": critic["real"], "c_fake": critic["fake"],
                 "m_mse": ops.mean((self.meter(image, training=training) - level) ** 2)}
        return {"p_total": parts["p_l1"] * self.l1_weight + parts["p_adv"], **parts}

    def train_step(self, data):
        image, target = data
        with tf.GradientTape(persistent=True) as tape:
            parts = self._parts(image, target, training=True)
            critic_loss = (parts["c_real"] + parts["c_fake"]) / 2
        self.minimize({"painter": (tape, parts["p_total"]), "critic": (tape, critic_loss),
                       "meter": (tape, parts["m_mse"])})
        return self.report(parts)

    def test_step(self, data):
        return self.report(self._parts(*data, training=False))


@dataclasses.dataclass(frozen=True)
class ToyOptions:
    """Options no file of tfcorrect names."""

    toy_width: int = option(8, "Filters of the toy's convolutions.", minimum=1)
    toy_l1: float = option(10.0, "Weight of the painter's L1 term.", minimum=0.0)


def _check_tiny(params, sources):
    if params.toy_width > 16:
        raise TableError(f"{sources['TOY_WIDTH']}: the toy method wants TOY_WIDTH <= 16, not {params.toy_width}")


TOY = Method(
    networks={"painter": build_painter, "critic": build_critic, "meter": build_meter},
    trainer=lambda nets, params: Toy(**nets, l1_weight=params.toy_l1),
    optimizers=lambda params: {name: keras.optimizers.Adam(params.lr) for name in ("painter", "critic", "meter")},
    loss_parts=Toy.loss_parts,
    data_kinds=("simulate_exposure", "paired"),
    predict_network="painter",
    size_multiple=lambda params: 2,
    options=Component("MODEL=toy", ToyOptions, checks=(_check_tiny,)),
    adversaries=(Adversary("critic", ("c_real", "c_fake"), "p_adv"),),
)

# Run in a fresh interpreter: register the test's method, then the ordinary command line.
CHILD = f"""
import sys

sys.path[:0] = [{str(HERE)!r}, {str(TESTS)!r}]
import test_toy_method
from tfcorrect.methods import register_method

register_method("toy", test_toy_method.TOY)
from tfcorrect.cli import train

raise SystemExit(train.main(sys.argv[1:]))
"""


@pytest.fixture
def toy():
    register_method("toy", TOY)
    yield TOY
    unregister_method("toy")


def _argv(run_dir, photo_dir, tmp_path, **extra):
    sets = [s for s in tiny_sets(photo_dir, MODEL="toy", LR=0.003, KEEP_BEST="val_m_mse", TOY_WIDTH=4, TOY_L1=5, **extra)
            if not s.startswith(("NGF=", "NDF="))]  # options of the GAN networks, which the toy does not have
    return [str(table(tmp_path, "")), *[a for s in sets for a in ("--set", s)], "--run-dir", str(run_dir)]


def test_every_declared_data_kind_exists_and_every_network_has_a_builder():
    for name, method in METHODS.items():
        assert set(method.data_kinds) <= set(DATA_KINDS), name
        assert method.predict_network in method.networks, name
        assert set(method.loss_parts) >= {p for a in method.adversaries for p in (*a.loss_parts, a.generator_part)}


def test_a_method_table_check_names_the_row(toy, tmp_path):
    with pytest.raises(TableError, match=r"t\.csv:3: the toy method wants TOY_WIDTH <= 16, not 32"):
        resolve(table(tmp_path, "COMMON,MODEL,toy,Y\nCOMMON,TOY_WIDTH,32,Y\n"))
    with pytest.raises(TableError, match=r"t\.csv:3: NGF is an option of the GAN networks .*, which this table does not"):
        resolve(table(tmp_path, "COMMON,MODEL,toy,Y\nCOMMON,NGF,8,Y\n"))
    with pytest.raises(TableError, match=r"t\.csv:2: TOY_WIDTH is an option of MODEL=toy, which this table does not"):
        resolve(table(tmp_path, "COMMON,TOY_WIDTH,8,Y\n"))
    with pytest.raises(TableError, match=r"t\.csv:3: MODEL toy cannot train on DATASET colorize"):
        resolve(table(tmp_path, "COMMON,MODEL,toy,Y\nCOMMON,DATASET,colorize,Y\n"))


@pytest.mark.slow
def test_a_method_defined_in_a_test_trains_writes_its_run_folder_and_predicts(toy, tmp_path, photo_dir):
    run_dir = tmp_path / "run"
    assert train_cli.main(_argv(run_dir, photo_dir, tmp_path, EPOCHS=3)) == 0
    for name in ("painter", "critic", "meter"):
        assert (run_dir / runfolder.weights_file(name)).is_file()
    assert not list(run_dir.glob("generator*")) and not list(run_dir.glob("discriminator*"))
    history = pd.read_csv(run_dir / runfolder.HISTORY)
    assert set(history.columns) == {"epoch", *Toy.loss_parts, *(f"val_{p}" for p in Toy.loss_parts)}
    assert len(list((run_dir / "samples").glob("*.png"))) == 3
    written = pd.read_csv(run_dir / "params.csv").set_index("PARAM_NAME")["PARAM_VALUE"]
    assert written["TOY_WIDTH"] == "4" and written["TOY_L1"] == "5.0"
    assert "NGF" not in written and "GRL_WEIGHT" not in written  # only the options of what the table selects
    # The meter, exported at its best validation epoch, rebuilt from the run folder alone.
    meter = methods.build_network(resolve(run_dir / "params.csv")[0], "meter")
    meter.load_weights(run_dir / "meter.weights.h5")
    assert meter(np.zeros((1, 64, 64, 3), "float32")).shape == (1, 1)

    source = tmp_path / "photos"
    write_image(source / "a.png", photo("chelsea")[:90, :120])
    write_image(source / "deep" / "b.jpg", photo("coffee")[:50, :64])
    assert predict_cli.main([str(source), str(tmp_path / "out"), "--run", str(run_dir), "--tile", "64"]) == 0
    for rel, shape in (("a.png", (90, 120, 3)), ("deep/b.jpg", (50, 64, 3))):
        assert read_image(tmp_path / "out" / rel).pixels.shape == shape
    # The toy's size multiple (2), not the U-Net's, decides which tiles are allowed.
    assert predict_cli.main([str(source), str(tmp_path / "out2"), "--run", str(run_dir), "--tile", "66"]) == 0
    assert predict_cli.main([str(source), str(tmp_path / "out3"), "--run", str(run_dir), "--tile", "63"]) == 2


@pytest.mark.slow
def test_a_method_defined_in_a_test_resumes_after_a_kill(tmp_path, photo_dir):
    run_dir = tmp_path / "run"
    command = [sys.executable, "-c", CHILD, *_argv(run_dir, photo_dir, tmp_path, EPOCHS=6, STEPS_PER_EPOCH=8)]
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=user_env())
    checkpoint = run_dir / runfolder.CHECKPOINT
    deadline = time.time() + 300
    done = 0
    while time.time() < deadline and child.poll() is None and done < 2:
        if checkpoint.exists():
            with np.load(checkpoint) as saved:
                done = int(saved["epoch"])
        time.sleep(0.02)
    child.send_signal(signal.SIGKILL)
    child.wait()
    with np.load(checkpoint) as saved:
        done = int(saved["epoch"])
        names = set(saved.files)
    assert 2 <= done < 6, "the kill should land in the middle of the run"
    assert {n.split("/")[1] for n in names if n.startswith(("network/", "optimizer/"))} == {"painter", "critic", "meter"}
    result = subprocess.run(command + ["--resume"], capture_output=True, text=True, timeout=300, env=user_env())
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"epochs {done + 1}..6" in result.stdout
    assert list(pd.read_csv(run_dir / runfolder.HISTORY)["epoch"]) == [1, 2, 3, 4, 5, 6]
