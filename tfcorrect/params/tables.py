"""Parameter tables: CSV and SQLite files of CATEGORY / PARAM_NAME / PARAM_VALUE / USE_YN rows.

A table is read into :class:`Row` objects, then :func:`resolve` merges ``COMMON`` rows, the
rows of one category and ``--set`` overrides into a frozen :class:`~tfcorrect.params.Params`.
Every mistake raises :class:`~tfcorrect.errors.TableError` naming the file and row.
"""

import csv
import dataclasses
import difflib
import os
import pathlib
import sqlite3

from tfcorrect.atomic import atomic_path
from tfcorrect.errors import TableError
from tfcorrect.params.schema import FIELDS, RENAMED, Params, choices, derive

COLUMNS = ("CATEGORY", "PARAM_NAME", "PARAM_VALUE", "USE_YN", "DESCRIPTION")
REQUIRED_COLUMNS = COLUMNS[:4]
COMMON = "COMMON"
SQLITE_SUFFIXES = (".sqlite", ".db")
_TRUE = ("true", "yes", "y", "1")
_FALSE = ("false", "no", "n", "0")


@dataclasses.dataclass(frozen=True)
class Row:
    """One table row and where it came from (``where`` is e.g. ``table.csv:12``)."""

    category: str
    name: str
    value: str
    use_yn: str
    description: str = ""
    where: str = ""


def is_sqlite(path):
    """Whether ``path`` names a SQLite table (by its suffix)."""
    return pathlib.Path(path).suffix.lower() in SQLITE_SUFFIXES


def read_table(path):
    """All rows of a CSV or SQLite table, active or not, in file order."""
    path = pathlib.Path(path)
    if not path.is_file():
        raise TableError(f"{path}: no such parameter table")
    return _read_sqlite(path) if is_sqlite(path) else _read_csv(path)


def _read_csv(path):
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            header = [h.strip().upper() for h in next(reader, [])]
            missing = [c for c in REQUIRED_COLUMNS if c not in header]
            if missing:
                raise TableError(f"{path}:1: header must be {','.join(REQUIRED_COLUMNS)}[,DESCRIPTION]; "
                                 f"missing {','.join(missing)}")
            rows = []
            for cells in reader:
                if not any(c.strip() for c in cells):
                    continue
                where = f"{path}:{reader.line_num}"
                if len(cells) != len(header):
                    raise TableError(f"{where}: expected {len(header)} columns, found {len(cells)}")
                record = dict(zip(header, (c.strip() for c in cells)))
                rows.append(_row(record, where))
            return rows
    except UnicodeDecodeError as err:
        raise TableError(f"{path}: not a UTF-8 CSV table ({err.reason})") from None
    except csv.Error as err:
        raise TableError(f"{path}: malformed CSV ({err})") from None


def _read_sqlite(path):
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            cols = [r[1].upper() for r in db.execute("PRAGMA table_info(PARAMS)")]
            if not cols:
                raise TableError(f"{path}: no table PARAMS in this SQLite file")
            missing = [c for c in REQUIRED_COLUMNS if c not in cols]
            if missing:
                raise TableError(f"{path}: table PARAMS lacks column(s) {','.join(missing)}")
            present = [c for c in COLUMNS if c in cols]
            query = f"SELECT rowid, {', '.join(present)} FROM PARAMS ORDER BY rowid"
            return [
                _row(dict(zip(present, ("" if v is None else str(v).strip() for v in values))), f"{path}: row {rowid}")
                for rowid, *values in db.execute(query)
            ]
    except sqlite3.DatabaseError as err:
        raise TableError(f"{path}: not a readable SQLite table ({err})") from None


def _row(record, where):
    return Row(
        category=record["CATEGORY"],
        name=RENAMED.get(record["PARAM_NAME"], record["PARAM_NAME"]),
        value=record["PARAM_VALUE"],
        use_yn=record["USE_YN"],
        description=record.get("DESCRIPTION", ""),
        where=where,
    )


def write_table(path, rows):
    """Write rows to a CSV or SQLite table (by suffix), atomically."""
    with atomic_path(path) as tmp:
        if is_sqlite(path):
            _write_sqlite(tmp, rows)
        else:
            _write_csv(tmp, rows)


def _write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for r in rows:
            writer.writerow((r.category, r.name, r.value, r.use_yn, r.description))


def _write_sqlite(path, rows):
    os.remove(path)
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE PARAMS (CATEGORY TEXT, PARAM_NAME TEXT, PARAM_VALUE TEXT, USE_YN TEXT, DESCRIPTION TEXT)")
        db.executemany("INSERT INTO PARAMS VALUES (?, ?, ?, ?, ?)",
                       [(r.category, r.name, r.value, r.use_yn, r.description) for r in rows])
    db.close()


def convert_table(source, target):
    """Copy every row of ``source`` (CSV or SQLite) to ``target`` (the other or the same format)."""
    write_table(target, read_table(source))


def parse_sets(assignments):
    """``["NAME=VALUE", ...]`` from the command line as rows that override the table."""
    rows = []
    for text in assignments or ():
        name, sep, value = text.partition("=")
        if not sep or not name.strip():
            raise TableError(f"--set {text}: expected NAME=VALUE")
        rows.append(Row(COMMON, RENAMED.get(name.strip().upper(), name.strip().upper()), value.strip(), "Y", where=f"--set {text}"))
    return rows


def resolve(path, category=None, sets=()):
    """Resolve a table into :class:`Params`: ``COMMON``, then ``category``, then ``sets``.

    Returns:
        A ``(params, sources)`` pair; ``sources`` maps each PARAM_NAME to where its value came
        from (``file:line``, ``--set ...``, ``default`` or ``derived``).
    """
    rows = read_table(path)
    for row in rows:
        _check_row(row)
    categories = {row.category for row in rows}
    if category is not None and category not in categories:
        raise TableError(f"{path}: category '{category}' is not in the table "
                         f"(it has: {', '.join(sorted(categories)) or 'no rows'})")
    chosen = {}
    for wanted in (COMMON, category):
        seen = {}
        for row in rows:
            if row.use_yn == "Y" and row.category == wanted:
                if row.name in seen:
                    raise TableError(f"{row.where}: {row.name} is already set for {wanted} at {seen[row.name]}")
                seen[row.name] = row.where
                chosen[row.name] = row
    for row in parse_sets(sets):
        _check_row(row)
        chosen[row.name] = row
    return _build(chosen)


def _check_row(row):
    if row.use_yn not in ("Y", "N"):
        raise TableError(f"{row.where}: USE_YN must be Y or N, not '{row.use_yn}'")
    if row.use_yn == "N":
        return
    if not row.category:
        raise TableError(f"{row.where}: CATEGORY is empty (use COMMON or a segment name)")
    if row.name not in FIELDS:
        close = difflib.get_close_matches(row.name.upper(), FIELDS, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise TableError(f"{row.where}: unknown parameter '{row.name}'{hint}")


def _build(chosen):
    values = {f.name: f.default for f in FIELDS.values()}
    sources = {name: "default" for name in FIELDS}
    for name, row in chosen.items():
        values[name.lower()] = parse_value(FIELDS[name], row.value, row.where)
        sources[name] = row.where
    for name, value in derive(dict(values)).items():
        if values[name] is None:
            sources[name.upper()] = "derived"
        values[name] = value
    _check_values(values, sources)
    params = Params(**values)
    _check_method(params, sources)
    return params, sources


def parse_value(field, text, where):
    """Parse one PARAM_VALUE against its schema field; errors name ``where``."""
    kind, meta, name = field.type, field.metadata, field.name.upper()
    try:
        if kind is bool:
            if text.lower() not in _TRUE + _FALSE:
                raise ValueError
            value = text.lower() in _TRUE
        elif kind is int:
            value = int(text)
        else:
            value = kind(text)
    except ValueError:
        raise TableError(f"{where}: {name} must be {kind.__name__}, not '{text}'") from None
    allowed = choices(field)
    if allowed is not None and value not in allowed:
        raise TableError(f"{where}: {name} must be one of {', '.join(allowed)}, not '{text}'")
    if meta["minimum"] is not None and value < meta["minimum"]:
        raise TableError(f"{where}: {name} must be >= {meta['minimum']}, not {text}")
    if meta["maximum"] is not None and value > meta["maximum"]:
        raise TableError(f"{where}: {name} must be <= {meta['maximum']}, not {text}")
    return value


def _check_values(values, sources):
    """Checks of values that involve more than one parameter, naming the row of the one at fault."""
    if values["load_size"] and values["load_size"] < values["resol"]:
        raise TableError(f"{sources['LOAD_SIZE']}: LOAD_SIZE {values['load_size']} is smaller than RESOL {values['resol']}")
    try:
        offsets = [float(v) for v in values["ev_offsets"].split(",")]
        if not offsets or any(abs(v) > 5 for v in offsets):
            raise ValueError
    except ValueError:
        raise TableError(f"{sources['EV_OFFSETS']}: EV_OFFSETS must be comma-separated numbers "
                         f"within +-5, not '{values['ev_offsets']}'") from None


def _check_method(params, sources):
    """What the chosen MODEL asks of the table: its data kinds, loss parts and its networks' own checks."""
    from tfcorrect.methods import get_method

    method = get_method(params.model)
    if params.dataset not in method.data_kinds:
        raise TableError(f"{sources['DATASET']}: MODEL {params.model} cannot train on DATASET {params.dataset} "
                         f"(it takes: {', '.join(method.data_kinds)})")
    best = ("none", *(f"val_{part}" for part in method.loss_parts))
    if params.keep_best not in best:
        raise TableError(f"{sources['KEEP_BEST']}: KEEP_BEST must be one of {', '.join(best)} "
                         f"for MODEL {params.model}, not '{params.keep_best}'")
    for check in method.checks:
        check(params, sources)
    multiple = method.size_multiple(params)
    if params.tile and params.tile % multiple:
        raise TableError(f"{sources['TILE']}: TILE {params.tile} is not a multiple of {multiple}, "
                         f"which MODEL {params.model} needs")


def resolved_rows(params):
    """The resolved parameters as ``COMMON`` rows, in schema order, for a run folder's ``params.csv``."""
    return [
        Row(COMMON, name, format_value(getattr(params, field.name)), "Y", field.metadata["description"])
        for name, field in FIELDS.items()
    ]


def format_value(value):
    """A parameter value as a table cell that parses back to the same value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


def load_params(path):
    """The :class:`Params` of a resolved table such as a run folder's ``params.csv``."""
    return resolve(path)[0]


__all__ = ["Params", "Row", "read_table", "write_table", "convert_table", "resolve", "resolved_rows",
           "load_params", "parse_sets", "parse_value", "format_value", "is_sqlite"]
