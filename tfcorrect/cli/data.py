"""``tfcorrect-data COMMAND SRC DST ...``: the data sets each method's folder knows how to write.

The subcommands are declared beside the code that does the work (``DATA_COMMANDS`` of each folder
under :mod:`tfcorrect.methods`): ``simulate-exposure``, ``simulate-overexposure``, ``homomorphic``,
``patches``, ``simulate-cameras``, ``import-illuminants``.
"""

import re
import sys

from tfcorrect.cli.common import run, start_quietly_before_parsing, subcommand_parser


def build_parser():
    """The ``tfcorrect-data`` parser with one subparser per command; each sets ``function``."""
    from tfcorrect.methods import DATA_COMMANDS

    return subcommand_parser("tfcorrect-data", "Make data sets on disk.", "COMMAND", DATA_COMMANDS)


def _join_negative_values(argv, options):
    """``--ev-offsets -1,1`` as ``--ev-offsets=-1,1``: argparse takes a value starting with '-' for an option."""
    joined, argv = [], list(argv)
    while argv:
        arg = argv.pop(0)
        if arg in options and argv and re.match(r"-[\d.]", argv[0]):
            arg = f"{arg}={argv.pop(0)}"
        joined.append(arg)
    return joined


def main(argv=None):
    """Write a simulated data set; exit 0 when every photo was written, 1 when some failed, 2 on a mistake."""
    argv = sys.argv[1:] if argv is None else argv
    start_quietly_before_parsing(argv)  # the commands are collected from the methods, which import TensorFlow
    from tfcorrect.methods import NEGATIVE_VALUE_OPTIONS

    parser = build_parser()
    args = parser.parse_args(_join_negative_values(argv, NEGATIVE_VALUE_OPTIONS))
    return run(f"{parser.prog} {args.command}", args.function, args)


if __name__ == "__main__":
    raise SystemExit(main())
