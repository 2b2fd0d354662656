"""``tfcorrect-eval DATA [--run DIR] [--baselines a,b,...] [--out DIR] [--dataset paired|afifi|inputs] ...``."""

import argparse

from tfcorrect.cli.common import add_verbose_argument, run, start_quietly_before_parsing


def _names(text):
    return [name.strip() for name in text.split(",") if name.strip()]


def _evaluate(args):
    from tfcorrect.evaluation.evaluate import evaluate

    result = evaluate(args.data, args.out, run=args.run, baselines=args.baselines, dataset=args.dataset,
                      expert=args.expert, grid=args.grid, inception_weights=args.inception_weights,
                      inception_splits=args.inception_splits, tile=args.tile, batch_size=args.batch_size)
    print(f"results in {result.out}")
    return result.failed


def main(argv=None):
    """Score a model and classical baselines on a test folder; exit 1 when a pair could not be evaluated."""
    start_quietly_before_parsing(argv)  # the parser lists the baselines, whose module imports TensorFlow
    from tfcorrect.evaluation.baselines import BASELINES
    from tfcorrect.evaluation.evaluate import ALL_EXPERTS, EXPERT, FINDERS, INPUTS
    from tfcorrect.methods import FOLDER_EVALUATORS

    parser = argparse.ArgumentParser(
        prog="tfcorrect-eval",
        description="Score a run's model (--run) beside classical baselines on the input/target pairs of a test "
                    "folder: PSNR, SSIM, MS-SSIM, luminance/contrast/saturation similarity, and the inception "
                    "score when InceptionV3 weights are available, and the new edges each output has that its "
                    "input lacks (lower is better). A folder of images without targets gets the new edges only. "
                    "Writes metrics.csv, report.md and grid.png. "
                    "On an illuminant folder (illuminants.csv): angular errors of illuminant estimates (mean, "
                    "median, tri-mean, best/worst 25 %, 95th percentile) per camera; writes errors.csv instead.",
    )
    parser.add_argument("data", metavar="DATA", help="a paired (input/, target/) or afifi test folder, or a folder "
                                                     "of images without targets")
    parser.add_argument("--run", metavar="DIR", help="run folder of the model to score (default: baselines only)")
    parser.add_argument("--baselines", type=_names, metavar="A,B,...",
                        help=f"baselines to score (default: all): {', '.join(BASELINES)}; on an illuminant "
                             "folder: identity, gray_world, white_patch, shades_of_gray, gray_edge")
    parser.add_argument("--out", metavar="DIR", help="output folder (default: eval-<DATA>[-<RUN>] beside DATA)")
    parser.add_argument("--dataset", choices=[*FINDERS, INPUTS, *(own.dataset for own in FOLDER_EVALUATORS)],
                        help="data kind (default: detected from the layout; inputs: every image below DATA, no "
                             "targets, the default for images in no layout; illuminant: a folder with "
                             "illuminants.csv, scored by angular error)")
    parser.add_argument("--expert", default=EXPERT.default, choices=(*EXPERT.metadata["choices"], ALL_EXPERTS),
                        help="afifi test set: the expert whose renditions are the targets (expert_<X>_testing_set; "
                             f"default: {EXPERT.default}), or {ALL_EXPERTS}: Afifi et al.'s protocol, each output "
                             "scored against every expert's rendition and the scores averaged over the experts "
                             "(metrics.csv: a row per expert and one of their mean, expert=mean)")
    parser.add_argument("--tile", type=int, metavar="N", help="model tile side (default: the run's TILE or RESOL)")
    parser.add_argument("--batch-size", type=int, default=4, metavar="N", help="model tiles run at once (default: 4)")
    parser.add_argument("--grid", type=int, default=4, metavar="N",
                        help="images shown in grid.png, without targets those with the most new edges (default: 4)")
    parser.add_argument("--inception-weights", default="", metavar="PATH",
                        help="InceptionV3 ImageNet weights (default: Keras's cache; skipped when absent)")
    parser.add_argument("--inception-splits", type=int, default=1, metavar="N",
                        help="parts each method's set is cut into for the inception score (default: 1)")
    add_verbose_argument(parser)
    return run(parser.prog, _evaluate, parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
