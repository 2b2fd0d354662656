"""Parameter tables: CSV and SQLite files of CATEGORY / PARAM_NAME / PARAM_VALUE / USE_YN rows.

A table is read into :class:`Row` objects in file order; :mod:`tfcorrect.params.resolve` turns
them into parameters. Every mistake raises :class:`~tfcorrect.errors.TableError` naming the file
and row.
"""

import csv
import dataclasses
import os
import pathlib
import sqlite3

from tfcorrect.errors import TableError

COLUMNS = ("CATEGORY", "PARAM_NAME", "PARAM_VALUE", "USE_YN", "DESCRIPTION")
REQUIRED_COLUMNS = COLUMNS[:4]
COMMON = "COMMON"
SQLITE_SUFFIXES = (".sqlite", ".db")


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
        name=record["PARAM_NAME"],
        value=record["PARAM_VALUE"],
        use_yn=record["USE_YN"],
        description=record.get("DESCRIPTION", ""),
        where=where,
    )


def write_table(path, rows):
    """Write rows to a CSV or SQLite table (by suffix), replacing ``path``.

    Callers that must never leave half a file write to a temporary path and rename it
    (:func:`tfcorrect.io.atomic.atomic_path` keeps the suffix this function reads).
    """
    if is_sqlite(path):
        _write_sqlite(path, rows)
    else:
        _write_csv(path, rows)


def _write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for r in rows:
            writer.writerow((r.category, r.name, r.value, r.use_yn, r.description))


def _write_sqlite(path, rows):
    if os.path.exists(path):
        os.remove(path)
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE PARAMS (CATEGORY TEXT, PARAM_NAME TEXT, PARAM_VALUE TEXT, USE_YN TEXT, DESCRIPTION TEXT)")
        db.executemany("INSERT INTO PARAMS VALUES (?, ?, ?, ?, ?)",
                       [(r.category, r.name, r.value, r.use_yn, r.description) for r in rows])
    db.close()


def parse_sets(assignments):
    """``["NAME=VALUE", ...]`` from the command line as rows that override the table."""
    rows = []
    for text in assignments or ():
        name, sep, value = text.partition("=")
        if not sep or not name.strip():
            raise TableError(f"--set {text}: expected NAME=VALUE")
        rows.append(Row(COMMON, name.strip().upper(), value.strip(), "Y", where=f"--set {text}"))
    return rows
