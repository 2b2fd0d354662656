"""``tfcorrect-params TABLE [--category NAME] [--set ...] [--to OTHER_TABLE]``."""

import argparse

from tfcorrect.cli.common import add_table_arguments, run
from tfcorrect.params import FIELDS, convert_table, format_value, resolve


def _describe(args):
    if args.to:
        convert_table(args.table, args.to)
        print(f"{args.table} -> {args.to}")
        return
    params, sources = resolve(args.table, args.category, args.sets)
    width = max(map(len, FIELDS))
    print(f"{'PARAM_NAME':<{width}}  {'VALUE':<16} {'FROM':<28} DESCRIPTION (DEFAULT)")
    for name, field in FIELDS.items():
        value = format_value(getattr(params, field.name)) or "''"
        default = "derived" if field.default is None else format_value(field.default) or "''"
        print(f"{name:<{width}}  {value:<16} {sources[name]:<28} {field.metadata['description']} ({default})")


def main(argv=None):
    """Print the resolved parameters, or convert a table between CSV and SQLite."""
    parser = argparse.ArgumentParser(
        prog="tfcorrect-params",
        description="Print a table's resolved parameters with their sources, defaults and descriptions, "
                    "or convert it between CSV and SQLite with --to.",
    )
    add_table_arguments(parser)
    parser.add_argument("--to", metavar="OTHER_TABLE",
                        help="write every row of TABLE to this .csv/.sqlite/.db file instead")
    return run(parser.prog, _describe, parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
