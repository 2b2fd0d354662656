"""tfcorrect installed like any package: a wheel carries the shipped tables and the default model.

The slow tests build a wheel of the repository, install it with ``pip install --target`` into a
folder of its own and run the console scripts from a folder outside the checkout, with only that
folder on ``PYTHONPATH``: what a user of ``pip install .`` gets.
"""

import os
import pathlib
import shutil
import subprocess
import sys
import tarfile

import pytest

from tfcorrect.errors import TableError
from tfcorrect.io import shipped

REPO = pathlib.Path(__file__).resolve().parents[2]
# Left out of the copy the wheel is built from: what is not the project's (.git, the venv, run and
# data folders of .gitignore) and build by-products, so a stale build/ cannot leak into the wheel.
TOP_LEVEL_LEFT_OUT = {".git", ".venv", "build", "dist", ".pytest_cache", "runs", "demo_out", "data"}
LEFT_OUT_ANYWHERE = ("__pycache__", "*.egg-info", "checkpoint.npz")


# ---------------------------------------------------------------- table_path (fast)

def test_a_shipped_name_with_or_without_csv_is_its_table():
    path = shipped.table_path("pix2pix_exposure")
    assert path.name == "pix2pix_exposure.csv" and path.is_file()
    assert shipped.table_path("pix2pix_exposure.csv") == path
    assert shipped.shipped_tables()["pix2pix_exposure"] == path
    assert list(shipped.shipped_tables()) == sorted(shipped.shipped_tables())


def test_an_existing_path_is_returned_as_is(tmp_path, monkeypatch):
    table = tmp_path / "pix2pix_exposure.csv"  # a user's file of a shipped table's name wins
    table.write_text("CATEGORY,PARAM_NAME,PARAM_VALUE,USE_YN\n", encoding="utf-8")
    assert shipped.table_path(table) == table
    assert shipped.table_path(str(table)) == table
    monkeypatch.chdir(tmp_path)
    assert shipped.table_path("pix2pix_exposure.csv") == pathlib.Path("pix2pix_exposure.csv")


def test_an_unknown_name_lists_the_shipped_tables_on_one_line():
    with pytest.raises(TableError) as err:
        shipped.table_path("pix2pix_exposre")
    message = str(err.value)
    assert message == f"'pix2pix_exposre': no such parameter table (shipped tables: {', '.join(shipped.shipped_tables())})"
    assert "pix2pix_exposure" in message and "\n" not in message


def test_a_missing_path_is_named_without_the_list(tmp_path):
    for arg in (str(tmp_path / "nope.csv"), "nope.sqlite", "tables/pix2pix_exposure"):
        with pytest.raises(TableError) as err:
            shipped.table_path(arg)
        assert str(err.value) == f"{arg}: no such parameter table"


def test_the_default_run_is_the_shipped_exposure_model():
    run_dir = shipped.default_run()
    assert run_dir.name == "exposure_default" and (run_dir / "generator.weights.h5").is_file()


# ---------------------------------------------------------------- an installed wheel (slow)

def _copy_ignore(root):
    def ignore(folder, names):
        left_out = set(shutil.ignore_patterns(*LEFT_OUT_ANYWHERE)(folder, names))
        if pathlib.Path(folder).resolve() == root:
            left_out |= TOP_LEVEL_LEFT_OUT & set(names)
        return left_out

    return ignore


@pytest.fixture(scope="module")
def source_copy(tmp_path_factory):
    """A copy of the repository's files to build from, so the build writes nothing into the checkout."""
    copy = tmp_path_factory.mktemp("install") / "src"
    shutil.copytree(REPO, copy, ignore=_copy_ignore(REPO), symlinks=True)
    return copy


@pytest.fixture(scope="module")
def site(source_copy):
    """``pip install --target`` of a wheel built from the repository: the package without its checkout."""
    work = source_copy.parent
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-cache-dir",
                    "--quiet", "-w", str(work / "dist"), "."], cwd=source_copy, check=True)
    (wheel,) = (work / "dist").glob("tfcorrect-*.whl")
    target = work / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-cache-dir", "--quiet",
                    "--target", str(target), str(wheel)], check=True)
    return target


def _run(site, cwd, script, *args):
    """A console script of the --target install (or ``main`` of its module) run from ``cwd``."""
    env = dict(os.environ, PYTHONPATH=str(site))
    command = site / "bin" / script
    if command.is_file():
        argv = [str(command), *map(str, args)]
    else:
        module = {"tfcorrect-predict": "predict", "tfcorrect-params": "params"}[script]
        argv = [sys.executable, "-c", f"from tfcorrect.cli.{module} import main; raise SystemExit(main({list(map(str, args))!r}))"]
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture
def outside(tmp_path):
    """A working folder outside the checkout."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    assert REPO not in folder.resolve().parents
    return folder


@pytest.mark.slow
def test_the_installed_package_is_the_wheel_with_its_shipped_files(site, outside):
    probe = ("import tfcorrect, tfcorrect.cli.predict as p; from tfcorrect.io import shipped; "
             "print(tfcorrect.__file__); print(p.__file__); print(shipped.default_run()); "
             "print(*shipped.shipped_tables().values(), sep='\\n')")
    result = subprocess.run([sys.executable, "-c", probe], cwd=outside, env=dict(os.environ, PYTHONPATH=str(site)),
                            capture_output=True, text=True, check=True)
    paths = [pathlib.Path(line) for line in result.stdout.splitlines()]
    assert paths[0] == site / "tfcorrect" / "__init__.py", result.stdout
    assert paths[2] == site / "tfcorrect" / "shipped" / "saved_models" / "exposure_default"
    assert site / "tfcorrect" / "shipped" / "param_tables" / "pix2pix_exposure.csv" in paths[3:]
    assert all(site in path.parents and REPO not in path.parents for path in paths), result.stdout


@pytest.mark.slow
def test_installed_predict_corrects_a_photo_with_the_shipped_model(site, outside):
    import cv2
    from skimage import data

    photo = cv2.resize(data.astronaut(), (128, 128), interpolation=cv2.INTER_AREA)
    source = outside / "astronaut.png"
    assert cv2.imwrite(str(source), cv2.cvtColor(photo, cv2.COLOR_RGB2BGR))
    result = _run(site, outside, "tfcorrect-predict", source.name, "out")
    assert result.returncode == 0, result.stderr
    corrected = cv2.imread(str(outside / "out" / "astronaut.png"))
    assert corrected is not None and corrected.shape == (128, 128, 3), result.stderr


@pytest.mark.slow
def test_installed_params_reads_a_shipped_table_by_name(site, outside):
    result = _run(site, outside, "tfcorrect-params", "pix2pix_exposure")
    assert result.returncode == 0, result.stderr
    assert "RESOL" in result.stdout
    listing = _run(site, outside, "tfcorrect-params", "--list")
    assert listing.returncode == 0, listing.stderr
    names = dict(line.split(None, 1) for line in listing.stdout.splitlines())
    assert pathlib.Path(names["pix2pix_exposure"]) == site / "tfcorrect" / "shipped" / "param_tables" / "pix2pix_exposure.csv"


@pytest.mark.slow
def test_installed_params_without_a_table_is_a_usage_error(site, outside):
    result = _run(site, outside, "tfcorrect-params")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == "tfcorrect-params: error: a TABLE is needed unless --list"


@pytest.mark.slow
def test_the_sdist_carries_the_shipped_files(source_copy):
    dist = source_copy.parent / "sdist"
    subprocess.run([sys.executable, "setup.py", "--quiet", "sdist", "--dist-dir", str(dist)], cwd=source_copy,
                   check=True, capture_output=True)
    (archive,) = dist.glob("tfcorrect-*.tar.gz")
    with tarfile.open(archive) as tar:
        names = {name.split("/", 1)[-1] for name in tar.getnames()}
    assert {"setup.py", "param_tables/pix2pix_exposure.csv", "saved_models/exposure_default/params.csv",
            "saved_models/exposure_default/generator.weights.h5"} <= names
