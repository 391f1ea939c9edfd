"""The congress service: roster files (CSV, XLSX), all-or-nothing imports, the directory, the CLI."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from application.congress import CongressService
from bootstrap import App
from domain.actors import Role
from domain.congress import Delegate, DelegateCategory, Gender, RosterImportError
from domain.errors import InvalidInput, InvalidState, NotAuthorised
from interfaces.cli import app as cli_app
from settings import Settings
from tests.accounts_support import cli_login
from tests.conftest import EXAMPLE_DIRECTORY, ROOT

EXAMPLE_ROSTER = ROOT / "examples" / "roster.csv"
KEY = "dl-bearing-6"
HEADER_EN = "id,name,constituency,category,gender"


@pytest.fixture
def service(app: App) -> CongressService:
    svc = CongressService(app.ledger, app.directory, app.profiles, app.settings)
    svc.create("wang.li", KEY, "dl-bearing", 6, date(2024, 3, 15), date(2029, 3, 14))
    return svc


def write_csv(tmp_path: Path, *lines: str, bom: bool = False, name: str = "r.csv") -> Path:
    path = tmp_path / name
    path.write_text(("\ufeff" if bom else "") + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_example_roster_imports_and_its_composition_passes(service: CongressService):
    report = service.import_roster("wang.li", KEY, EXAMPLE_ROSTER)
    assert (report.imported, report.total) == (30, 30)
    # liu.qiang is already a delegate in the directory; the 29 others are new actors.
    assert (report.actors_created, report.actors_updated) == (29, 0)
    assert all(c.passed for c in report.checks)
    assert service.delegate(KEY, "liu.qiang") is not None


def test_a_csv_with_english_headers_and_values_and_no_bom(service, tmp_path):
    path = write_csv(
        tmp_path,
        HEADER_EN,
        "dlb-d01,张秀英,一车间,frontline,female",
        "dlb-d02,李建国,机关,Manager,MALE",
    )
    service.import_roster("wang.li", KEY, path)
    assert service.delegate(KEY, "dlb-d02") == Delegate(
        id="dlb-d02",
        name="李建国",
        constituency="机关",
        category=DelegateCategory.MANAGER,
        gender=Gender.MALE,
    )


def test_a_csv_with_a_bom_and_chinese_headers_and_values(service, tmp_path):
    path = write_csv(
        tmp_path, "编号,姓名,选区,类别,性别", "dlb-d01,张秀英,一车间,专业技术人员,女", bom=True
    )
    service.import_roster("wang.li", KEY, path)
    d = service.delegate(KEY, "dlb-d01")
    assert d is not None and (d.category, d.gender) == (DelegateCategory.TECHNICIAN, Gender.FEMALE)


def test_an_xlsx_roster_is_read_from_its_first_sheet(service, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["编号", "姓名", "选区", "类别", "性别"])
    sheet.append(["dlb-d01", "张秀英", "一车间", "一线职工", "女"])
    sheet.append([None, None, None, None, None])  # a blank line Excel users leave in
    sheet.append([1001, "王桂芳", "二车间", "管理人员", "女"])
    book.create_sheet("备注").append(["not", "a", "roster"])
    path = tmp_path / "roster.xlsx"
    book.save(path)
    report = service.import_roster("wang.li", KEY, path)
    assert report.imported == 2
    # A numeric id cell is read as the id the user typed, not "1001.0".
    assert service.delegate(KEY, "1001") is not None


def test_three_bad_rows_are_all_reported_and_nothing_is_written(app, service, tmp_path):
    path = write_csv(
        tmp_path,
        HEADER_EN,
        "dlb-d01,张秀英,一车间,frontline,female",
        "dlb-d02,李建国,一车间,worker,male",
        "dlb-d03,,一车间,frontline,male",
        "dlb-d04,赵志刚,一车间,frontline,male",
        "dlb d05,孙丽娟,二车间,frontline,女",
    )
    before = app.ledger.max_notification_id()
    with pytest.raises(RosterImportError) as refused:
        service.import_roster("wang.li", KEY, path)
    errors = refused.value.row_errors
    assert [(e.row, e.field) for e in errors] == [(3, "category"), (4, "name"), (6, "id")]
    assert isinstance(refused.value, InvalidInput) and "第3行" in refused.value.message_zh
    assert app.ledger.max_notification_id() == before
    assert service.view(KEY).delegates == []


def test_a_roster_row_with_an_overlong_name_is_refused_naming_the_row(app, service, tmp_path):
    path = write_csv(
        tmp_path,
        HEADER_EN,
        "dlb-d01,张秀英,一车间,frontline,female",
        f"dlb-d02,{'李' * 10_000},一车间,frontline,male",
        "dlb-d03,王\x07芳,一车间,frontline,female",
    )
    before = app.ledger.max_notification_id()
    with pytest.raises(RosterImportError) as refused:
        service.import_roster("wang.li", KEY, path)
    assert [(e.row, e.field) for e in refused.value.row_errors] == [(3, "name"), (4, "name")]
    assert app.ledger.max_notification_id() == before


def test_importing_the_same_delegates_again_is_refused_row_by_row(app, service):
    service.import_roster("wang.li", KEY, EXAMPLE_ROSTER)
    before = app.ledger.max_notification_id()
    with pytest.raises(RosterImportError) as refused:
        service.import_roster("wang.li", KEY, EXAMPLE_ROSTER)
    assert len(refused.value.row_errors) == 30
    assert refused.value.row_errors[0].row == 2
    assert app.ledger.max_notification_id() == before


def test_an_id_repeated_in_the_file_names_both_rows(service, tmp_path):
    path = write_csv(
        tmp_path,
        HEADER_EN,
        "dlb-d01,张秀英,一车间,frontline,female",
        "dlb-d01,张秀英,一车间,frontline,female",
    )
    with pytest.raises(RosterImportError) as refused:
        service.import_roster("wang.li", KEY, path)
    [error] = refused.value.row_errors
    assert error.row == 3 and "第2行" in error.message


def test_delegates_become_directory_actors_and_keep_their_other_roles(app, service, tmp_path):
    path = write_csv(
        tmp_path,
        HEADER_EN,
        "dlb-d01,张秀英,一车间,frontline,female",
        "wang.li,王丽,机关,manager,female",
    )
    report = service.import_roster("wang.li", KEY, path)
    assert (report.actors_created, report.actors_updated) == (1, 1)
    new = app.directory.actor("dlb-d01").spec
    assert (new.name, new.org, new.roles) == ("张秀英", "dl-bearing", [Role.DELEGATE])
    assert app.directory.actor("wang.li").spec.roles == [Role.CADRE, Role.DELEGATE]
    assert app.directory.acting("dlb-d01", Role.DELEGATE).org_path[-1] == "dl-bearing"


def test_an_actor_of_another_unit_or_under_another_name_is_refused(app, service, tmp_path):
    path = write_csv(
        tmp_path,
        HEADER_EN,
        "zhao.min,赵敏,一车间,frontline,female",
        "liu.qiang,刘强强,一车间,frontline,male",
    )
    with pytest.raises(RosterImportError) as refused:
        service.import_roster("wang.li", KEY, path)
    messages = [e.message_en for e in refused.value.row_errors]
    assert "dl-garment" in messages[0] and "刘强" in messages[1]


@pytest.mark.parametrize("actor", ["zhao.min", "liu.qiang"], ids=["other-units-cadre", "delegate"])
def test_only_the_units_cadre_may_import(app, service, actor):
    before = app.ledger.max_notification_id()
    with pytest.raises(NotAuthorised):
        service.import_roster(actor, KEY, EXAMPLE_ROSTER)
    assert app.ledger.max_notification_id() == before


def test_a_missing_column_is_reported_on_the_header_row(service, tmp_path):
    path = write_csv(tmp_path, "id,name,category,gender", "dlb-d01,张秀英,frontline,female")
    with pytest.raises(RosterImportError) as refused:
        service.import_roster("wang.li", KEY, path)
    assert [(e.row, e.field) for e in refused.value.row_errors] == [(1, "constituency")]


def test_a_file_that_is_not_utf8_or_not_a_roster_format_is_refused(service, tmp_path):
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("编号,姓名,选区,类别,性别\n".encode("gbk"))
    with pytest.raises(InvalidInput, match="UTF-8"):
        service.import_roster("wang.li", KEY, gbk)
    txt = tmp_path / "roster.txt"
    txt.write_text(HEADER_EN, encoding="utf-8")
    with pytest.raises(InvalidInput, match="CSV"):
        service.import_roster("wang.li", KEY, txt)
    fake = tmp_path / "roster.xlsx"
    fake.write_text("not a workbook", encoding="utf-8")
    with pytest.raises(InvalidInput, match="XLSX"):
        service.import_roster("wang.li", KEY, fake)


def test_a_replacement_is_recorded_and_becomes_a_directory_actor(app, service):
    service.import_roster("wang.li", KEY, EXAMPLE_ROSTER)
    new = Delegate(
        id="dlb-d30",
        name="马春燕",
        constituency="一车间",
        category=DelegateCategory.FRONTLINE,
        gender=Gender.FEMALE,
    )
    view = service.replace("wang.li", KEY, "dlb-d01", new, "退休")
    assert view.delegate("dlb-d01") is None and view.total() == 30
    assert Role.DELEGATE in app.directory.actor("dlb-d30").spec.roles
    with pytest.raises(NotAuthorised):
        service.recall("zhao.min", KEY, "dlb-d02", "调离")


def test_a_presidium_of_managers_fails_the_composition(service):
    service.import_roster("wang.li", KEY, EXAMPLE_ROSTER)
    service.elect_presidium("wang.li", KEY, ["dlb-d25", "dlb-d26", "dlb-d27", "dlb-d01"])
    failed = [c.code for c in service.composition(KEY) if c.hard and not c.passed]
    assert failed == ["presidium_workers"]


def test_setting_up_a_term_is_refused_for_others_twice_and_above_the_grassroots(service):
    with pytest.raises(NotAuthorised):
        service.create("zhao.min", "x-1", "dl-bearing", 1, date(2024, 1, 1), date(2027, 1, 1))
    with pytest.raises(InvalidState):
        service.create("wang.li", KEY, "dl-bearing", 6, date(2024, 3, 15), date(2029, 3, 14))
    with pytest.raises(InvalidInput, match="term"):
        service.create("wang.li", "x-2", "dl-bearing", 7, date(2024, 1, 1), date(2025, 1, 1))
    assert [v.key for v in service.congresses()] == [KEY]


# -- the command line ----------------------------------------------------------------------


def test_cli_roster_import_exits_2_on_a_bad_file_and_0_on_the_example(tmp_path: Path):
    runner = CliRunner(env={"UNIONFLOW_DATA_DIR": str(tmp_path / "var")})

    def run(*args: str):
        return runner.invoke(cli_app, list(args))

    assert run("directory", "load", str(EXAMPLE_DIRECTORY), "--as", "ops.admin").exit_code == 0
    cli_login(Settings(data_dir=tmp_path / "var"), "wang.li")
    created = run(
        "congress", "create", "--as", "wang.li", "--unit", "dl-bearing", "--term-no", "6",
        "--start", "2024-03-15", "--end", "2029-03-14",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    bad = write_csv(tmp_path, HEADER_EN, "dlb-d01,张秀英,一车间,worker,female")
    refused = run("congress", "roster-import", KEY, str(bad), "--as", "wang.li")
    assert refused.exit_code == 2 and "worker" in refused.output
    done = run("congress", "roster-import", KEY, str(EXAMPLE_ROSTER), "--as", "wang.li")
    assert done.exit_code == 0, done.output
    assert "30 名代表中管理人员 5 名" in done.output and "30 名代表中女职工 12 名" in done.output
    roster = run("--lang", "en", "congress", "roster", KEY)
    assert roster.exit_code == 0 and "frontline worker" in roster.output
