"""``tfcorrect-data simulate-exposure SRC DST [--ev-offsets LIST] [--render linear|camera] [--seed N]``."""

from tfcorrect.cli.common import PAIRED_LAYOUT, add_photo_folders
from tfcorrect.methods.exposure.kinds import EXPOSURE_OFFSETS
from tfcorrect.methods.exposure.simulate import RENDER_PARAMS, RENDERS, parse_ev_offsets, simulate_exposure_folder

NEGATIVE_VALUE_OPTIONS = ("--ev-offsets",)


def _simulate_exposure(args):
    offsets = parse_ev_offsets(args.ev_offsets)
    return simulate_exposure_folder(args.src, args.dst, ev_offsets=offsets, render=args.render, seed=args.seed)[1]


def add_data_commands(commands):
    """Add ``simulate-exposure`` to the ``tfcorrect-data`` subparsers."""
    exposure = commands.add_parser(
        "simulate-exposure", help="render photos at EV offsets (the simulate_exposure data kind)",
        description="Render every photo at each EV offset, in linear light re-encoded to sRGB (--render linear) "
                    "or as a camera would (--render camera: sensor noise, local tone mapping, a tone curve and "
                    "JPEG, drawn per input). " + PAIRED_LAYOUT +
                    " Each offset has its own first subfolder on both sides (input/ev-1.5/<rel>.png with "
                    "target/ev-1.5/<rel>.png), which names the condition. A camera render also writes "
                    f"DST/{RENDER_PARAMS}: each input's file, EV and drawn parameters.")
    add_photo_folders(exposure)
    exposure.add_argument("--ev-offsets", default=EXPOSURE_OFFSETS, metavar="LIST",
                          help=f"comma-separated EV offsets within +-5 (default: {EXPOSURE_OFFSETS})")
    exposure.add_argument("--render", default="linear", choices=list(RENDERS),
                          help="linear: gain in linear light and clip (default); camera: also noise, local tone "
                               f"mapping, a tone curve and JPEG, with {RENDER_PARAMS}")
    exposure.add_argument("--seed", type=int, default=0, metavar="N",
                          help="seed of the camera draws (default: 0); the same seed writes the same files")
    exposure.set_defaults(function=_simulate_exposure)
