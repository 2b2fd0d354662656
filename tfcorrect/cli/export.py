"""``tfcorrect-export RUN_DIR OUT_DIR --format savedmodel|tflite [--quantize ...] [--tile N] [--calibration DIR]``."""

import argparse

from tfcorrect.cli.common import add_verbose_argument, run
from tfcorrect.inference.backends import EXPORT_JSON, FORMATS, QUANTIZE


def _export(args):
    from tfcorrect.inference.export import export_run

    info = export_run(args.run_dir, args.out_dir, fmt=args.format, quantize=args.quantize, tile=args.tile,
                      calibration=args.calibration)
    print(f"{args.out_dir}: {info['format']} ({info['precision']}, {info['tile']}-px tiles) and {EXPORT_JSON}")


def main(argv=None):
    """Export a run folder's prediction network; exit 2 with one line when the run or the arguments are unusable."""
    parser = argparse.ArgumentParser(
        prog="tfcorrect-export",
        description="Export a run folder's prediction network (pix2pix: the generator) as a TensorFlow SavedModel or a "
                    f"TFLite model, with {EXPORT_JSON} beside it. tfcorrect-predict --model OUT_DIR runs it.",
    )
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a run folder (params.csv and <network>.weights.h5)")
    parser.add_argument("out_dir", metavar="OUT_DIR",
                        help="folder to create; an existing one must be empty or a previous export (replaced)")
    parser.add_argument("--format", required=True, choices=FORMATS,
                        help="savedmodel: any tile size that is a multiple of the model's; tflite: a fixed tile size")
    parser.add_argument("--quantize", default="none", choices=QUANTIZE,
                        help="TFLite precision: none (float32), float16 weights, dynamic (int8 weights), "
                             "int8 (weights and activations; needs --calibration) (default: none)")
    parser.add_argument("--tile", type=int, metavar="N", help="tile side in pixels (default: the run's TILE or RESOL)")
    parser.add_argument("--calibration", metavar="DIR", help="--quantize int8: a folder of real photos to calibrate on")
    add_verbose_argument(parser)
    return run(parser.prog, _export, parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
