"""``tfcorrect-train TABLE [--category NAME] [--set NAME=VALUE ...] [--run-dir DIR] [--resume]``."""

import argparse
import os

from tfcorrect.cli.common import add_table_arguments, run
from tfcorrect.errors import UserError

# Strategies that train several replicas in one process or cluster.
REPLICATED = ("mirrored", "multiworker")


def _train(args):
    # Imported here so that --help answers without loading TensorFlow.
    from tfcorrect.io import shipped
    from tfcorrect.methods import resolve

    table = shipped.table_path(args.table)
    params, _ = resolve(table, args.category, args.sets)
    from tfcorrect.training.driver import default_run_dir, train

    train(params, args.run_dir or default_run_dir(table, args.category), resume=args.resume)


def _strategy_named(args):
    """The run's ``STRATEGY`` read from the table and ``--set`` without TensorFlow (None when unreadable).

    A table that cannot be read is reported later, where the run's parameters are resolved.
    """
    from tfcorrect.io import shipped
    from tfcorrect.params import chosen_rows

    try:
        row = chosen_rows(shipped.table_path(args.table), args.category, args.sets).get("STRATEGY")
    except (UserError, OSError):
        return None
    return row.value.strip().lower() if row else None


def before_tensorflow(strategy):
    """What the process needs before TensorFlow starts to train under ``strategy``.

    Several replicas on CPUs: oneDNN's graph rewrites then miswire a replica now and then (the
    fusion of a biased convolution with its activation; "input depth must be evenly divisible by
    filter depth" in epoch 0, in 5 of 5 two-worker runs on a CPU with AMX), so they are turned off
    unless the user chose ``TF_ENABLE_ONEDNN_OPTS`` themselves; GPUs do not use them. Python code
    that trains with :func:`tfcorrect.training.driver.train` calls this before importing TensorFlow.

    Returns:
        The first TensorFlow work of the process: ``STRATEGY=multiworker`` must create its strategy
        before anything else starts the runtime (it configures the collective ops).
    """
    if strategy in REPLICATED:
        os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    if strategy == "multiworker":
        def create_strategy():
            from tfcorrect.training.strategies import make_strategy

            make_strategy(strategy)

        return create_strategy
    return None


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
    args = parser.parse_args(argv)
    first_work = before_tensorflow(_strategy_named(args))
    return run(parser.prog, _train, args, first_work=first_work)


if __name__ == "__main__":
    raise SystemExit(main())
