"""tfcorrect-predict --model on an export folder that was damaged after tfcorrect-export wrote it: one line, exit 2."""

import json
import shutil

import pytest

from tfcorrect.cli import predict as predict_cli
from tfcorrect.inference.backends import EXPORT_JSON
from tfcorrect.inference.export import export_run
from tfcorrect.io.images import write_image
from conftest import photo


@pytest.fixture(scope="module")
def exported(tmp_path_factory, run_dir):
    root = tmp_path_factory.mktemp("exported")
    for fmt in ("tflite", "savedmodel"):
        export_run(run_dir, root / fmt, fmt=fmt)
    return root


@pytest.fixture
def photos(tmp_path):
    write_image(tmp_path / "photos" / "coffee.png", photo("coffee")[:96, :128])
    return tmp_path / "photos"


def _damaged(exported, tmp_path, fmt):
    copy = tmp_path / f"damaged-{fmt}"
    shutil.copytree(exported / fmt, copy)
    return copy


def _edit_json(folder, change):
    info = json.loads((folder / EXPORT_JSON).read_text())
    change(info)
    (folder / EXPORT_JSON).write_text(json.dumps(info))


def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


DAMAGE = {
    "no tile": ("tflite", lambda f: _edit_json(f, lambda info: info.pop("tile")), "'tile' must be a positive"),
    "tile abc": ("tflite", lambda f: _edit_json(f, lambda info: info.update(tile="abc")), "'tile' must be a positive"),
    "tile 0": ("savedmodel", lambda f: _edit_json(f, lambda info: info.update(tile=0)), "'tile' must be a positive"),
    "file outside": ("tflite", lambda f: _edit_json(f, lambda info: info.update(file="../x")), "incomplete export"),
    "truncated tflite": ("tflite", lambda f: _truncate(f / "model.tflite"), "not a usable TFLite model"),
    "truncated savedmodel": ("savedmodel", lambda f: _truncate(f / "saved_model" / "saved_model.pb"),
                             "not a usable SavedModel"),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_export_is_one_line(exported, tmp_path, photos, capsys, damage):
    fmt, spoil, message = DAMAGE[damage]
    model = _damaged(exported, tmp_path, fmt)
    spoil(model)
    assert predict_cli.main([str(photos), str(tmp_path / "out"), "--model", str(model)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("tfcorrect-predict: error: ") and "\n" not in err and message in err, err
    assert not (tmp_path / "out").exists()


def test_the_litert_delegate_line_does_not_reach_stderr(exported, tmp_path, photos, capfd):
    assert predict_cli.main([str(photos), str(tmp_path / "out"), "--model", str(exported / "tflite")]) == 0
    assert "INFO:" not in capfd.readouterr().err
