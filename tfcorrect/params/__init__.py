"""Parameter tables and the schema they are resolved against."""

from tfcorrect.params.schema import FIELDS, Params, derive
from tfcorrect.params.tables import (
    Row,
    convert_table,
    format_value,
    load_params,
    read_table,
    resolve,
    resolved_rows,
    write_table,
)

__all__ = ["FIELDS", "Params", "Row", "convert_table", "derive", "format_value", "load_params",
           "read_table", "resolve", "resolved_rows", "write_table"]
