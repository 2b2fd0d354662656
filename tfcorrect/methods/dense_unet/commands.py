"""``tfcorrect-data patches SRC DST --size N [--stride N] [--layout paired|dped] [--phone NAME]``.

The parser is added to ``tfcorrect-data`` by :func:`add_patches_command`; the work is
:func:`tfcorrect.methods.dense_unet.patches.cut_patches_folder`.
"""

from tfcorrect.cli.common import add_verbose_argument
from tfcorrect.methods.dense_unet.patches import cut_patches_folder


def _patches(args):
    return cut_patches_folder(args.src, args.dst, size=args.size, stride=args.stride, layout=args.layout,
                              phone=args.phone)[1]


def add_data_commands(commands):
    """Add ``patches`` to the ``tfcorrect-data`` subparsers.

    The layouts are named here, not read from :data:`tfcorrect.methods.dense_unet.patches.LAYOUTS`: importing the
    data package imports TensorFlow, which must start after parsing (quietly, see ``cli.common.run``).
    """
    patches = commands.add_parser(
        "patches", help="cut aligned patch pairs from a paired folder of full-size images (DPED: 100 px)",
        description="Cut each input/target pair of a paired folder (SRC/input/, SRC/target/, matched by relative "
                    "path and stem) on one grid of SIZE x SIZE boxes, STRIDE apart from the top-left corner, the "
                    "same boxes in both images; a remainder narrower than SIZE is left out. Patches are PNG, "
                    "<rel>/<stem>_y<top>_x<left>.png, in DST/input/ and DST/target/ (--layout paired) or in "
                    "DPED's DST/<phone>/ and DST/canon/ (--layout dped; use DST=<phone>/training_data or "
                    "<phone>/test_data/patches for the dped data kind).")
    patches.add_argument("src", metavar="SRC", help="a paired folder of full-size images")
    patches.add_argument("dst", metavar="DST", help="the folder to write (not SRC, not inside it, not around it)")
    patches.add_argument("--size", type=int, required=True, metavar="N",
                         help="patch side in pixels (DPED's patches: 100; Que & Lee trains on 96)")
    patches.add_argument("--stride", type=int, metavar="N", help="pixels between boxes (default: SIZE, no overlap)")
    patches.add_argument("--layout", default="paired", choices=("paired", "dped"),
                         help="paired: DST/input, DST/target; dped: DST/<phone>, DST/canon (default: paired)")
    patches.add_argument("--phone", default="phone", metavar="NAME",
                         help="--layout dped: the phone folder's name (default: phone)")
    add_verbose_argument(patches)
    patches.set_defaults(function=_patches)
