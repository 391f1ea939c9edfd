"""Roster imports refuse hostile files within limits (issue 8, point 18): an XLSX of 1 M rows
in a few hundred KB, a gap of a billion blank rows, a lying sheet size, an oversize CSV,
500 bad rows; each refused (exit 2) quickly, in bounded memory, writing nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import zipfile
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from application.congress import CongressService
from bootstrap import App
from domain.congress import RosterImportError
from domain.errors import InvalidInput
from interfaces.cli import app as cli_app
from settings import ImportLimits
from tests.accounts_support import cli_login

UNIONFLOW = str(Path(sys.executable).parent / "unionflow")
KEY = "dl-bearing-6"
HEADER = ("id", "name", "constituency", "category", "gender")
BAD_ROW = ("dlb-d01", "张秀英", "一车间", "worker", "female")  # "worker" is no category

_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.'
        'org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships"><sheets><sheet name="roster" sheetId="1" '
        'r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        'schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/></Relationships>'
    ),
}


def _row(cells: tuple[str, ...], number: int | None = None) -> bytes:
    at = f' r="{number}"' if number else ""
    inline = "".join(f'<c t="inlineStr"><is><t>{c}</t></is></c>' for c in cells)
    return f"<row{at}>{inline}</row>".encode()


def crafted_xlsx(path: Path, rows: int, *, last_row_at: int | None = None) -> Path:
    """A roster workbook written as XML straight into a zip, the way an attacker would:
    ``rows`` identical bad rows compress about 300:1, so 1 M rows take a few hundred KB.
    ``last_row_at`` adds one more row that far down (a gap of blank rows before it)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in _PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
                b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>' + _row(HEADER)
            )
            chunk = _row(BAD_ROW) * 1000
            for _ in range(rows // 1000):
                sheet.write(chunk)
            sheet.write(_row(BAD_ROW) * (rows % 1000))
            if last_row_at is not None:
                sheet.write(_row(BAD_ROW, last_row_at))
            sheet.write(b"</sheetData></worksheet>")
    return path


def write_csv(path: Path, rows: list[tuple[str, ...]]) -> Path:
    path.write_text("\n".join(",".join(r) for r in [HEADER, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def congress(app: App) -> CongressService:
    service = app.congresses
    service.create("wang.li", KEY, "dl-bearing", 6, date(2024, 3, 15), date(2029, 3, 14))
    cli_login(app, "wang.li")  # the CLI's roster imports act as her
    return service


def limited(app: App, **limits: int) -> CongressService:
    """The congress service of ``app`` with other import limits."""
    settings = app.settings.model_copy(update={f"import_{k}": v for k, v in limits.items()})
    return CongressService(app.ledger, app.directory, app.profiles, settings)


# A small launcher between pytest and the CLI: a child's peak RSS (``ru_maxrss``) counts the
# pages it had before ``exec``, which for a child forked straight from pytest is pytest's
# whole size (hundreds of MB once a suite has run); forked from this launcher it is a few MB.
_LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
sys.stderr.write(f"\\nUNIONFLOW-MAXRSS-KB={usage.ru_maxrss}\\n")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def cli_measured(app: App, *args: str) -> tuple[int, str, float, float]:
    """Run ``unionflow`` on ``app``'s data directory: exit status, stderr, seconds, and the
    CLI process's own peak RSS in MB (measured by ``_LAUNCHER``, not counting pytest)."""
    env = {**os.environ, "UNIONFLOW_DATA_DIR": str(app.settings.data_dir)}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-S", "-c", _LAUNCHER, UNIONFLOW, *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
    )
    seconds = time.monotonic() - started
    stderr, _, peak = done.stderr.decode().rpartition("\nUNIONFLOW-MAXRSS-KB=")
    return done.returncode, stderr, seconds, int(peak.strip()) / 1024


# -- rosters ---------------------------------------------------------------------------------


def test_a_million_row_xlsx_of_a_few_hundred_kb_is_refused_in_seconds_in_bounded_memory(
    app: App, congress: CongressService, tmp_path: Path
):
    bomb = crafted_xlsx(tmp_path / "roster.xlsx", 1_000_000)
    assert bomb.stat().st_size < 1_000_000  # small on disk, like the attack (147 KB)
    before = app.ledger.max_notification_id()
    code, stderr, seconds, rss_mb = cli_measured(
        app, "congress", "roster-import", KEY, str(bomb), "--as", "wang.li"
    )
    assert code == 2, stderr
    assert "UNIONFLOW_IMPORT_MAX_UNPACKED_BYTES" in stderr and "Traceback" not in stderr
    # Measured: 1.5 s and 102 MB, the interpreter's start included (before: killed after
    # 180 s at 828 MB and growing; the issue saw 6 minutes and 5.4 GB).
    assert seconds < 15 and rss_mb < 300, (seconds, rss_mb)
    assert app.ledger.max_notification_id() == before


def test_an_xlsx_under_the_unzipped_limit_is_still_read_only_up_to_the_row_limit(
    app: App, congress: CongressService, tmp_path: Path
):
    path = crafted_xlsx(tmp_path / "roster.xlsx", 300)
    service = limited(app, max_errors=1000, max_rows=200)
    before = app.ledger.max_notification_id()
    with pytest.raises(InvalidInput, match="UNIONFLOW_IMPORT_MAX_ROWS") as refused:
        service.import_roster("wang.li", KEY, path)
    assert "200" in refused.value.message_zh
    assert app.ledger.max_notification_id() == before


def test_a_gap_of_a_billion_blank_rows_is_refused_at_the_row_limit(
    app: App, congress: CongressService, tmp_path: Path
):
    # openpyxl fills a gap in row numbers with blank rows, one by one.
    path = crafted_xlsx(tmp_path / "roster.xlsx", 0, last_row_at=1_000_000_000)
    started = time.monotonic()
    with pytest.raises(InvalidInput, match="UNIONFLOW_IMPORT_MAX_ROWS"):
        congress.import_roster("wang.li", KEY, path)
    assert time.monotonic() - started < 5


def test_a_sheet_is_read_by_its_rows_not_by_the_size_it_declares(
    app: App, congress: CongressService, tmp_path: Path
):
    # It declares two rows (openpyxl would stop there) and holds a cell in the last
    # column, XFD (openpyxl would make every row 16,384 cells wide).
    path = tmp_path / "lying.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in _PARTS.items():
            archive.writestr(name, text)
        far = '<row r="3"><c r="XFD3" t="inlineStr"><is><t>x</t></is></c></row>'
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
            b'openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:E2"/><sheetData>'
            + _row(HEADER, 1)
            + _row(("dlb-d01", "张秀英", "一车间", "frontline", "female"), 2)
            + far.encode()
            + _row(("dlb-d02", "李建国", "机关", "manager", "male"), 4)
            + b"</sheetData></worksheet>",
        )
    assert congress.import_roster("wang.li", KEY, path).imported == 2


def test_an_oversize_csv_is_refused_before_it_is_read(
    app: App, congress: CongressService, tmp_path: Path
):
    path = tmp_path / "roster.csv"
    with path.open("w", encoding="utf-8") as f:
        f.write(",".join(HEADER) + "\n")
        f.write(("x" * 1023 + "\n") * (ImportLimits.max_bytes // 1024 + 1))
    before = app.ledger.max_notification_id()
    code, stderr, seconds, _ = cli_measured(
        app, "congress", "roster-import", KEY, str(path), "--as", "wang.li"
    )
    assert code == 2 and "UNIONFLOW_IMPORT_MAX_BYTES" in stderr, stderr
    assert "5.0 MiB" in stderr and seconds < 15
    assert app.ledger.max_notification_id() == before


def test_500_bad_rows_list_the_first_50_and_say_more_are_not_listed(
    app: App, congress: CongressService, tmp_path: Path
):
    path = write_csv(tmp_path / "roster.csv", [BAD_ROW] * 500)
    before = app.ledger.max_notification_id()
    with pytest.raises(RosterImportError) as refused:
        congress.import_roster("wang.li", KEY, path)
    assert [e.row for e in refused.value.row_errors] == list(range(2, 52))
    assert refused.value.more and "还有更多错误未列出" in refused.value.message_zh
    assert app.ledger.max_notification_id() == before

    runner = CliRunner(env={"UNIONFLOW_DATA_DIR": str(app.settings.data_dir)})
    for lang, more in (("zh", "还有更多错误未列出"), ("en", "More errors not listed")):
        result = runner.invoke(
            cli_app,
            ["--lang", lang, "congress", "roster-import", KEY, str(path), "--as", "wang.li"],
        )
        assert result.exit_code == 2 and more in result.output
        listed = [line for line in result.output.splitlines() if "worker" in line]
        assert len(listed) == 50, result.output
    assert app.ledger.max_notification_id() == before


def test_exactly_the_cap_of_bad_rows_lists_them_all_and_no_more_line(
    congress: CongressService, tmp_path: Path
):
    path = write_csv(tmp_path / "roster.csv", [BAD_ROW] * 50)
    with pytest.raises(RosterImportError) as refused:
        congress.import_roster("wang.li", KEY, path)
    assert len(refused.value.row_errors) == 50 and not refused.value.more
