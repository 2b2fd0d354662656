"""``tfcorrect-data simulate-exposure SRC DST [--ev-offsets LIST]``."""

from tfcorrect.cli.common import PAIRED_LAYOUT, add_photo_folders
from tfcorrect.methods.exposure.kinds import EXPOSURE_OFFSETS
from tfcorrect.methods.exposure.simulate import parse_ev_offsets, simulate_exposure_folder

NEGATIVE_VALUE_OPTIONS = ("--ev-offsets",)


def _simulate_exposure(args):
    offsets = parse_ev_offsets(args.ev_offsets)
    return simulate_exposure_folder(args.src, args.dst, ev_offsets=offsets)[1]


def add_data_commands(commands):
    """Add ``simulate-exposure`` to the ``tfcorrect-data`` subparsers."""
    exposure = commands.add_parser(
        "simulate-exposure", help="render photos at EV offsets (the simulate_exposure data kind)",
        description="Render every photo at each EV offset in linear light, re-encoded to sRGB. " + PAIRED_LAYOUT +
                    " Each offset has its own first subfolder on both sides (input/ev-1.5/<rel>.png with "
                    "target/ev-1.5/<rel>.png), which names the condition.")
    add_photo_folders(exposure)
    exposure.add_argument("--ev-offsets", default=EXPOSURE_OFFSETS, metavar="LIST",
                          help=f"comma-separated EV offsets within +-5 (default: {EXPOSURE_OFFSETS})")
    exposure.set_defaults(function=_simulate_exposure)
