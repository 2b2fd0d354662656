"""``tfcorrect-predict INPUT OUTPUT_DIR [--run DIR | --model DIR] [--tile N] [--overlap N] [--batch-size N]``."""

import argparse

from tfcorrect.cli.common import add_verbose_argument, checked_number, run


def _predict(args):
    from tfcorrect.inference.predict import predict

    written, failed = predict(args.input, args.output_dir, run_dir=args.run, model_dir=args.model,
                              tile=args.tile, overlap=args.overlap,
                              batch_size=checked_number("--batch-size", args.batch_size, minimum=1, maximum=256))
    return failed


def main(argv=None):
    """Correct an image or a folder of images; exit 0 only when every file was written."""
    parser = argparse.ArgumentParser(
        prog="tfcorrect-predict",
        description="Correct an image, or every image below a folder, with a run folder's prediction network. Outputs keep "
                    "their input's size, bit depth, channels and alpha, and mirror the input's relative paths.",
    )
    parser.add_argument("input", metavar="INPUT", help="an image file, or a folder searched recursively")
    parser.add_argument("output_dir", metavar="OUTPUT_DIR", help="where the corrected images go (not inside INPUT)")
    parser.add_argument("--run", metavar="DIR", help="run folder of the model (default: the shipped default model)")
    parser.add_argument("--model", metavar="DIR", help="an export folder of tfcorrect-export (SavedModel or TFLite) "
                                                        "instead of a run folder")
    parser.add_argument("--tile", type=int, metavar="N", help="tile side in pixels (default: the table's TILE or RESOL)")
    parser.add_argument("--overlap", type=int, metavar="N", help="pixels shared by neighbouring tiles (default: tile/4)")
    parser.add_argument("--batch-size", type=int, default=4, metavar="N", help="tiles run at once (default: 4)")
    add_verbose_argument(parser)
    return run(parser.prog, _predict, parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
