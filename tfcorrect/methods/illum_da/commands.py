"""``tfcorrect-data simulate-cameras SRC DST`` and ``tfcorrect-data import-illuminants GT IMAGES DST``.

Both write an ``illuminant`` folder (``DST/images/*.png``, 16-bit linear camera RGB, and
``DST/illuminants.csv`` with ``file,r,g,b,camera``). The parsers are added to ``tfcorrect-data`` by
:func:`add_colour_constancy_commands`; ``colour-science`` is imported only when a command runs.
"""

import argparse

from tfcorrect.cli.common import add_verbose_argument, checked_number

_FOLDER = "DST gets an 'illuminant' folder: DST/images/*.png (16-bit linear camera RGB) and DST/illuminants.csv."


def _simulate_cameras(args):
    from tfcorrect.methods.illum_da.cameras import parse_cameras, simulate_cameras_folder

    return simulate_cameras_folder(
        args.src, args.dst, cameras=parse_cameras(args.cameras), per_photo=checked_number("--per-photo", args.per_photo,
                                                                                          minimum=1),
        seed=checked_number("--seed", args.seed, minimum=0, maximum=2**32 - 1),
        long_side=checked_number("--long-side", args.long_side, minimum=16), split=args.split,
        clip_percent=checked_number("--clip-percent", args.clip_percent, minimum=0, below=100),
        raw_effects=args.raw_effects, lights=args.lights)[1]


def _import_illuminants(args):
    from tfcorrect.methods.illum_da.import_illuminants import import_illuminants

    return import_illuminants(args.format, args.gt_file, args.images, args.dst, camera=args.camera,
                              black_level=checked_number("--black-level", args.black_level, minimum=0),
                              saturation=checked_number("--saturation", args.saturation, minimum=1),
                              long_side=checked_number("--long-side", args.long_side, minimum=0))[1]


def add_data_commands(commands):
    """Add ``simulate-cameras`` and ``import-illuminants`` to the ``tfcorrect-data`` subparsers."""
    cams = commands.add_parser(
        "simulate-cameras", help="two cameras' raw images of photos under random lights (the illuminant data kind)",
        description="Turn each sRGB photo into reflectances (Mallett-Yuksel 2019 spectral basis), light them with "
                    "lights drawn from CIE daylight and blackbody spectra (2500-10000 K) and measured lamps, and "
                    "record them with measured camera sensitivities (C: Canon EOS 5D Mark II, N: Nikon 5100, "
                    "S: Sigma SD Merrill) or synthetic ones (X0, X1, ...: mixed, shifted and stretched measured "
                    "curves), then add lens shading, shot and read noise, a black level and per-channel "
                    "saturation. The ground truth is each camera's response to a white surface under the light. " + _FOLDER + " Files are images/<rel dir>/<stem>_<camera>_<k>.png; the CSV "
                    "also has source (the photo) and light.")
    cams.add_argument("src", metavar="SRC", help="an sRGB photo, or a folder of them searched recursively")
    cams.add_argument("dst", metavar="DST", help="the folder to write (not SRC, not inside it, not around it)")
    cams.add_argument("--cameras", default="C,N", metavar="LIST",
                      help="camera short names: C, N, S (measured), X<k> (synthetic), X0..X7 for a range "
                           "(default: C,N)")
    cams.add_argument("--per-photo", type=int, default=2, metavar="N",
                      help="lights drawn per photo; each camera sees the same ones (default: 2)")
    cams.add_argument("--seed", type=int, default=0, help="random seed of the lights and the split (default: 0)")
    cams.add_argument("--long-side", type=int, default=512, metavar="PX",
                      help="shrink photos so their longer side is at most PX (default: 512)")
    cams.add_argument("--split", action="store_true",
                      help="each photo seen by one camera only, cameras dealt out evenly (default: every camera)")
    cams.add_argument("--clip-percent", type=float, default=1.0, metavar="P",
                      help="expose so the brightest P %% of pixels saturate and clip, as an auto-exposed raw "
                           "(0: nothing clips; default: 1)")
    cams.add_argument("--raw-effects", action=argparse.BooleanOptionalAction, default=True,
                      help="lens shading, shot and read noise, black level and per-channel saturation of each "
                           "camera's sensor (--no-raw-effects: an ideal sensor that only clips at 1; default: on)")
    cams.add_argument("--lights", default="mixed", metavar="PRIOR",
                      help="the prior lights are drawn from: mixed (65 %% daylight, 15 %% incandescent, 20 %% "
                           "lamps), outdoor, indoor or uniform; or one per camera, e.g. C=outdoor,N=indoor "
                           "(default: mixed)")
    add_verbose_argument(cams)
    cams.set_defaults(function=_simulate_cameras)

    imp = commands.add_parser(
        "import-illuminants",
        help="convert Cube+, NUS-8 or INTEL-TAU raw images and ground truth to an illuminant folder",
        description="Read a data set's ground-truth file (cube: cube+_gt.txt, one 'r g b' line per image "
                    "<line number>.PNG; nus8: <Camera>_gt.mat) and its 16-bit raw PNGs found below IMAGES "
                    "(intel-tau: GT_FILE and IMAGES are both the INTEL-TAU folder, or one camera's, holding "
                    "<Camera>/<scene type>/<name>.tiff with <name>.wp 'r g b' beside it; black level 0, "
                    "saturation 65535, chart already masked, the camera from its folder); write each image "
                    "with the black level subtracted, saturated pixels and the colour chart zeroed, scaled so "
                    "saturation is 1. " + _FOLDER)
    imp.add_argument("gt_file", metavar="GT_FILE",
                     help="cube+_gt.txt (cube), <Camera>_gt.mat (nus8), or the folder the .wp files are "
                          "below (intel-tau)")
    imp.add_argument("images", metavar="IMAGES",
                     help="the folder the raw PNGs (intel-tau: TIFFs; usually GT_FILE again) are below")
    imp.add_argument("dst", metavar="DST", help="the folder to write (not inside IMAGES)")
    imp.add_argument("--format", required=True, choices=("cube", "nus8", "intel-tau"),
                     help="the data set's format")
    imp.add_argument("--camera", metavar="NAME",
                     help="camera label (default: Canon550D for cube, the file's camera for nus8, the "
                          "camera folder's for intel-tau, Canon_5DSR -> Canon5DSR)")
    imp.add_argument("--black-level", type=float, metavar="V",
                     help="cube and intel-tau: black level (default: cube 2048, intel-tau 0)")
    imp.add_argument("--saturation", type=float, metavar="V",
                     help="fixed raw saturation level (default: cube: image maximum - 2; nus8: the file's; "
                          "intel-tau: 65535)")
    imp.add_argument("--long-side", type=int, default=0, metavar="PX",
                     help="shrink images so their longer side is at most PX (default: 0, keep)")
    add_verbose_argument(imp)
    imp.set_defaults(function=_import_illuminants)
