"""``tfcorrect-data homomorphic SRC DST [--mask-only]`` and ``tfcorrect-report loss-table RUN RUN ...``."""

from tfcorrect.cli.common import add_verbose_argument
from tfcorrect.methods.colorize.homomorphic import Homomorphic, homomorphic_folder
from tfcorrect.methods.colorize.loss_table import write_loss_table
from tfcorrect.methods.colorize.preprocess import HOMOMORPHIC
from tfcorrect.params import parse_value

_FIELDS = HOMOMORPHIC.options.fields


# tfcorrect-data homomorphic: its options are these table parameters (--homo-gamma-l, ...).
_HOMOMORPHIC_OPTIONS = ("HOMO_GAMMA_L", "HOMO_GAMMA_H", "HOMO_CUTOFF", "HOMO_C", "HOMO_CHANNELS", "REFLECT_VALUE",
                        "REFLECT_SATURATION", "REFLECT_EXCESS", "REFLECT_FEATHER")


def _homomorphic(args):
    values = {name.lower(): parse_value(_FIELDS[name], getattr(args, name.lower()), f"--{_option(name)}")
              for name in _HOMOMORPHIC_OPTIONS}
    settings = Homomorphic(gamma_l=values["homo_gamma_l"], gamma_h=values["homo_gamma_h"],
                           cutoff=values["homo_cutoff"], c=values["homo_c"], channels=values["homo_channels"],
                           reflection_only=args.mask_only, min_value=values["reflect_value"],
                           max_saturation=values["reflect_saturation"], min_excess=values["reflect_excess"],
                           feather=values["reflect_feather"])
    return homomorphic_folder(args.src, args.dst, settings=settings)[1]


def _option(name):
    return name.lower().replace("_", "-")


def add_data_commands(commands):
    """Add ``homomorphic`` to the ``tfcorrect-data`` subparsers."""
    homo = commands.add_parser(
        "homomorphic", help="Kim & Hwang's homomorphic filter (PREPROCESS=homomorphic) on a folder",
        description="Filter every image: log, FFT, H = (GAMMA_H - GAMMA_L)(1 - exp(-C D^2/D0^2)) + GAMMA_L, "
                    "inverse FFT, exp; on the luminance unless --homo-channels rgb. DST mirrors SRC as PNG "
                    "(bit depth and alpha kept).")
    homo.add_argument("src", metavar="SRC", help="an image, or a folder of them searched recursively")
    homo.add_argument("dst", metavar="DST", help="the folder to write (not SRC, not inside it)")
    homo.add_argument("--mask-only", action="store_true",
                      help="filter only where light reflections are (REFLECTION_ONLY=Y), with a feathered edge; "
                           "every other pixel is written unchanged")
    for name in _HOMOMORPHIC_OPTIONS:
        field = _FIELDS[name]
        homo.add_argument(f"--{_option(name)}", default=str(field.default), metavar="V",
                          help=f"{name}: {field.metadata['description']} (default: {field.default})")
    add_verbose_argument(homo)
    homo.set_defaults(function=_homomorphic)


_LOSS_TABLE = ("One row per run folder from its history.csv's last epoch: discriminator loss on real pairs (d_real), "
               "on generated pairs (d_fake) and the generator's total loss (g_total), as in Kim & Hwang's Table 4. "
               "Writes PATH.md and PATH.csv.")


def _labels(text):
    return [label.strip() for label in text.split(",")]


def _loss_table(args):
    markdown, csv, table = write_loss_table(args.runs, args.out, args.labels)
    print(f"{markdown}\n{csv}")


def add_report_commands(tables):
    """Add ``loss-table`` (Kim & Hwang's Table 4) to the ``tfcorrect-report`` subparsers."""
    losses = tables.add_parser(
        "loss-table", help="Kim & Hwang's Table 4: final D loss on real, on fake, and G loss per run",
        description=_LOSS_TABLE)
    losses.add_argument("runs", nargs="+", metavar="RUN", help="two or more run folders")
    losses.add_argument("--labels", type=_labels, metavar="A,B,...",
                        help="one label per run, e.g. Applied,Not Applied (default: the folder names)")
    losses.add_argument("--out", default="loss_table", metavar="PATH",
                        help="output path without suffix (default: loss_table -> loss_table.md, loss_table.csv)")
    add_verbose_argument(losses)
    losses.set_defaults(function=_loss_table)
