"""Values a careless user types: NaN, infinities, sizes that cannot fit, targets that already exist.

Each is one ``prog: error: ...`` line and exit 2, before anything is written; nothing the user had is replaced.
"""

import sqlite3

import pytest

from tfcorrect.cli import data as data_cli
from tfcorrect.cli import params as params_cli
from tfcorrect.cli import predict as predict_cli
from tfcorrect.cli import train as train_cli
from tfcorrect.io.images import write_image
from conftest import ROOT, photo, tiny_sets

TABLE = ROOT / "param_tables" / "pix2pix_exposure.csv"


def _one_line(capsys, prog):
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"{prog}: error: ") and "\n" not in err, err
    return err


@pytest.fixture
def photos(tmp_path):
    write_image(tmp_path / "photos" / "coffee.png", photo("coffee")[:96, :128])
    return tmp_path / "photos"


@pytest.mark.parametrize("value, message", [
    ("LR=nan", "LR must be a finite number"),
    ("LR=inf", "LR must be a finite number"),
    ("LAMBDA_CONTENT=-inf", "LAMBDA_CONTENT must be a finite number"),
    ("NGF=20000", "NGF must be <= 256"),
    ("TILE=65536", "TILE must be <= 4096"),
])
def test_train_refuses_a_value_that_cannot_train(tmp_path, photos, capsys, value, message):
    argv = [str(TABLE), *[a for s in tiny_sets(photos) for a in ("--set", s)], "--set", value,
            "--run-dir", str(tmp_path / "run")]
    assert train_cli.main(argv) == 2
    assert message in _one_line(capsys, "tfcorrect-train")
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("argv, message", [
    (["simulate-overexposure", "{src}", "{dst}", "--gamma", "nan"], "GAMMA must be a finite number"),
    (["homomorphic", "{src}", "{dst}", "--homo-gamma-l", "nan"], "HOMO_GAMMA_L must be a finite number"),
    (["simulate-cameras", "{src}", "{dst}", "--seed", "-1"], "--seed must be >= 0"),
    (["simulate-cameras", "{src}", "{dst}", "--clip-percent", "inf"], "--clip-percent must be a finite number"),
    (["import-illuminants", "{text}", "{src}", "{dst}", "--format", "nus8"], "not a readable MATLAB file"),
])
def test_data_commands_refuse_values_that_would_write_nonsense(tmp_path, photos, capsys, argv, message):
    text = tmp_path / "gt.mat"
    text.write_text("illuminants: not a MATLAB file\n")
    argv = [a.format(src=photos, dst=tmp_path / "dst", text=text) for a in argv]
    assert data_cli.main(argv) == 2
    err = _one_line(capsys, f"tfcorrect-data {argv[0]}")
    assert message in err
    assert not (tmp_path / "dst").exists()


@pytest.mark.parametrize("argv, message", [
    (["--tile", "65536"], "--tile 65536 must be between 1 and 4096"),
    (["--batch-size", "0"], "--batch-size must be >= 1"),
])
def test_predict_refuses_sizes_before_reading_any_image(tmp_path, photos, capsys, argv, message):
    assert predict_cli.main([str(photos), str(tmp_path / "out"), *argv]) == 2
    assert message in _one_line(capsys, "tfcorrect-predict")
    assert not (tmp_path / "out").exists()


def test_predict_into_a_file_is_one_line_not_one_error_per_image(tmp_path, photos, capsys):
    (tmp_path / "out").write_text("mine\n")
    assert predict_cli.main([str(photos), str(tmp_path / "out")]) == 2
    assert "is a file, not a folder" in _one_line(capsys, "tfcorrect-predict")
    assert (tmp_path / "out").read_text() == "mine\n"


def _tables(db):
    with sqlite3.connect(db) as connection:
        names = sorted(row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'"))
    connection.close()
    return names


def test_params_to_an_existing_file_needs_overwrite(tmp_path, capsys):
    db = tmp_path / "project.db"
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE EXPERIMENTS (NAME TEXT)")
    connection.close()
    picture = tmp_path / "x.db"
    write_image(picture.with_suffix(".png"), photo("coffee")[:32, :32])
    picture.with_suffix(".png").rename(picture)
    before = picture.read_bytes()
    for target in (db, picture):
        assert params_cli.main([str(TABLE), "--to", str(target)]) == 2
        assert "pass --overwrite" in _one_line(capsys, "tfcorrect-params")
    assert _tables(db) == ["EXPERIMENTS"] and picture.read_bytes() == before
    assert params_cli.main([str(TABLE), "--to", str(db), "--overwrite"]) == 0
    assert _tables(db) == ["PARAMS"]


def test_params_to_the_table_itself_is_refused_even_with_overwrite(tmp_path, capsys):
    table = tmp_path / "mine.csv"
    table.write_bytes(TABLE.read_bytes())
    assert params_cli.main([str(table), "--to", str(tmp_path / "." / "mine.csv"), "--overwrite"]) == 2
    assert "is TABLE itself" in _one_line(capsys, "tfcorrect-params")
    assert table.read_bytes() == TABLE.read_bytes()
