"""The files tfcorrect ships: the parameter tables of ``param_tables/`` and the run folders of ``saved_models/``.

An installed wheel carries them inside the package, as ``tfcorrect/shipped/param_tables`` and
``tfcorrect/shipped/saved_models`` (``setup.py`` copies them there while it builds); a source
checkout, editable install included, finds them at the top of the repository instead.

Only the standard library is imported here, so the console scripts can name tables without
starting TensorFlow.
"""

import pathlib

from tfcorrect.errors import TableError, UserError

PACKAGE = pathlib.Path(__file__).resolve().parents[1]
CHECKOUT = pathlib.Path(__file__).resolve().parents[2]
DEFAULT_RUN_NAME = "exposure_default"
TABLE_SUFFIX = ".csv"


def _shipped_folder(name):
    """``<package>/shipped/<name>`` when it exists (an installed wheel), else ``<checkout>/<name>``."""
    installed = PACKAGE / "shipped" / name
    return installed if installed.is_dir() else CHECKOUT / name


SHIPPED_TABLES = _shipped_folder("param_tables")
SHIPPED_MODELS = _shipped_folder("saved_models")


def shipped_tables():
    """``{table name: path}`` of the shipped tables, sorted by name (the name is the file's stem)."""
    if not SHIPPED_TABLES.is_dir():
        return {}
    paths = sorted(p for p in SHIPPED_TABLES.iterdir() if p.suffix == TABLE_SUFFIX and p.is_file())
    return {path.stem: path for path in paths}


def table_path(name_or_path):
    """The file a TABLE argument means: an existing file as it is, else the shipped table of that name.

    Args:
        name_or_path: a path to a table file, or a shipped table's name with or without ``.csv``
            (``pix2pix_exposure``, ``pix2pix_exposure.csv``).

    Raises:
        TableError: neither an existing file nor a shipped table's name.
    """
    arg = str(name_or_path)
    path = pathlib.Path(arg)
    if path.is_file():
        return path
    tables = shipped_tables()
    if "/" not in arg and "\\" not in arg:
        stem = arg[:-len(TABLE_SUFFIX)] if arg.endswith(TABLE_SUFFIX) else arg
        if stem in tables:
            return tables[stem]
    if "/" in arg or "\\" in arg or path.suffix:
        raise TableError(f"{arg}: no such parameter table")
    raise TableError(f"'{arg}': no such parameter table (shipped tables: {', '.join(tables) or 'none'})")


def default_run():
    """The shipped default model's run folder (``saved_models/exposure_default``).

    Raises:
        UserError: this installation lacks it.
    """
    run_dir = SHIPPED_MODELS / DEFAULT_RUN_NAME
    if not run_dir.is_dir():
        raise UserError(f"no default model at {run_dir}; pass --run DIR")
    return run_dir
