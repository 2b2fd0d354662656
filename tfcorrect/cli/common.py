"""What every console script shares: table options and turning user mistakes into one line."""

import argparse
import errno
import math
import os
import re
import sys
import warnings

from tfcorrect.errors import UserError
from tfcorrect.io.stderr import filtered_stderr

# What a tfcorrect-data simulation from photos writes.
PAIRED_LAYOUT = "DST gets a 'paired' folder: DST/input/ and DST/target/, files matched by relative path and stem."
# A level the user set themselves is theirs. Only level 0 (every line) shows the start-up lines
# below: at any other level TensorFlow prints them anyway, before it reads the level.
USER_LOG_LEVEL = os.environ.get("TF_CPP_MIN_LOG_LEVEL")
# TensorFlow's C++ chatter hides the one line a user needs; warnings still show.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Lines TensorFlow writes while it starts on a machine without a GPU: absl's note that logging is
# not initialised yet, information lines (oneDNN, CUDA stubs, CPU features) and the cuInit failure.
STARTUP_NOISE = re.compile(
    r"WARNING: All log messages before absl::InitializeLog\(\) is called"
    r"|I\d{4} [\d:.]+ +\d+ \S+:\d+\]"
    r"|E\d{4} [\d:.]+ +\d+ cuda_\w+\.cc:\d+\] failed call to cuInit"
    r"|To enable the following instructions: .*rebuild TensorFlow with the appropriate compiler flags"
)


def checked_number(option, value, *, minimum=None, maximum=None, below=None):
    """``value`` of a command-line ``option``, refused in one line when NaN, infinite or out of range.

    ``minimum``/``maximum`` are inclusive bounds, ``below`` an exclusive upper one; ``None`` is no bound
    (and a ``value`` of ``None``, an option left out, is passed through).
    """
    if value is None:
        return None
    if not math.isfinite(value):
        raise UserError(f"{option} must be a finite number, not {value}")
    if minimum is not None and value < minimum:
        raise UserError(f"{option} must be >= {minimum}, not {value}")
    if maximum is not None and value > maximum:
        raise UserError(f"{option} must be <= {maximum}, not {value}")
    if below is not None and value >= below:
        raise UserError(f"{option} must be below {below}, not {value}")
    return value


def add_table_arguments(parser, *, table_optional=False):
    """``TABLE [--category NAME] [--set NAME=VALUE ...]`` (TABLE may be left out when ``table_optional``)."""
    parser.add_argument("table", metavar="TABLE", nargs="?" if table_optional else None,
                        help="parameter table: a .csv, .sqlite or .db path, or a shipped table's name (tfcorrect-params --list)")
    parser.add_argument("--category", metavar="NAME", help="apply this category's rows over COMMON")
    parser.add_argument("--set", dest="sets", metavar="NAME=VALUE", action="append", default=[],
                        help="override a parameter (repeatable); wins over the table")
    add_verbose_argument(parser)


def add_photo_folders(parser):
    """SRC and DST of a simulation from well-exposed photos, and ``--verbose``."""
    parser.add_argument("src", metavar="SRC", help="a well-exposed photo, or a folder of them searched recursively")
    parser.add_argument("dst", metavar="DST", help="the folder to write (not SRC, not inside it, not around it)")
    add_verbose_argument(parser)


def add_verbose_argument(parser):
    """``--verbose``: show TensorFlow's start-up lines."""
    parser.add_argument("--verbose", action="store_true",
                        help="show TensorFlow's C++ start-up log lines (hidden by default)")


def _list_devices():
    import tensorflow as tf

    tf.config.list_logical_devices()  # initialises the devices (the cuInit line)


def start_tensorflow_quietly(first_work=_list_devices):
    """Import TensorFlow and start its runtime with its start-up lines (:data:`STARTUP_NOISE`) left out.

    They are written by C++ straight to file descriptor 2 before TensorFlow reads its log level, so
    stderr is caught at that level while TensorFlow starts; every other line caught is written back.

    Args:
        first_work: the call that starts the runtime (by default listing the devices). Training
            under ``STRATEGY=multiworker`` passes the strategy's creation instead: it must be the
            first TensorFlow work of the process.
    """
    with filtered_stderr(STARTUP_NOISE):
        import tensorflow  # noqa: F401  (its import prints the oneDNN and CUDA lines)

        first_work()


def quiet_start_wanted(verbose=False):
    """Whether TensorFlow's start-up lines are to be hidden: not under ``--verbose``, not at the user's level 0."""
    return not verbose and USER_LOG_LEVEL != "0" and "tensorflow" not in sys.modules


def start_quietly_before_parsing(argv):
    """Start TensorFlow quietly now, for a command whose parser needs modules that import it.

    ``run`` cannot do it for such a command: TensorFlow would already have printed its start-up
    lines while the parser was built. ``--verbose`` among the arguments (or the user's own
    ``TF_CPP_MIN_LOG_LEVEL=0``) leaves them in, as ``run`` does.
    """
    arguments = sys.argv[1:] if argv is None else argv
    if quiet_start_wanted("--verbose" in arguments):
        start_tensorflow_quietly()


def _one_line_warning(message, category, filename, lineno, line=None):
    """A Python warning as one line, without the source line Python would quote under it."""
    return f"warning: {message} ({category.__name__})\n"


def _os_error_line(err):
    """An operating-system error (a full disk, a folder that cannot be written) as one line naming the file."""
    name = errno.errorcode.get(err.errno, "")
    where = f"{err.filename}: " if err.filename else ""
    return f"{where}{err.strerror or err}" + (f" ({name})" if name else "")


def run(prog, function, args, *, first_work=None):
    """Call ``function(args)``; a :class:`UserError` becomes ``prog: error: ...`` and exit code 2.

    TensorFlow starts quietly first (with ``first_work`` as its first work, see
    :func:`start_tensorflow_quietly`), unless ``args.verbose`` is set or the user set
    ``TF_CPP_MIN_LOG_LEVEL=0``. An :class:`OSError` (a full disk, say) becomes one line naming the
    file and exit code 1; Python warnings are one line each.

    Returns:
        The exit code: 0, or 1 when ``function`` returns a true value (some work failed).
    """
    warnings.formatwarning = _one_line_warning
    try:
        if quiet_start_wanted(getattr(args, "verbose", False)):
            start_tensorflow_quietly(first_work or _list_devices)
        elif first_work is not None:
            first_work()
        failed = function(args)
    except UserError as err:
        print(f"{prog}: error: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"{prog}: error: {_os_error_line(err)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    return 1 if failed else 0


def subcommand_parser(prog, description, metavar, adders):
    """A parser whose subcommands are added by ``adders`` (functions of the subparsers); each sets ``function``."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    subparsers = parser.add_subparsers(dest="command", metavar=metavar, required=True)
    for add in adders:
        add(subparsers)
    return parser
