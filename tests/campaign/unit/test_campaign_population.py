"""Importing a campaign's units from CSV and XLSX: bad rows are refused at once by line with
nothing written, a re-import is a no-op, a second file adds late joiners and may not
rewrite a unit already in."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from application.campaign_population import (
    MIN_POPULATION_ROWS,
    PopulationImportError,
    population_limits,
    read_population,
)
from domain.campaign.definition import Ownership
from domain.errors import InvalidInput, NotAuthorised
from settings import ImportLimits
from tests.campaign.campaign_support import (
    HEADER,
    generated_units,
    meta,
    write_units,
)
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "campaign-units.csv"


@pytest.fixture
def campaign(app):
    app.campaigns.open("wage-bargaining-2026", "dl-city", meta(app, "sun.lihua"))
    return app.campaigns


def _count(app) -> int:
    return app.ledger.max_notification_id()


def test_the_example_file_imports_forty_units_in_three_districts(app, campaign):
    done = campaign.import_units("wage-bargaining-2026", EXAMPLE, meta(app, "sun.lihua"))
    assert (done.rows, done.joined, done.unchanged, done.total) == (40, 40, 0, 40)
    units = campaign.units("wage-bargaining-2026")
    assert [u.code for u in units] == sorted(u.code for u in units)
    assert len({u.district for u in units}) == 3 and len({u.industry for u in units}) == 4
    bearing = campaign.unit("wage-bargaining-2026", "dl-bearing")
    assert bearing.name == "大连轴承制造有限公司" and bearing.district_org == "dl-ganjingzi"
    assert bearing.ownership is Ownership.NON_PUBLIC and bearing.employees == 860
    # An empty district_org is the organiser's.
    assert campaign.unit("wage-bargaining-2026", "dl-seed").district_org == "dl-city"
    assert bearing.joined_on == date(2026, 6, 1)
    # The filter unionised: true leaves the non-unionised units out of the population.
    assert done.outside_population == sum(1 for u in units if not u.unionised) > 0


def test_a_re_import_of_the_same_file_writes_nothing(app, campaign, tmp_path: Path):
    path = write_units(tmp_path / "units.csv", generated_units(200))
    first = campaign.import_units("wage-bargaining-2026", path, meta(app, "sun.lihua"))
    assert first.joined == 200
    before = _count(app)
    again = campaign.import_units("wage-bargaining-2026", path, meta(app, "sun.lihua"))
    assert (again.joined, again.unchanged, again.total) == (0, 200, 200)
    assert again.digest == first.digest
    assert _count(app) == before


def test_an_xlsx_file_with_chinese_headers_imports_like_the_csv(app, campaign, tmp_path: Path):
    book = Workbook()
    sheet = book.active
    sheet.append(
        ["单位编号", "单位名称", "区县", "行业", "所有制", "职工人数", "是否建会", "审核单位"]
    )
    sheet.append(["x001", "甲公司", "甘井子区", "制造业", "公有", 120, 1, "dl-ganjingzi"])
    sheet.append(["x002", "乙公司", "中山区", "商贸服务", "non_public", 35.0, "否", None])
    path = tmp_path / "units.xlsx"
    book.save(path)
    done = campaign.import_units("wage-bargaining-2026", path, meta(app, "sun.lihua"))
    assert (done.joined, done.outside_population) == (2, 1)
    x2 = campaign.unit("wage-bargaining-2026", "x002")
    assert x2.employees == 35 and x2.unionised is False and x2.district_org == "dl-city"
    assert campaign.unit("wage-bargaining-2026", "x001").ownership is Ownership.PUBLIC


def test_bad_rows_are_refused_at_once_by_line_and_nothing_is_written(app, campaign, tmp_path: Path):
    rows = generated_units(5)
    rows[1][4] = "集体"  # line 3: ownership
    rows[3][5] = "-4"  # line 5: employees
    rows[4][0] = rows[0][0]  # line 6: the code of line 2
    path = write_units(tmp_path / "bad.csv", rows)
    before = _count(app)
    with pytest.raises(PopulationImportError) as refused:
        campaign.import_units("wage-bargaining-2026", path, meta(app, "sun.lihua"))
    assert [(e.row, e.field) for e in refused.value.row_errors] == [
        (3, "ownership"),
        (5, "employees"),
        (6, "code"),
    ]
    assert "第3行" in refused.value.message_zh and "line 6" in refused.value.message_en
    assert _count(app) == before and campaign.units("wage-bargaining-2026") == []


def test_a_missing_column_or_a_reviewing_union_not_in_the_directory_is_refused(
    app, campaign, tmp_path: Path
):
    no_ownership = write_units(
        tmp_path / "a.csv", [["u1", "甲", "x", "y", "是"]], [h for h in HEADER if h not in
                                                           ("ownership", "employees", "district_org")]
    )  # fmt: skip
    with pytest.raises(PopulationImportError, match="ownership"):
        campaign.import_units("wage-bargaining-2026", no_ownership, meta(app, "sun.lihua"))
    rows = generated_units(3)
    rows[2][7] = "dl-nowhere"
    path = write_units(tmp_path / "b.csv", rows)
    with pytest.raises(PopulationImportError) as refused:
        campaign.import_units("wage-bargaining-2026", path, meta(app, "sun.lihua"))
    assert [(e.row, e.field) for e in refused.value.row_errors] == [(4, "district_org")]
    assert campaign.units("wage-bargaining-2026") == []


def test_a_second_file_adds_late_joiners_and_may_not_rewrite_a_unit(app, campaign, tmp_path: Path):
    first = write_units(tmp_path / "first.csv", generated_units(10))
    campaign.import_units("wage-bargaining-2026", first, meta(app, "sun.lihua"))
    later = datetime(2026, 8, 3, 2, tzinfo=UTC)
    changed = generated_units(12)
    changed[4][1] = "改名公司"  # line 6: u00005 is in with another name
    path = write_units(tmp_path / "second.csv", changed)
    before = _count(app)
    with pytest.raises(PopulationImportError) as refused:
        campaign.import_units("wage-bargaining-2026", path, meta(app, "sun.lihua", at=later))
    assert [(e.row, e.field) for e in refused.value.row_errors] == [(6, "name")]
    assert "单位名称：测试单位5 → 改名公司" in refused.value.message_zh and _count(app) == before
    assert "name: 测试单位5 → 改名公司" in refused.value.message_en
    second = write_units(tmp_path / "third.csv", generated_units(12))
    done = campaign.import_units("wage-bargaining-2026", second, meta(app, "sun.lihua", at=later))
    assert (done.joined, done.unchanged, done.total) == (2, 10, 12)
    late = campaign.unit("wage-bargaining-2026", "u00012")
    assert late.joined_on == date(2026, 8, 3)
    assert not late.member_on(date(2026, 7, 31)) and late.member_on(date(2026, 8, 3))


def test_only_the_organisers_cadre_imports(app, campaign):
    with pytest.raises(NotAuthorised):
        campaign.import_units("wage-bargaining-2026", EXAMPLE, meta(app, "wang.li"))
    assert campaign.units("wage-bargaining-2026") == []


def test_a_file_of_another_format_is_refused(app, tmp_path: Path):
    path = tmp_path / "units.txt"
    path.write_text("code,name\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="CSV"):
        read_population(path, app.settings.import_limits)


def test_the_population_reads_more_rows_than_the_roster_limit(tmp_path: Path):
    limits = ImportLimits(max_rows=50)
    path = write_units(tmp_path / "big.csv", generated_units(55))
    units, errors = read_population(path, limits)
    assert len(units) == 55 and errors == []
    tiny = replace(limits, max_rows=0)
    assert population_limits(tiny).max_rows == MIN_POPULATION_ROWS


def test_bad_rows_of_an_xlsx_are_named_by_their_sheet_rows(app, campaign, tmp_path: Path):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["x001", "甲公司", "甘井子区", "制造业", "公有", 120, "是", ""])
    sheet.append([None] * 8)  # a blank row still counts in the numbering
    sheet.append(["x003", "丙公司", "中山区", "商贸服务", "公有", "很多", "是", ""])
    path = tmp_path / "units.xlsx"
    book.save(path)
    with pytest.raises(PopulationImportError) as refused:
        campaign.import_units("wage-bargaining-2026", path, meta(app, "sun.lihua"))
    assert [(e.row, e.field) for e in refused.value.row_errors] == [(4, "employees")]
    assert campaign.units("wage-bargaining-2026") == []
