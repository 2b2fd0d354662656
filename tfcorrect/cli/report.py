"""``tfcorrect-report TABLE RUN RUN [...]``: tables comparing finished runs, declared by the methods' folders.

Today: ``loss-table`` (Kim & Hwang's Table 4, :mod:`tfcorrect.methods.colorize`).
"""

from tfcorrect.cli.common import run, start_quietly_before_parsing, subcommand_parser


def build_parser():
    """The ``tfcorrect-report`` parser with one subparser per table; each sets ``function``."""
    from tfcorrect.methods import REPORT_COMMANDS

    return subcommand_parser("tfcorrect-report", "Tables comparing finished runs.", "TABLE", REPORT_COMMANDS)


def main(argv=None):
    """Write a comparison table of run folders; exit 2 with a one-line reason on a mistake."""
    start_quietly_before_parsing(argv)  # the tables are collected from the methods, which import TensorFlow
    parser = build_parser()
    args = parser.parse_args(argv)
    return run(f"{parser.prog} {args.command}", args.function, args)


if __name__ == "__main__":
    raise SystemExit(main())
