"""Roster files (代表名册) as people keep them: CSV or the first sheet of an XLSX, with
Chinese or English headers, read into delegates and row-numbered errors; nothing is written."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

from pydantic import ValidationError

from application.input_files import check_unpacked_size, read_bytes
from domain.congress import (
    DELEGATE_ID_PATTERN,
    Delegate,
    RosterImportError,
    RowError,
    parse_category,
    parse_gender,
)
from domain.errors import InvalidInput
from domain.text import reason
from settings import ImportLimits

FIELDS = ("id", "name", "constituency", "category", "gender")
# Header names as users write them: the English field, or the Chinese column title.
HEADERS: dict[str, str] = {
    **{f: f for f in FIELDS},
    "编号": "id",
    "姓名": "name",
    "选区": "constituency",
    "代表团": "constituency",
    "选区/代表团": "constituency",
    "类别": "category",
    "性别": "gender",
}
FIELD_LABELS: dict[str, str] = {
    "id": "编号",
    "name": "姓名",
    "constituency": "选区",
    "category": "类别",
    "gender": "性别",
}


# Columns read from an XLSX row: a cell far to the right (column XFD) would otherwise
# make every row of the sheet 16,384 cells wide.
MAX_COLUMNS = 64

Records = Iterator[Sequence[str]]


def read_roster(
    path: Path, limits: ImportLimits
) -> tuple[list[tuple[int, Delegate]], list[RowError]]:
    """The delegates of a CSV or XLSX roster with their row numbers, and every bad row.

    Read row by row within ``limits``: a file past ``max_rows`` is refused there, and a
    file with more than ``max_errors`` bad rows is refused at the next one, listing those.
    """
    suffix = path.suffix.lower()
    if suffix == ".csv":
        records = _csv_records(path, limits)
    elif suffix in (".xlsx", ".xlsm"):
        records = _xlsx_records(path, limits)
    else:
        raise InvalidInput(
            f"不支持的名册格式 {path.suffix or path.name}（请用 CSV 或 XLSX）",
            f"unsupported roster format {path.suffix or path.name} (use CSV or XLSX)",
        )
    return _delegates(path, records, limits)


def refuse_roster(errors: list[RowError], limits: ImportLimits) -> NoReturn:
    """Refuse a roster for ``errors`` (by row), listing at most ``limits.max_errors``."""
    errors = sorted(errors, key=lambda e: e.row)
    raise RosterImportError(errors[: limits.max_errors], more=len(errors) > limits.max_errors)


def _csv_records(path: Path, limits: ImportLimits) -> Records:
    try:
        # utf-8-sig drops the BOM Excel writes into "CSV UTF-8" files.
        text = read_bytes(path, limits).decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InvalidInput(
            f"名册 {path.name} 不是 UTF-8 编码（Excel 请另存为“CSV UTF-8”）",
            f"{path.name} is not UTF-8 (in Excel, save as 'CSV UTF-8')",
        ) from e
    try:
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error as e:
        raise InvalidInput(f"名册 {path.name} 格式错误：{e}", f"{path.name}: bad CSV: {e}") from e


def _xlsx_records(path: Path, limits: ImportLimits) -> Records:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    check_unpacked_size(path, limits)
    # Read-only: rows are parsed as they are asked for, never the whole sheet at once.
    try:
        book = load_workbook(path, read_only=True, data_only=True)
        sheet = book.worksheets[0]
    except (OSError, zipfile.BadZipFile, InvalidFileException, KeyError, IndexError) as e:
        raise _not_xlsx(path, e) from e
    # The size a sheet declares is not trusted: openpyxl would stop at the rows it declares.
    sheet.reset_dimensions()
    try:
        for row in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
            if row.count(None) == len(row):  # blank, cheaply: a gap of a million rows
                yield ()
            else:
                yield [_cell(v) for v in row]
    except (zipfile.BadZipFile, EOFError, SyntaxError, ValueError, KeyError) as e:
        raise _not_xlsx(path, e) from e  # SyntaxError: the XML parser's errors
    finally:
        book.close()


def _not_xlsx(path: Path, e: Exception) -> InvalidInput:
    return InvalidInput(
        f"无法读取名册 {path.name}（不是有效的 XLSX 文件）：{e}",
        f"cannot read {path.name} as XLSX: {e}",
    )


def _cell(value: Any) -> str:
    if value is None:
        return ""
    # A numeric id typed into Excel comes back as 1001.0.
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _rows(path: Path, records: Records, limits: ImportLimits) -> Iterator[tuple[int, list[str]]]:
    """The non-blank rows with their numbers, refused past the header plus ``max_rows``."""
    return numbered_rows(
        records,
        limits,
        lambda: InvalidInput(
            f"名册 {path.name} 超过 {limits.max_rows} 行（表头除外，空行也计入；"
            "上限见 UNIONFLOW_IMPORT_MAX_ROWS），未导入",
            f"{path.name} has more than {limits.max_rows} rows after its header (blank "
            "ones count; UNIONFLOW_IMPORT_MAX_ROWS); nothing was imported",
        ),
    )


def numbered_rows(
    records: Records, limits: ImportLimits, too_many: Callable[[], Exception]
) -> Iterator[tuple[int, list[str]]]:
    """A table file's non-blank rows with their line numbers (from 1, the header's
    included), cells stripped; past the header plus ``max_rows``, ``too_many()`` is raised."""
    for n, record in enumerate(records, start=1):
        if n > limits.max_rows + 1:
            raise too_many()
        cells = [c.strip() for c in record]
        if any(cells):
            yield n, cells


def header_columns(header: list[str], headers: dict[str, str]) -> dict[str, int]:
    """Where each field is, by a header row's titles (``headers``: title → field, matched
    as written or lower-cased; the first column of a field wins)."""
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        name = headers.get(title) or headers.get(title.lower())
        if name is not None and name not in columns:
            columns[name] = index
    return columns


def _columns(header_row: int, header: list[str]) -> dict[str, int]:
    """Where each field is, by the header; a missing field refuses the file."""
    columns = header_columns(header, HEADERS)
    missing = [f for f in FIELDS if f not in columns]
    if missing:
        raise RosterImportError(
            [
                RowError(
                    header_row,
                    f,
                    f"缺少“{FIELD_LABELS[f]}”列（表头应为 编号,姓名,选区,类别,性别 或 {','.join(FIELDS)}）",
                    f"no {f} column (header: {','.join(FIELDS)} or 编号,姓名,选区,类别,性别)",
                )
                for f in missing
            ]
        )
    return columns


def _delegates(
    path: Path, records: Records, limits: ImportLimits
) -> tuple[list[tuple[int, Delegate]], list[RowError]]:
    rows = _rows(path, records, limits)
    first = next(rows, None)
    if first is None:
        raise RosterImportError([RowError(1, "header", "名册为空", "the roster is empty")])
    header_row, header = first
    columns = _columns(header_row, header)
    delegates: list[tuple[int, Delegate]] = []
    errors: list[RowError] = []
    for n, cells in rows:
        values = {f: cells[i] if i < len(cells) else "" for f, i in columns.items()}
        parsed = _parse_row(n, values)
        if isinstance(parsed, Delegate):
            delegates.append((n, parsed))
            continue
        errors.extend(parsed)
        if len(errors) > limits.max_errors:
            refuse_roster(errors, limits)  # enough to fix first: the rest is not read
    if not delegates and not errors:
        errors.append(
            RowError(header_row, "header", "名册中没有代表", "the roster lists no delegates")
        )
    return delegates, errors


def _parse_row(n: int, values: dict[str, str]) -> Delegate | list[RowError]:
    """One data row as a delegate, or everything wrong with it."""
    errors = [
        RowError(n, f, f"“{FIELD_LABELS[f]}”为空", f"{f} is empty") for f in FIELDS if not values[f]
    ]
    ident = values["id"]
    if ident and (len(ident) > 64 or re.fullmatch(DELEGATE_ID_PATTERN, ident) is None):
        errors.append(
            RowError(
                n,
                "id",
                f"编号“{ident}”无效（仅限字母、数字和 _ . -，最长64位）",
                f"invalid id {ident!r} (letters, digits, _ . - only, up to 64)",
            )
        )
    category = parse_category(values["category"])
    gender = parse_gender(values["gender"])
    for field, parsed, zh, en in (
        (
            "category",
            category,
            "一线职工、专业技术人员或管理人员",
            "frontline, technician or manager",
        ),
        ("gender", gender, "女或男", "female or male"),
    ):
        if values[field] and parsed is None:
            errors.append(
                RowError(
                    n,
                    field,
                    f"{FIELD_LABELS[field]}“{values[field]}”无效（{zh}）",
                    f"unknown {field} {values[field]!r} ({en})",
                )
            )
    if errors or category is None or gender is None:
        return errors
    try:
        return Delegate(
            id=ident,
            name=values["name"],
            constituency=values["constituency"],
            category=category,
            gender=gender,
        )
    except ValidationError as e:  # too long, control characters: the row names the field
        zh, en = reason(e)
        return [RowError(n, str(e.errors()[0]["loc"][0]), zh, en)]
