"""Parameter tables: precedence, every mistake SPEC lists, CSV <-> SQLite, run-folder round trip."""

import dataclasses
import pathlib
import re

import pytest

from tfcorrect.cli import params as params_cli
from tfcorrect.errors import TableError
from tfcorrect.params import FIELDS, Params, convert_table, load_params, read_table, resolve, resolved_rows, write_table

TABLES = pathlib.Path(__file__).parent.parent / "param_tables"
HEADER = "CATEGORY,PARAM_NAME,PARAM_VALUE,USE_YN\n"


def table(tmp_path, body, name="t.csv"):
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_category_overrides_common_and_set_overrides_both(tmp_path):
    path = table(tmp_path, "COMMON,RESOL,256,Y\nCOMMON,NGF,32,Y\nGOGUNG,RESOL,512,Y\nGOGUNG,LR,0.001,N\n")
    params, sources = resolve(path, "GOGUNG", ["NGF=8"])
    assert (params.resol, params.ngf, params.lr) == (512, 8, Params().lr)
    assert sources["RESOL"] == f"{path}:4"
    assert sources["NGF"] == "--set NGF=8"
    assert resolve(path)[0].resol == 256


def test_depth_is_derived_from_resol_unless_the_table_sets_it(tmp_path):
    assert resolve(table(tmp_path, "COMMON,RESOL,512,Y\n"))[0].depth == 9
    params, sources = resolve(table(tmp_path, "COMMON,RESOL,512,Y\nCOMMON,DEPTH,6,Y\n"))
    assert params.depth == 6 and sources["DEPTH"].endswith(":3")


MISTAKES = [
    ("COMMON,RESOLUTION,256,Y\n", None, r"t\.csv:2: unknown parameter 'RESOLUTION' \(did you mean RESOL\?\)"),
    ("COMMON,RESOL,abc,Y\n", None, r"t\.csv:2: RESOL must be int, not 'abc'"),
    ("COMMON,LR,-1,Y\n", None, r"t\.csv:2: LR must be >= 0"),
    ("COMMON,AUG_FLIP_P,1.5,Y\n", None, r"t\.csv:2: AUG_FLIP_P must be <= 1"),
    ("COMMON,DATASET,imagenet,Y\n", None, r"t\.csv:2: DATASET must be one of"),
    ("COMMON,RESOL,256,yes\n", None, r"t\.csv:2: USE_YN must be Y or N"),
    ("COMMON,NGF,8,Y\nCOMMON,RESOL,256,Y\nCOMMON,NGF,16,Y\n", None, r"t\.csv:4: NGF is already set for COMMON at .*t\.csv:2"),
    ("COMMON,RESOL,256,Y\n", "GOGUNG", r"t\.csv: category 'GOGUNG' is not in the table"),
    ("COMMON,RESOL,96,Y\n", None, r"t\.csv:2: RESOL 96 cannot be halved DEPTH=6 times"),
    ("COMMON,RESOL,2048,Y\n", None, r"t\.csv:2: RESOL must be <= 1024"),
    ("COMMON,RESOL,256,Y\nCOMMON,DEPTH,9,Y\n", None, r"t\.csv:3: RESOL 256 cannot be halved DEPTH=9 times"),
    ("COMMON,FOV,100,Y\n", None, r"t\.csv:2: FOV: .*reachable: .*70.*140"),
]


@pytest.mark.parametrize("body, category, message", MISTAKES)
def test_each_table_mistake_is_one_line_naming_file_and_row(tmp_path, capsys, body, category, message):
    path = table(tmp_path, body)
    argv = [str(path)] + (["--category", category] if category else [])
    assert params_cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("tfcorrect-params: error: ")
    assert re.search(message, err), err


def test_bad_header_and_bad_set_are_reported(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("NAME,VALUE\nRESOL,256\n")
    with pytest.raises(TableError, match=r"bad\.csv:1: header must be"):
        resolve(bad)
    with pytest.raises(TableError, match=r"--set RESOL: expected NAME=VALUE"):
        resolve(table(tmp_path, ""), sets=["RESOL"])
    with pytest.raises(TableError, match=r"--set NGF=x: NGF must be int"):
        resolve(table(tmp_path, ""), sets=["NGF=x"])


@pytest.mark.parametrize("suffix", [".sqlite", ".db"])
def test_csv_and_its_sqlite_conversion_resolve_identically(tmp_path, suffix):
    csv_path = TABLES / "pix2pix_colorize.csv"
    db = tmp_path / f"colorize{suffix}"
    assert params_cli.main([str(csv_path), "--to", str(db)]) == 0
    for category in (None, "GOGUNG"):
        assert resolve(db, category, ["NGF=8"])[0] == resolve(csv_path, category, ["NGF=8"])[0]
    back = tmp_path / "back.csv"
    convert_table(db, back)
    assert [(r.category, r.name, r.value, r.use_yn) for r in read_table(back)] == \
        [(r.category, r.name, r.value, r.use_yn) for r in read_table(csv_path)]


def test_sqlite_mistakes_name_the_row(tmp_path):
    path = table(tmp_path, "COMMON,RESOL,256,Y\nCOMMON,KSIZE,many,Y\n")
    db = tmp_path / "t.sqlite"
    convert_table(path, db)
    with pytest.raises(TableError, match=r"t\.sqlite: row 2: KSIZE must be int"):
        resolve(db)


def test_resolved_table_rebuilds_the_same_params(tmp_path):
    params = resolve(TABLES / "pix2pix_exposure.csv", sets=["LR=0.00012345", "TEST_DROPOUT=Y"])[0]
    write_table(tmp_path / "params.csv", resolved_rows(params))
    assert load_params(tmp_path / "params.csv") == params
    assert len(read_table(tmp_path / "params.csv")) == len(FIELDS)


@pytest.mark.parametrize("name, category, resol", [("pix2pix_exposure.csv", None, 256),
                                                    ("pix2pix_colorize.csv", None, 256),
                                                    ("pix2pix_colorize.csv", "GOGUNG", 512)])
def test_shipped_tables_resolve(name, category, resol):
    params = resolve(TABLES / name, category)[0]
    assert params.resol == resol and params.ksize == 4 and params.fov == 70


def test_exposure_table_has_seed_001_settings():
    params = resolve(TABLES / "pix2pix_exposure.csv")[0]
    assert (params.lr, params.aug_flip_p, params.aug_jitter_p, params.lambda_l1) == (1e-4, 0.5, 0.2, 100.0)


def test_params_listing_shows_every_name_with_source(tmp_path, capsys):
    path = table(tmp_path, "COMMON,RESOL,128,Y\n")
    assert params_cli.main([str(path), "--set", "NGF=8"]) == 0
    out = capsys.readouterr().out
    assert all(re.search(rf"^{name}\s", out, re.M) for name in FIELDS)
    assert re.search(r"^RESOL\s+128\s.*t\.csv:2", out, re.M)
    assert re.search(r"^DEPTH\s+7\s.*derived", out, re.M)


def test_params_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Params().resol = 128


def test_readme_parameter_list_matches_the_schema():
    from tfcorrect.params.docs import with_table

    readme = (TABLES.parent / "README.md").read_text(encoding="utf-8")
    assert readme == with_table(readme), "run: python -m tfcorrect.params.docs README.md"
