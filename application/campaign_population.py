"""A campaign's population file (参加集中行动的单位名单) as people keep it: CSV or the first
sheet of an XLSX, one unit a row, read into units and line-numbered errors; nothing is written.

Columns (English or Chinese headers): code, name, district, industry, ownership
(public|non_public|公有|非公有), employees, unionised (yes/no/是/否/1/0), district_org (the
union that reviews the unit's reports; empty: the campaign's organiser).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NoReturn

from application.input_files import check_size
from application.roster_file import (
    Records,
    _csv_records,
    _xlsx_records,
    header_columns,
    numbered_rows,
)
from domain.campaign.definition import Ownership
from domain.congress import RowError
from domain.directory import Organisation, OrgKind
from domain.errors import InvalidInput
from settings import ImportLimits

FIELDS = (
    "code",
    "name",
    "district",
    "industry",
    "ownership",
    "employees",
    "unionised",
    "district_org",
)
REQUIRED = ("code", "name", "ownership", "unionised")
HEADERS: dict[str, str] = {
    **{f: f for f in FIELDS},
    "单位编号": "code",
    "编号": "code",
    "单位名称": "name",
    "名称": "name",
    "区县": "district",
    "地区": "district",
    "行业": "industry",
    "所有制": "ownership",
    "所有制性质": "ownership",
    "职工人数": "employees",
    "人数": "employees",
    "是否建会": "unionised",
    "已建会": "unionised",
    "审核单位": "district_org",
    "区县工会": "district_org",
}
FIELD_LABELS: dict[str, str] = {
    "code": "单位编号",
    "name": "单位名称",
    "district": "区县",
    "industry": "行业",
    "ownership": "所有制",
    "employees": "职工人数",
    "unionised": "是否建会",
    "district_org": "审核单位",
}
OWNERSHIP: dict[str, Ownership] = {
    "public": Ownership.PUBLIC,
    "公有": Ownership.PUBLIC,
    "公有制": Ownership.PUBLIC,
    "non_public": Ownership.NON_PUBLIC,
    "non-public": Ownership.NON_PUBLIC,
    "非公有": Ownership.NON_PUBLIC,
    "非公有制": Ownership.NON_PUBLIC,
}
YES_NO: dict[str, bool] = {
    "yes": True,
    "y": True,
    "true": True,
    "1": True,
    "是": True,
    "no": False,
    "n": False,
    "false": False,
    "0": False,
    "否": False,
}
CODE_PATTERN = r"[A-Za-z0-9_.\-]{1,64}"  # no ":": a unit's ledger key is "campaign:code"
NAME_MAX = 200
# A population is counted in units, not delegates: 10,000 units of a city is the size the
# campaigns are for, so the population file reads at least this many rows whatever the
# roster limit (``import_max_rows``) is.
MIN_POPULATION_ROWS = 20_000


@dataclass(frozen=True)
class UnitRow:
    """One unit as its population file lists it (``district_org`` empty: the organiser)."""

    line: int
    code: str
    name: str
    district: str
    industry: str
    ownership: Ownership
    employees: int
    unionised: bool
    district_org: str


class PopulationImportError(InvalidInput):
    """A population file was refused whole; ``row_errors`` lists its bad rows by line
    (line 1 is the header), all of them unless ``more`` says there were more."""

    SHOWN = 20

    def __init__(self, row_errors: list[RowError], *, more: bool = False) -> None:
        self.row_errors = sorted(row_errors, key=lambda e: e.row)
        self.more = more
        shown = self.row_errors[: self.SHOWN]
        rest = len(self.row_errors) - len(shown)
        zh = "；".join(
            f"第{e.row}行 {FIELD_LABELS.get(e.field, e.field)}：{e.message}" for e in shown
        )
        en = "; ".join(f"line {e.row} {e.field}: {e.message_en or e.message}" for e in shown)
        at_least = ("至少", "at least ") if more else ("", "")
        super().__init__(
            f"单位名单有{at_least[0]}{len(self.row_errors)}处错误，未导入任何单位：{zh}"
            + (f"（另有{rest}处）" if rest else ""),
            f"the unit list has {at_least[1]}{len(self.row_errors)} errors; no unit was "
            f"imported: {en}" + (f" (and {rest} more)" if rest else ""),
        )


def population_limits(limits: ImportLimits) -> ImportLimits:
    """The import limits with room for a city's units (see ``MIN_POPULATION_ROWS``)."""
    return replace(limits, max_rows=max(limits.max_rows, MIN_POPULATION_ROWS))


def refuse(errors: list[RowError], limits: ImportLimits) -> NoReturn:
    errors = sorted(errors, key=lambda e: e.row)
    raise PopulationImportError(errors[: limits.max_errors], more=len(errors) > limits.max_errors)


def read_population(path: Path, limits: ImportLimits) -> tuple[list[UnitRow], list[RowError]]:
    """The units of a CSV or XLSX population file and every bad row (line numbers from 1,
    the header's included); a repeated code is a bad row. Nothing is written."""
    limits = population_limits(limits)
    suffix = path.suffix.lower()
    check_size(path, limits)
    records: Records
    if suffix == ".csv":
        records = _csv_records(path, limits)
    elif suffix in (".xlsx", ".xlsm"):
        records = _xlsx_records(path, limits)
    else:
        raise InvalidInput(
            f"不支持的单位名单格式 {path.suffix or path.name}（请用 CSV 或 XLSX）",
            f"unsupported unit list format {path.suffix or path.name} (use CSV or XLSX)",
        )
    return _units(path, records, limits)


def _lines(path: Path, records: Records, limits: ImportLimits) -> Iterator[tuple[int, list[str]]]:
    return numbered_rows(
        records,
        limits,
        lambda: InvalidInput(
            f"单位名单 {path.name} 超过 {limits.max_rows} 行（表头除外），未导入",
            f"{path.name} has more than {limits.max_rows} rows after its header; "
            "nothing was imported",
        ),
    )


def _columns(line: int, header: list[str]) -> dict[str, int]:
    columns = header_columns(header, HEADERS)
    missing = [f for f in REQUIRED if f not in columns]
    if missing:
        raise PopulationImportError(
            [
                RowError(
                    line,
                    f,
                    f"缺少“{FIELD_LABELS[f]}”列（表头：{','.join(FIELDS)}）",
                    f"no {f} column (header: {','.join(FIELDS)})",
                )
                for f in missing
            ]
        )
    return columns


def _units(
    path: Path, records: Records, limits: ImportLimits
) -> tuple[list[UnitRow], list[RowError]]:
    lines = _lines(path, records, limits)
    first = next(lines, None)
    if first is None:
        raise PopulationImportError(
            [RowError(1, "header", "单位名单为空", "the unit list is empty")]
        )
    header_line, header = first
    columns = _columns(header_line, header)
    units: list[UnitRow] = []
    errors: list[RowError] = []
    first_line: dict[str, int] = {}
    for n, cells in lines:
        values = {f: (cells[i] if i < len(cells) else "") for f, i in columns.items()}
        parsed = parse_row(n, values)
        if isinstance(parsed, UnitRow):
            seen = first_line.setdefault(parsed.code, n)
            if seen != n:
                errors.append(
                    RowError(
                        n,
                        "code",
                        f"单位编号 {parsed.code} 与第{seen}行重复",
                        f"code {parsed.code} repeats line {seen}",
                    )
                )
            else:
                units.append(parsed)
        else:
            errors.extend(parsed)
        if len(errors) > limits.max_errors:
            refuse(errors, limits)  # enough to fix first: the rest is not read
    if not units and not errors:
        errors.append(
            RowError(header_line, "header", "单位名单中没有单位", "the unit list lists no unit")
        )
    return units, errors


def parse_row(n: int, values: dict[str, str]) -> UnitRow | list[RowError]:
    """One data row as a unit, or everything wrong with it."""
    get = values.get
    errors = [
        RowError(n, f, f"“{FIELD_LABELS[f]}”为空", f"{f} is empty") for f in REQUIRED if not get(f)
    ]
    code = get("code", "")
    if code and re.fullmatch(CODE_PATTERN, code) is None:
        errors.append(
            RowError(
                n,
                "code",
                f"单位编号“{code}”无效（仅限字母、数字和 _ . -，最长64位）",
                f"invalid code {code!r} (letters, digits, _ . - only, up to 64)",
            )
        )
    for field in ("name", "district", "industry"):
        text = get(field, "")
        if len(text) > NAME_MAX or any(ord(c) < 32 for c in text):
            errors.append(
                RowError(
                    n,
                    field,
                    f"“{FIELD_LABELS[field]}”过长或含控制字符",
                    f"{field} is too long or has control characters",
                )
            )
    raw_ownership = get("ownership", "")
    ownership = OWNERSHIP.get(raw_ownership.lower())
    if raw_ownership and ownership is None:
        errors.append(
            RowError(
                n,
                "ownership",
                f"所有制“{raw_ownership}”无效（公有或非公有）",
                f"unknown ownership {raw_ownership!r} (public or non_public)",
            )
        )
    raw_unionised = get("unionised", "")
    unionised = YES_NO.get(raw_unionised.lower())
    if raw_unionised and unionised is None:
        errors.append(
            RowError(
                n,
                "unionised",
                f"是否建会“{raw_unionised}”无效（是或否）",
                f"unionised {raw_unionised!r} is not yes or no",
            )
        )
    raw_employees = get("employees", "") or "0"
    employees = int(raw_employees) if re.fullmatch(r"\d{1,7}", raw_employees) else None
    if employees is None:
        errors.append(
            RowError(
                n,
                "employees",
                f"职工人数“{raw_employees}”不是非负整数",
                f"employees {raw_employees!r} is not a whole number",
            )
        )
    district_org = get("district_org", "")
    if district_org and re.fullmatch(CODE_PATTERN, district_org) is None:
        errors.append(
            RowError(
                n,
                "district_org",
                f"审核单位编号“{district_org}”无效",
                f"invalid district_org {district_org!r}",
            )
        )
    if errors or ownership is None or unionised is None or employees is None:
        return errors
    return UnitRow(
        line=n,
        code=code,
        name=get("name", ""),
        district=get("district", ""),
        industry=get("industry", ""),
        ownership=ownership,
        employees=employees,
        unionised=unionised,
        district_org=district_org,
    )


def directory_population(
    organisations: list[Organisation], organiser_org: str
) -> tuple[list[UnitRow], list[RowError]]:
    """The population as the directory holds it: every grassroots union under the
    organiser (its enterprise's code and name, employees, industry and ownership from the
    directory; unionised, since it has a union; reviewed by the nearest district union above
    it, else the organiser). A union whose ownership the directory does not give is a bad
    row (numbered in tree order), so the import is refused naming it."""
    by_code = {o.spec.code: o for o in organisations}
    rows: list[UnitRow] = []
    errors: list[RowError] = []
    line = 0
    for o in organisations:
        s = o.spec
        if s.kind is not OrgKind.GRASSROOTS_UNION or organiser_org not in o.path[:-1]:
            continue
        line += 1
        if not s.ownership:
            errors.append(
                RowError(
                    line,
                    "ownership",
                    f"名录中 {s.name}（{s.code}）未写明所有制（ownership: public 或 non_public）",
                    f"the directory gives no ownership for {s.code} (public or non_public)",
                )
            )
            continue
        district = next(
            (
                by_code[c]
                for c in reversed(o.path[:-1])
                if c in by_code and by_code[c].spec.kind is OrgKind.DISTRICT_UNION
            ),
            None,
        )
        rows.append(
            UnitRow(
                line=line,
                code=s.code,
                name=s.name,
                district=district.spec.name if district else "",
                industry=s.industry,
                ownership=Ownership(s.ownership),
                employees=s.employees or 0,
                unionised=True,
                district_org=district.spec.code if district else "",
            )
        )
    return rows, errors


# The unit data a population file gives, compared when a unit is imported again.
UNIT_FIELDS = (
    "name",
    "district",
    "industry",
    "ownership",
    "employees",
    "unionised",
    "district_org",
)


def _shown(value: object, lang: str) -> str:
    """A unit's field as a refusal shows it (yes/no and ownership in the language)."""
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if isinstance(value, Ownership) and lang == "zh":
        return "公有" if value is Ownership.PUBLIC else "非公有"
    return str(value)


def changed_unit(line: int, old: object, unit: object) -> RowError | None:
    """The refusal of a row whose unit is already in the campaign with other data (an
    import does not change a unit), naming each field old → new; None when it is the same."""
    changed = [f for f in UNIT_FIELDS if getattr(old, f) != getattr(unit, f)]
    if not changed:
        return None
    zh = "，".join(
        f"{FIELD_LABELS[f]}：{_shown(getattr(old, f), 'zh')} → {_shown(getattr(unit, f), 'zh')}"
        for f in changed
    )
    en = ", ".join(
        f"{f}: {_shown(getattr(old, f), 'en')} → {_shown(getattr(unit, f), 'en')}" for f in changed
    )
    code = getattr(unit, "code", "")
    return RowError(
        line,
        changed[0],
        f"单位 {code} 已在集中行动中，资料不同（{zh}）；名单导入不修改已有单位",
        f"unit {code} is in the campaign with other data ({en}); an "
        "import does not change a unit already in",
    )
