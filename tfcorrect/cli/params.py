"""``tfcorrect-params TABLE [--category NAME] [--set ...] [--to OTHER_TABLE]``."""

import argparse
import dataclasses
import pathlib

from tfcorrect.cli.common import add_table_arguments, run
from tfcorrect.errors import UserError
from tfcorrect.io import shipped
from tfcorrect.io.atomic import atomic_path


def _describe(args):
    from tfcorrect.methods import resolve
    from tfcorrect.params import format_value, read_table, write_table

    table = shipped.table_path(args.table)
    if args.to:
        _check_target(table, pathlib.Path(args.to), args.overwrite)
        rows = read_table(table)
        with atomic_path(args.to) as tmp:
            write_table(tmp, rows)
        print(f"{table} -> {args.to}")
        return
    params, sources = resolve(table, args.category, args.sets)
    fields = dataclasses.fields(params)
    width = max(len(field.name) for field in fields)
    print(f"{'PARAM_NAME':<{width}}  {'VALUE':<16} {'FROM':<28} DESCRIPTION (DEFAULT)")
    for field in fields:
        name = field.name.upper()
        value = format_value(getattr(params, field.name)) or "''"
        default = "derived" if field.default is None else format_value(field.default) or "''"
        print(f"{name:<{width}}  {value:<16} {sources[name]:<28} {field.metadata['description']} ({default})")


def _check_target(table, target, overwrite):
    """Refuse a ``--to`` that is the table itself, or that exists without ``--overwrite``."""
    if target.exists() and pathlib.Path(table).exists() and target.samefile(table):
        raise UserError(f"--to {target}: is TABLE itself; choose another file")
    if target.is_dir():
        raise UserError(f"--to {target}: is a folder; name a .csv, .sqlite or .db file")
    if target.exists() and not overwrite:
        raise UserError(f"--to {target}: exists; pass --overwrite to replace it (the whole file: "
                        "a SQLite database loses its other tables)")


def _write_docs(path):
    """Rewrite the generated parameter list of a docs page (between its markers)."""
    from tfcorrect.methods import catalogue
    from tfcorrect.params.docs import with_tables

    page = pathlib.Path(path)
    page.write_text(with_tables(page.read_text(encoding="utf-8"), catalogue()), encoding="utf-8")
    print(f"{page}: parameter tables rewritten")


def main(argv=None):
    """Print the resolved parameters, or convert a table between CSV and SQLite."""
    parser = argparse.ArgumentParser(
        prog="tfcorrect-params",
        description="Print a table's resolved parameters with their sources, defaults and descriptions, "
                    "or convert it between CSV and SQLite with --to. TABLE is a path or a shipped table's "
                    "name (--list names them).",
    )
    add_table_arguments(parser, table_optional=True)  # not with --list or --docs
    parser.add_argument("--to", metavar="OTHER_TABLE",
                        help="write every row of TABLE to this new .csv/.sqlite/.db file instead")
    parser.add_argument("--overwrite", action="store_true", help="with --to: replace OTHER_TABLE if it exists")
    parser.add_argument("--list", action="store_true",
                        help="print each shipped table's name and path, one per line, and exit")
    parser.add_argument("--docs", metavar="PAGE",
                        help="rewrite the generated parameter list (one table per component) in PAGE, "
                             "e.g. docs/parameters.md, and exit")
    args = parser.parse_args(argv)
    if args.docs:
        return run(parser.prog, lambda a: _write_docs(a.docs), args)
    if args.list:
        for name, path in shipped.shipped_tables().items():
            print(f"{name}  {path}")
        return 0
    if args.table is None:
        parser.error("a TABLE is needed unless --list")
    return run(parser.prog, _describe, args)


if __name__ == "__main__":
    raise SystemExit(main())
