"""``tfcorrect-data simulate-exposure SRC DST``, ``tfcorrect-data simulate-overexposure SRC DST`` and
``tfcorrect-data homomorphic SRC DST [--mask-only]``."""

import argparse
import re
import sys

from tfcorrect.cli.common import add_verbose_argument, run
from tfcorrect.cli.data_colour import add_colour_constancy_commands
from tfcorrect.cli.data_patches import add_patches_command
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


# tfcorrect-data homomorphic: its options are these table parameters (--homo-gamma-l, ...).
_HOMOMORPHIC_OPTIONS = ("HOMO_GAMMA_L", "HOMO_GAMMA_H", "HOMO_CUTOFF", "HOMO_C", "HOMO_CHANNELS", "REFLECT_VALUE",
                        "REFLECT_SATURATION", "REFLECT_EXCESS", "REFLECT_FEATHER")


def _homomorphic(args):
    from tfcorrect.homomorphic import Homomorphic, homomorphic_folder
    from tfcorrect.params.tables import parse_value

    values = {name.lower(): parse_value(FIELDS[name], getattr(args, name.lower()), f"--{_option(name)}")
              for name in _HOMOMORPHIC_OPTIONS}
    settings = Homomorphic(gamma_l=values["homo_gamma_l"], gamma_h=values["homo_gamma_h"],
                           cutoff=values["homo_cutoff"], c=values["homo_c"], channels=values["homo_channels"],
                           reflection_only=args.mask_only, min_value=values["reflect_value"],
                           max_saturation=values["reflect_saturation"], min_excess=values["reflect_excess"],
                           feather=values["reflect_feather"])
    return homomorphic_folder(args.src, args.dst, settings=settings)[1]


def _option(name):
    return name.lower().replace("_", "-")


def _add_homomorphic(commands):
    homo = commands.add_parser(
        "homomorphic", help="seed 004's homomorphic filter (PREPROCESS=homomorphic) on a folder",
        description="Filter every image: log, FFT, H = (GAMMA_H - GAMMA_L)(1 - exp(-C D^2/D0^2)) + GAMMA_L, "
                    "inverse FFT, exp; on the luminance unless --homo-channels rgb. DST mirrors SRC as PNG "
                    "(bit depth and alpha kept).")
    homo.add_argument("src", metavar="SRC", help="an image, or a folder of them searched recursively")
    homo.add_argument("dst", metavar="DST", help="the folder to write (not SRC, not inside it)")
    homo.add_argument("--mask-only", action="store_true",
                      help="filter only where light reflections are (REFLECTION_ONLY=Y), with a feathered edge; "
                           "every other pixel is written unchanged")
    for name in _HOMOMORPHIC_OPTIONS:
        field = FIELDS[name]
        homo.add_argument(f"--{_option(name)}", default=str(field.default), metavar="V",
                          help=f"{name}: {field.metadata['description']} (default: {field.default})")
    add_verbose_argument(homo)
    homo.set_defaults(function=_homomorphic)


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
    _add_homomorphic(commands)
    add_colour_constancy_commands(commands)  # simulate-cameras, import-illuminants
    add_patches_command(commands)  # patches
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
