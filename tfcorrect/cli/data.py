"""``tfcorrect-data simulate-exposure SRC DST`` and ``tfcorrect-data simulate-overexposure SRC DST``."""

import argparse
import re
import sys

from tfcorrect.cli.common import add_verbose_argument, run
from tfcorrect.params.schema import EXPOSURE_OFFSETS, FIELDS

_LAYOUT = "DST gets a 'paired' folder: DST/input/ and DST/target/, files matched by relative path and stem."


def _simulate_exposure(args):
    from tfcorrect.data.simulate import parse_ev_offsets, simulate_exposure_folder

    offsets = parse_ev_offsets(args.ev_offsets)
    return simulate_exposure_folder(args.src, args.dst, ev_offsets=offsets)[1]


def _simulate_overexposure(args):
    from tfcorrect.data.simulate import simulate_overexposure_folder
    from tfcorrect.params.tables import parse_value

    gamma = parse_value(FIELDS["GAMMA"], args.gamma, "--gamma")
    tau = parse_value(FIELDS["TAU"], args.tau, "--tau")
    return simulate_overexposure_folder(args.src, args.dst, gamma=gamma, tau=tau)[1]


def _add_folders(parser):
    parser.add_argument("src", metavar="SRC", help="a well-exposed photo, or a folder of them searched recursively")
    parser.add_argument("dst", metavar="DST", help="the folder to write (not SRC, not inside it, not around it)")
    add_verbose_argument(parser)


def build_parser():
    """The ``tfcorrect-data`` parser with one subparser per command; each sets ``function``."""
    parser = argparse.ArgumentParser(prog="tfcorrect-data", description="Make data sets on disk.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    exposure = commands.add_parser(
        "simulate-exposure", help="render photos at EV offsets (the simulate_exposure data kind)",
        description="Render every photo at each EV offset in linear light, re-encoded to sRGB. " + _LAYOUT +
                    " Each offset has its own first subfolder on both sides (input/ev-1.5/<rel>.png with "
                    "target/ev-1.5/<rel>.png), which names the condition.")
    _add_folders(exposure)
    exposure.add_argument("--ev-offsets", default=EXPOSURE_OFFSETS, metavar="LIST",
                          help=f"comma-separated EV offsets within +-5 (default: {EXPOSURE_OFFSETS})")
    exposure.set_defaults(function=_simulate_exposure)
    over = commands.add_parser(
        "simulate-overexposure", help="overexpose photos as seed 003 does (the simulate_overexposure data kind)",
        description="Overexpose every photo: x' = min(1, x * TAU^-GAMMA) on the encoded values. " + _LAYOUT +
                    " Files: input/<rel>.png with target/<rel>.png.")
    _add_folders(over)
    over.add_argument("--gamma", default=str(FIELDS["GAMMA"].default), metavar="G",
                      help=f"the simulation's gamma (default: {FIELDS['GAMMA'].default})")
    over.add_argument("--tau", default=str(FIELDS["TAU"].default), metavar="T",
                      help=f"the simulation's tau, in (0, 1] (default: {FIELDS['TAU'].default})")
    over.set_defaults(function=_simulate_overexposure)
    return parser


def _join_negative_values(argv, options=("--ev-offsets", "--gamma", "--tau")):
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
    parser = build_parser()
    args = parser.parse_args(_join_negative_values(sys.argv[1:] if argv is None else argv))
    return run(f"{parser.prog} {args.command}", args.function, args)


if __name__ == "__main__":
    raise SystemExit(main())
