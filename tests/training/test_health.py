"""Training health: the collapse warning and TensorBoard logs of every loss part."""

import pathlib

import pytest
import tensorflow as tf

from tfcorrect.training import runfolder
from tfcorrect.training.health import collapse_message
from tfcorrect.methods import METHODS
from tfcorrect.methods import resolve
from tfcorrect.training.driver import train
from conftest import table, tiny_sets

ADVERSARY = METHODS["pix2pix"].adversaries[0]


def _rows(d_losses, g_gans):
    return [{"epoch": i + 1, "d_real": d, "d_fake": d, "g_gan": g} for i, (d, g) in enumerate(zip(d_losses, g_gans))]


def test_collapse_needs_a_low_discriminator_loss_for_long_enough_and_a_climbing_generator_loss():
    def message(d_losses, g_gans):
        return collapse_message(_rows(d_losses, g_gans), ADVERSARY, threshold=0.05, epochs=3)

    assert "discriminator collapse" in message([0.6, 0.04, 0.03, 0.01], [1, 3, 4, 6])
    assert message([0.6, 0.6, 0.03, 0.01], [1, 3, 4, 6]) is None  # low for two epochs only
    assert message([0.04, 0.03, 0.01], [6, 4, 3]) is None  # the generator is catching up
    assert message([0.3, 0.2, 0.1], [1, 3, 6]) is None  # losing, not collapsed
    assert collapse_message(_rows([0.01] * 3, [1, 2, 3]), ADVERSARY, threshold=0.05, epochs=0) is None


def _events(folder):
    """``{tag: number of values}`` of the TensorBoard event files below ``folder``."""
    tags = {}
    for path in pathlib.Path(folder).rglob("events.out.tfevents.*"):
        for event in tf.compat.v1.train.summary_iterator(str(path)):
            for value in event.summary.value:
                tags[value.tag] = tags.get(value.tag, 0) + 1
    return tags


@pytest.mark.slow
def test_a_discriminator_made_to_win_is_reported_and_tensorboard_holds_every_loss_part(tmp_path, photo_dir, capfd):
    sets = tiny_sets(photo_dir, EPOCHS=10, STEPS_PER_EPOCH=8, G_LR=0.0, D_LR=0.002, COLLAPSE_EPOCHS=2,
                     COLLAPSE_D_LOSS=0.1)
    run_dir = tmp_path / "run"
    history = train(resolve(table(tmp_path, ""), sets=sets)[0], run_dir, verbose=0).history
    err = capfd.readouterr().err
    warnings = (run_dir / runfolder.WARNINGS).read_text().splitlines()
    assert len(warnings) == 1 and warnings[0] in err, (history["d_real"], history["d_fake"], history["g_gan"])
    assert warnings[0].startswith("warning: epoch ") and "discriminator collapse" in warnings[0]
    train_tags, val_tags = _events(run_dir / "logs" / "train"), _events(run_dir / "logs" / "validation")
    for part in METHODS["pix2pix"].loss_parts:
        assert train_tags.get(f"epoch_{part}") == 10 and val_tags.get(f"epoch_{part}") == 10
    assert _events(run_dir / "logs" / "samples").get("samples") == 10


@pytest.mark.slow
def test_an_ordinary_short_run_gives_no_collapse_warning(tmp_path, photo_dir, capfd):
    train(resolve(table(tmp_path, ""), sets=tiny_sets(photo_dir, EPOCHS=4))[0], tmp_path / "run", verbose=0)
    assert "collapse" not in capfd.readouterr().err
    assert not (tmp_path / "run" / runfolder.WARNINGS).exists()
