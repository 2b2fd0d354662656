"""Seed 004: ``param_tables/pix2pix_colorize.csv`` trained small, built at 512 and 1024 px, and the loss table."""


import keras
import numpy as np
import pandas as pd
import pytest

from tfcorrect.cli.report import main as report
from tfcorrect.methods.colorize.preprocess import PREPROCESSED
from tfcorrect.methods import build_network
from tfcorrect.methods.pix2pix.patchgan import receptive_field
from tfcorrect.methods import resolve
from tfcorrect.params import read_table
from tfcorrect.training.runfolder import HISTORY, weights_file
from conftest import ROOT

TABLE = ROOT / "param_tables" / "pix2pix_colorize.csv"
TINY = ("RESOL=64", "DEPTH=6", "NGF=8", "NDF=8", "G_MAX_FILTERS=32", "EPOCHS=1", "STEPS_PER_EPOCH=2",
        "BATCH_SIZE=2", "VAL_FRACTION=0.34", "SAMPLES=2")
# Arms of seed 004's Table 4: (category, label).
ARMS = (("HOMOMORPHIC", "Applied"), (None, "Not Applied"))


def _table_value(category, name):
    """What the table's own row says (the category's, else COMMON's), read without resolving."""
    rows = {(r.category, r.name): r.value for r in read_table(TABLE) if r.use_yn == "Y"}
    return rows.get((category, name), rows[("COMMON", name)])


@pytest.fixture(scope="module")
def runs(tmp_path_factory, photo_dir):
    """The two arms trained briefly at 64 px on real photos: {label: run folder}."""
    from tfcorrect.training.driver import train

    folders = {}
    for category, label in ARMS:
        folder = tmp_path_factory.mktemp("colorize") / (category or "COMMON")
        params = resolve(TABLE, category, [*TINY, f"TRAIN_DIR={photo_dir}"])[0]
        train(params, folder, verbose=0)
        folders[label] = folder
    return folders


@pytest.mark.slow
def test_colorize_trains_at_64_px_with_and_without_preprocessing(runs, photo_dir):
    for label, folder in runs.items():
        history = pd.read_csv(folder / HISTORY)
        assert len(history) == 1 and np.isfinite(history[["d_real", "d_fake", "g_total"]].to_numpy()).all()
        params = resolve(folder / "params.csv")[0]
        network = build_network(params, "generator")
        network.load_weights(folder / weights_file("generator"))
        assert network.input_shape[-1] == 1 and network.output_shape[-1] == 3  # gray in, colour out
    cached = sorted((runs["Applied"] / PREPROCESSED).glob("*.png"))
    assert len(cached) == len(list(photo_dir.iterdir()))
    assert not (runs["Not Applied"] / PREPROCESSED).exists()
    assert resolve(runs["Applied"] / "params.csv")[0].train_dir == str(photo_dir)  # the run records the user's data


@pytest.mark.slow
def test_loss_table_lists_each_run_final_losses(runs, tmp_path):
    out = tmp_path / "tables" / "loss"
    assert report(["loss-table", *map(str, runs.values()), "--labels", ",".join(runs), "--out", str(out)]) == 0
    table = pd.read_csv(out.with_suffix(".csv"))
    assert list(table["run"]) == list(runs) and list(table["No"]) == [1, 2]
    markdown = out.with_suffix(".md").read_text()
    for label, folder in runs.items():
        last = pd.read_csv(folder / HISTORY).iloc[-1]
        row = table[table["run"] == label].iloc[0]
        assert row["d_real"] == pytest.approx(last["d_real"]) and row["g_total"] == pytest.approx(last["g_total"])
        assert f"| {label} | 1 | {last['d_real']:.5f} | {last['d_fake']:.5f} | {last['g_total']:.5f} |" in markdown


def test_loss_table_mistakes_are_one_line_errors(tmp_path, capsys):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / HISTORY).write_text("epoch,g_l1\n1,0.5\n")
    assert report(["loss-table", str(tmp_path / "a")]) == 2
    assert "two or more" in capsys.readouterr().err
    assert report(["loss-table", str(tmp_path / "a"), str(tmp_path / "b")]) == 2
    assert str(tmp_path / "a" / HISTORY) in capsys.readouterr().err
    assert report(["loss-table", str(tmp_path / "b"), str(tmp_path / "b"), "--out", str(tmp_path / "t")]) == 2
    err = capsys.readouterr().err
    assert str(tmp_path / "b" / HISTORY) in err and "d_real" in err and len(err.strip().splitlines()) == 1


def test_gogung_segment_overrides_common():
    common, _ = resolve(TABLE)
    gogung, sources = resolve(TABLE, "GOGUNG")
    assert (common.resol, gogung.resol) == (int(_table_value(None, "RESOL")), int(_table_value("GOGUNG", "RESOL")))
    assert gogung.resol != common.resol and gogung.ksize != common.ksize
    lines = TABLE.read_text().splitlines()
    for name in ("RESOL", "KSIZE", "TRAIN_DIR", "PREPROCESS"):
        assert lines[int(sources[name].rsplit(":", 1)[1]) - 1].startswith(f"GOGUNG,{name},")
    assert lines[int(sources["LR"].rsplit(":", 1)[1]) - 1].startswith("COMMON,LR,")


def _kernel_sizes(model):
    layers = [getattr(layer, "layer", layer) for layer in model.layers]
    convolutions = (keras.layers.Conv2D, keras.layers.Conv2DTranspose)
    return {layer.kernel_size for layer in layers if isinstance(layer, convolutions)}


@pytest.mark.parametrize("category", ["RESOL_512", "RESOL_1024", "GOGUNG"])
def test_table_builds_large_resolutions_with_its_kernel_size(category):
    params = resolve(TABLE, category, ["NGF=2", "NDF=2", "G_MAX_FILTERS=4"])[0]  # narrow: the sizes are the table's
    resol, ksize, depth = (int(_table_value(category, name)) for name in ("RESOL", "KSIZE", "DEPTH"))
    assert (params.resol, params.ksize, params.depth) == (resol, ksize, depth) and resol >= 512
    generator = build_network(params, "generator")
    discriminator = build_network(params, "discriminator")
    assert _kernel_sizes(generator) == {(ksize, ksize)} == _kernel_sizes(discriminator)
    assert sum(layer.name.endswith("_conv") for layer in generator.layers) == depth
    assert receptive_field(discriminator) == int(_table_value(category, "FOV"))
    gray = np.zeros((1, resol, resol, 1), np.float32)
    assert generator(gray).shape == (1, resol, resol, 3)
