"""What every report script shares: its command-line options, training one arm of a table, writing the report.

Report scripts import it as ``from common import ...`` after putting ``reports/`` on ``sys.path``,
as they do for ``split_photos``.
"""

import argparse
import pathlib
import time

from split_photos import DEFAULT_PHOTOS

ROOT = pathlib.Path(__file__).resolve().parent.parent


def report_parser(prog, description, *, name, out, arms="every arm"):
    """A parser with the options every report takes: ``--photos``, ``--work``, ``--set`` and ``--out``.

    Args:
        prog, description: the script's name and one-line description.
        name: the scratch folder's name under ``reports/work/``.
        out: the report's default path.
        arms: what ``--set`` overrides, for its help ("every arm", "both arms").
    """
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--photos", default=str(DEFAULT_PHOTOS), help="the photos reports/photo_split.csv names")
    parser.add_argument("--work", default=str(ROOT / "reports" / "work" / name),
                        help="scratch folder (data, run folders, evaluations); emptied first")
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="NAME=VALUE",
                        help=f"override a setting of {arms} (repeatable)")
    parser.add_argument("--out", default=str(out), help="the report to write")
    return parser


def train_arm(table, category, sets, run_dir, callbacks=()):
    """Train ``category`` of ``table`` (``None``: COMMON) with ``sets`` into ``run_dir``: ``(seconds, params)``.

    ``callbacks``: Keras callbacks added to the driver's (e.g. :mod:`step_curves`).

    Raises:
        UserError: the arm cannot run here (e.g. ImageNet weights it needs are missing).
    """
    from tfcorrect.methods import resolve
    from tfcorrect.training.driver import train

    params = resolve(str(table), category=category, sets=sets)[0]
    start = time.perf_counter()
    train(params, run_dir, verbose=0, callbacks=callbacks)
    return time.perf_counter() - start, params


def write_report(text, out):
    """Write the report's Markdown to ``out`` and print it."""
    pathlib.Path(out).write_text(text, encoding="utf-8")
    print(text)
