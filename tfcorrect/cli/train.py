"""``tfcorrect-train TABLE [--category NAME] [--set NAME=VALUE ...] [--run-dir DIR] [--resume]``."""

import argparse

from tfcorrect.cli.common import add_table_arguments, run


def _train(args):
    # Imported here so that --help answers without loading TensorFlow.
    from tfcorrect.io import shipped
    from tfcorrect.methods import resolve

    table = shipped.table_path(args.table)
    params, _ = resolve(table, args.category, args.sets)
    from tfcorrect.training.driver import default_run_dir, train

    train(params, args.run_dir or default_run_dir(table, args.category), resume=args.resume)


def main(argv=None):
    """Parse the command line and train; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="tfcorrect-train",
        description="Train the model a parameter table describes and write its run folder. TABLE is a path "
                    "or a shipped table's name (see tfcorrect-params --list).",
    )
    add_table_arguments(parser)
    parser.add_argument("--run-dir", metavar="DIR",
                        help="run folder (default: saved_models/<table stem>[-<category>])")
    parser.add_argument("--resume", action="store_true",
                        help="continue the run in --run-dir from its last complete epoch")
    return run(parser.prog, _train, parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
