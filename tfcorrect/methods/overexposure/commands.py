"""``tfcorrect-data simulate-overexposure SRC DST [--gamma G] [--tau T]``."""

from tfcorrect.cli.common import PAIRED_LAYOUT, add_photo_folders
from tfcorrect.methods.overexposure.kind import SIMULATE_OVEREXPOSURE
from tfcorrect.methods.overexposure.simulate import simulate_overexposure_folder
from tfcorrect.params import parse_value

NEGATIVE_VALUE_OPTIONS = ("--gamma", "--tau")
_FIELDS = SIMULATE_OVEREXPOSURE.options.fields


def _simulate_overexposure(args):
    gamma = parse_value(_FIELDS["GAMMA"], args.gamma, "--gamma")
    tau = parse_value(_FIELDS["TAU"], args.tau, "--tau")
    return simulate_overexposure_folder(args.src, args.dst, gamma=gamma, tau=tau)[1]


def add_data_commands(commands):
    """Add ``simulate-overexposure`` to the ``tfcorrect-data`` subparsers."""
    over = commands.add_parser(
        "simulate-overexposure", help="overexpose photos as Le Jeune does (the simulate_overexposure data kind)",
        description="Overexpose every photo: x' = min(1, x * TAU^-GAMMA) on the encoded values. " + PAIRED_LAYOUT +
                    " Files: input/<rel>.png with target/<rel>.png.")
    add_photo_folders(over)
    over.add_argument("--gamma", default=str(_FIELDS["GAMMA"].default), metavar="G",
                      help=f"the simulation's gamma (default: {_FIELDS['GAMMA'].default})")
    over.add_argument("--tau", default=str(_FIELDS["TAU"].default), metavar="T",
                      help=f"the simulation's tau, in (0, 1] (default: {_FIELDS['TAU'].default})")
    over.set_defaults(function=_simulate_overexposure)
