"""Parameter tables and how they are resolved, knowing no component.

This package is a leaf: it imports nothing from tfcorrect but its error types. The components
(the run core, methods, data kinds, preprocessing) declare their options beside their code with
:func:`option` and :class:`Component`; :mod:`tfcorrect.methods` collects them into the
:class:`Catalogue` that tables are resolved against (``tfcorrect.methods.resolve``).
"""

from tfcorrect.params.options import Component, choices_of, format_value, option, parse_value
from tfcorrect.params.resolve import Catalogue, ParamsBase, chosen_rows, resolve_rows, resolve_table, resolved_rows
from tfcorrect.params.tables import COLUMNS, COMMON, Row, is_sqlite, parse_sets, read_table, write_table

__all__ = ["COLUMNS", "COMMON", "Catalogue", "Component", "ParamsBase", "Row", "choices_of", "chosen_rows",
           "format_value", "is_sqlite", "option", "parse_sets", "parse_value", "read_table", "resolve_rows",
           "resolve_table", "resolved_rows", "write_table"]
