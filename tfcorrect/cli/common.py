"""What every console script shares: table options and turning user mistakes into one line."""

import os
import sys

from tfcorrect.errors import UserError

# TensorFlow's C++ start-up chatter hides the one line a user needs; warnings still show.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def add_table_arguments(parser):
    """``TABLE [--category NAME] [--set NAME=VALUE ...]``."""
    parser.add_argument("table", metavar="TABLE", help="parameter table (.csv, .sqlite or .db)")
    parser.add_argument("--category", metavar="NAME", help="apply this category's rows over COMMON")
    parser.add_argument("--set", dest="sets", metavar="NAME=VALUE", action="append", default=[],
                        help="override a parameter (repeatable); wins over the table")


def run(prog, function, *args, **kwargs):
    """Call ``function``; a :class:`UserError` becomes ``prog: error: ...`` and exit code 2.

    Returns:
        The exit code: 0, or 1 when ``function`` returns a true value (some work failed).
    """
    try:
        failed = function(*args, **kwargs)
    except UserError as err:
        print(f"{prog}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    return 1 if failed else 0
