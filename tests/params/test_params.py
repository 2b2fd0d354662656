"""Parameter tables: precedence, every mistake a table can hold, CSV <-> SQLite, run-folder round trip, components."""

import json
import re

import pytest

from tfcorrect.cli import params as params_cli
from tfcorrect.errors import TableError
from tfcorrect.methods import catalogue, load_params, resolve
from tfcorrect.params import choices_of, format_value, read_table, resolved_rows, write_table
from tfcorrect.training.options import RunOptions
from conftest import FIXTURES, ROOT, table

TABLES = ROOT / "param_tables"


def test_category_overrides_common_and_set_overrides_both(tmp_path):
    path = table(tmp_path, "COMMON,RESOL,256,Y\nCOMMON,NGF,32,Y\nGOGUNG,RESOL,512,Y\nGOGUNG,LR,0.001,N\n")
    params, sources = resolve(path, "GOGUNG", ["NGF=8"])
    assert (params.resol, params.ngf, params.lr) == (512, 8, RunOptions().lr)
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
    ("COMMON,RESOL,128,Y\nCOMMON,TILE,96,Y\n", None, r"t\.csv:3: TILE 96 is not a multiple of 128"),
    ("COMMON,KEEP_BEST,val_d_l1,Y\n", None, r"t\.csv:2: KEEP_BEST must be one of none, val_g_total, .* not 'val_d_l1'"),
    ("COMMON,DATASET,colorize,Y\nCOMMON,G_OUTPUT,exposure_gain,Y\n", None,
     r"t\.csv:3: G_OUTPUT exposure_gain needs a colour input, not the 1-channel input of DATASET colorize"),
    ("COMMON,GAN_LOSS,wgan,Y\n", None, r"t\.csv:2: GAN_LOSS must be one of bce"),
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
    _convert(db, back)
    assert [(r.category, r.name, r.value, r.use_yn) for r in read_table(back)] == \
        [(r.category, r.name, r.value, r.use_yn) for r in read_table(csv_path)]


def test_sqlite_mistakes_name_the_row(tmp_path):
    path = table(tmp_path, "COMMON,RESOL,256,Y\nCOMMON,KSIZE,many,Y\n")
    db = tmp_path / "t.sqlite"
    _convert(path, db)
    with pytest.raises(TableError, match=r"t\.sqlite: row 2: KSIZE must be int"):
        resolve(db)


def _convert(source, target):
    write_table(target, read_table(source))


def test_resolved_table_rebuilds_the_same_params(tmp_path):
    params = resolve(TABLES / "pix2pix_exposure.csv", sets=["LR=0.00012345", "TEST_DROPOUT=Y"])[0]
    write_table(tmp_path / "params.csv", resolved_rows(params))
    assert load_params(tmp_path / "params.csv") == params
    assert len(read_table(tmp_path / "params.csv")) == len(params.rows())


def test_a_pix2pix_run_lists_only_the_options_of_what_its_table_selects(tmp_path):
    owners = catalogue().owners()
    names = [name for name, _, _ in resolve(TABLES / "pix2pix_exposure.csv")[0].rows()]
    foreign = {"MODEL=illum_da", "MODEL=dense_unet", "PREPROCESS=homomorphic",
               "the global discriminator (MODEL=dense_unet with DISC=global)"}
    assert not [name for name in names if owners[name].title in foreign]
    assert "GRL_WEIGHT" not in names and "GROWTH" not in names and "HOMO_GAMMA_L" not in names
    assert "HIGHLIGHT_FILL" not in names  # the exposure heads: only with G_OUTPUT=exposure_*
    assert {"RESOL", "NGF", "DEPTH", "FOV", "EXPERT"} <= set(names)
    heads = resolve(TABLES / "pix2pix_exposure.csv", sets=["G_OUTPUT=exposure_global_gain"])[0]
    assert heads.highlight_fill == 0.0


def test_an_option_of_a_component_the_table_does_not_select_names_its_owner(tmp_path):
    with pytest.raises(TableError, match=r"t\.csv:2: GRL_WEIGHT is an option of MODEL=illum_da, which this table "
                                         r"does not select"):
        resolve(table(tmp_path, "COMMON,GRL_WEIGHT,0.5,Y\n"))
    with pytest.raises(TableError, match=r"--set HOMO_C=2: HOMO_C is an option of PREPROCESS=homomorphic"):
        resolve(table(tmp_path, ""), sets=["HOMO_C=2"])
    with pytest.raises(TableError, match=r"t\.csv:2: unknown parameter 'RESOLUTION' \(did you mean RESOL\?\)"):
        resolve(table(tmp_path, "COMMON,RESOLUTION,256,Y\n"))
    # Another category of the same table selecting the owner is fine (a comparison's arms in one table).
    both = table(tmp_path, "COMMON,MODEL,dense_unet,Y\nCOMMON,GROWTH,8,Y\nP2P,MODEL,pix2pix,Y\n")
    assert resolve(both)[0].growth == 8
    assert "GROWTH" not in [name for name, _, _ in resolve(both, "P2P")[0].rows()]


def test_every_shipped_table_resolves_to_the_values_it_had_before_options_were_split():
    before = json.loads((FIXTURES / "params" / "shipped_resolutions.json").read_text(encoding="utf-8"))
    for key, values in before.items():
        name, category = key.split(":")
        params = resolve(TABLES / name, None if category == "COMMON" else category)[0]
        kept = {name: format_value(value) for name, value, _ in params.rows()}
        assert kept == {name: values[name] for name in kept}, key
        assert len(kept) < len(values), key  # every table leaves out options of what it does not select


def test_an_old_run_folder_listing_every_option_still_loads():
    old = FIXTURES / "params" / "old_run_params.csv"
    assert len(read_table(old)) == 80
    params = load_params(old)
    assert (params.model, params.g_output, params.highlight_fill) == ("pix2pix", "exposure_global_gain", 0.03)
    assert params.precision == "float32"  # as it trained, not the PRECISION=auto of today's tables
    assert not hasattr(params, "grl_weight")


def _table_cases():
    for path in sorted(TABLES.glob("*.csv")):
        categories = sorted({row.category for row in read_table(path)} - {"COMMON"})
        yield from [(path.name, None), *[(path.name, c) for c in categories]]


@pytest.mark.parametrize("name, category", list(_table_cases()))
def test_every_shipped_table_and_category_resolves_and_each_active_row_is_used(name, category):
    params, sources = resolve(TABLES / name, category)
    active = [r for r in read_table(TABLES / name) if r.use_yn == "Y" and r.category in ("COMMON", category)]
    assert active, f"{name} has no active rows"
    # Every active row sets the value, is overridden by the chosen category's row, or is an option of a
    # component another category of the table selects (a comparison's other arm), left out here.
    used = [r for r in active if r.name in sources]
    assert used and all(sources[r.name].startswith(str(TABLES / name)) for r in used)


def test_params_listing_shows_every_name_with_source(tmp_path, capsys):
    path = table(tmp_path, "COMMON,RESOL,128,Y\n")
    assert params_cli.main([str(path), "--set", "NGF=8"]) == 0
    out = capsys.readouterr().out
    names = [name for name, _, _ in resolve(path, sets=["NGF=8"])[0].rows()]
    assert all(re.search(rf"^{name}\s", out, re.M) for name in names)
    assert not re.search(r"^GRL_WEIGHT\s", out, re.M)
    assert re.search(r"^RESOL\s+128\s.*t\.csv:2", out, re.M)
    assert re.search(r"^DEPTH\s+7\s.*derived", out, re.M)


def _implementations():
    from tfcorrect.methods import DATA_KINDS, METHODS, PREPROCESSES
    from tfcorrect.methods.colorize.homomorphic import CHANNELS
    from tfcorrect.methods.dense_unet.model import DISCRIMINATORS
    from tfcorrect.methods.exposure.afifi import AFIFI_EXPERTS
    from tfcorrect.methods.exposure.kinds import SIM_RENDERS
    from tfcorrect.methods.illum_da.model import GRL_RAMPS, POOLINGS
    from tfcorrect.methods.illum_da.networks import BASES, HEADS as ILLUM_HEADS
    from tfcorrect.methods.illum_da.pipeline import ARMS
    from tfcorrect.methods.illum_da.space import SPACES
    from tfcorrect.methods.pix2pix.unet import HEADS, PRENORMS
    from tfcorrect.nn.losses import GAN_LOSSES
    from tfcorrect.nn.perceptual import CHANNEL_POOLING
    from tfcorrect.nn.precision import PRECISIONS
    from tfcorrect.training.strategies import STRATEGIES

    return {"MODEL": METHODS, "DATASET": DATA_KINDS, "G_OUTPUT": HEADS, "G_PRENORM": PRENORMS,
            "GAN_LOSS": GAN_LOSSES, "STRATEGY": STRATEGIES, "PRECISION": PRECISIONS,
            "EXPERT": AFIFI_EXPERTS, "PREPROCESS": PREPROCESSES, "HOMO_CHANNELS": CHANNELS, "DISC": DISCRIMINATORS,
            "ARM": ARMS, "POOLING": POOLINGS, "GRL_RAMP": GRL_RAMPS, "SIM_RENDER": SIM_RENDERS,
            "ILLUM_HEAD": ILLUM_HEADS, "ILLUM_SPACE": SPACES, "ILLUM_BASE": BASES,
            "PERCEPTUAL_CHANNELS": CHANNEL_POOLING}


def _choices(name):
    found = catalogue()
    return choices_of(found.owners()[name].fields[name], found.choices)


@pytest.mark.parametrize("name", ["MODEL", "DATASET", "G_OUTPUT", "G_PRENORM", "GAN_LOSS", "STRATEGY", "PRECISION",
                                  "EXPERT", "PREPROCESS", "HOMO_CHANNELS", "DISC", "ARM", "POOLING", "GRL_RAMP",
                                  "SIM_RENDER"])
def test_each_choice_list_is_the_keys_of_its_implementation(name, tmp_path, monkeypatch):
    from tfcorrect.params.docs import markdown

    implementation = _implementations()[name]
    assert _choices(name) == tuple(implementation)
    # A key added to the implementing dict is at once a valid value and in the generated parameter list.
    monkeypatch.setitem(implementation, "added_in_a_test", next(iter(implementation.values())))
    assert _choices(name)[-1] == "added_in_a_test"
    assert re.search(rf"^\| `{name}` .*added_in_a_test", markdown(catalogue()), re.M)
    with pytest.raises(TableError, match=rf"{name} must be one of .*added_in_a_test, not 'absent'"):
        resolve(table(tmp_path, _SELECTING.get(name, "") + f"COMMON,{name},absent,Y\n"))


# Rows selecting the component that owns an option.
_SELECTING = {"EXPERT": "COMMON,DATASET,afifi,Y\n", "SIM_RENDER": "COMMON,DATASET,simulate_exposure,Y\n",
              "HOMO_CHANNELS": "COMMON,PREPROCESS,homomorphic,Y\n",
              "DISC": "COMMON,MODEL,dense_unet,Y\n",
              **dict.fromkeys(("ARM", "POOLING", "GRL_RAMP", "ILLUM_HEAD", "ILLUM_SPACE", "ILLUM_BASE"), "COMMON,MODEL,illum_da,Y\nCOMMON,DATASET,illuminant,Y\n")}


def test_only_the_chosen_fields_are_choice_lists():
    found = catalogue()
    listed = [name for name, owner in found.owners().items() if choices_of(owner.fields[name], found.choices)]
    assert sorted(listed) == sorted(_implementations())


def test_keep_best_takes_any_validation_loss_part_of_the_method(tmp_path):
    from tfcorrect.methods import METHODS

    for part in METHODS["pix2pix"].loss_parts:
        assert resolve(table(tmp_path, f"COMMON,KEEP_BEST,val_{part},Y\n"))[0].keep_best == f"val_{part}"


def test_the_generated_parameter_list_matches_the_code():
    from tfcorrect.params.docs import with_tables

    page = (ROOT / "docs" / "parameters.md").read_text(encoding="utf-8")
    assert page == with_tables(page, catalogue()), "run: tfcorrect-params --docs docs/parameters.md"
