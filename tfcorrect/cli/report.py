"""``tfcorrect-report loss-table RUN RUN [...] [--labels A,B,...] [--out PATH]``."""

import argparse

from tfcorrect.cli.common import add_verbose_argument, run


def _labels(text):
    return [label.strip() for label in text.split(",")]


def _loss_table(args):
    from tfcorrect.loss_table import write_loss_table

    markdown, csv, table = write_loss_table(args.runs, args.out, args.labels)
    print(f"{markdown}\n{csv}")


def build_parser():
    """The ``tfcorrect-report`` parser with one subparser per table; each sets ``function``."""
    parser = argparse.ArgumentParser(prog="tfcorrect-report", description="Tables comparing finished runs.")
    tables = parser.add_subparsers(dest="command", metavar="TABLE", required=True)
    losses = tables.add_parser(
        "loss-table", help="seed 004's Table 4: final D loss on real, on fake, and G loss per run",
        description="One row per run folder from its history.csv's last epoch: discriminator loss on real pairs "
                    "(d_real), on generated pairs (d_fake) and the generator's total loss (g_total), as in seed "
                    "004's Table 4. Writes PATH.md and PATH.csv.")
    losses.add_argument("runs", nargs="+", metavar="RUN", help="two or more run folders")
    losses.add_argument("--labels", type=_labels, metavar="A,B,...",
                        help="one label per run, e.g. Applied,Not Applied (default: the folder names)")
    losses.add_argument("--out", default="loss_table", metavar="PATH",
                        help="output path without suffix (default: loss_table -> loss_table.md, loss_table.csv)")
    add_verbose_argument(losses)
    losses.set_defaults(function=_loss_table)
    return parser


def main(argv=None):
    """Write a comparison table of run folders; exit 2 with a one-line reason on a mistake."""
    parser = build_parser()
    args = parser.parse_args(argv)
    return run(f"{parser.prog} {args.command}", args.function, args)


if __name__ == "__main__":
    raise SystemExit(main())
