"""A campaign's progress as files: the workbook's sheets and cells, the PNG chart drawn with
the CJK font, the final report as a PDF with its fonts embedded."""

from __future__ import annotations

import io
import warnings
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader
from typer.testing import CliRunner

from application.campaign_exports import (
    export_files,
    progress_png,
    progress_xlsx,
)
from bootstrap import build_app
from interfaces.cli import app as cli_app
from settings import Settings
from tests.campaign.unit.test_campaign_progress import KEY, World, open_world
from tests.campaign.unit.test_campaign_progress import world as world
from tests.campaign.unit.test_unit_facts import contract_in_force


def made(w: World):
    for code in ("u01", "u02", "u04"):
        contract_in_force(w.ledger, code, date(2026, 3, 2))
    w.report("u03", "congress")
    w.report("u02", "members", value=30)
    return w.progress.snapshot(KEY)


def cells(sheet) -> list[list[object]]:
    return [[c.value for c in row] for row in sheet.iter_rows()]


def test_the_workbook_has_a_sheet_by_district_by_industry_and_every_unit(world: World) -> None:
    report, rows = made(world)
    assert report is not None
    book = load_workbook(io.BytesIO(progress_xlsx(report, rows)))
    assert book.sheetnames == ["按区", "按行业", "明细"]
    district = cells(book["按区"])
    assert district[0][0] == "工资集体协商集中行动进度"
    assert f"--at {report.at.isoformat()}" in str(district[1][0])
    assert district[2][:3] == ["目标", "区县", "已完成（家/数）"]
    wage = [r for r in district[3:] if r[0] == "建制率≥80%"]
    assert wage[0][:8] == ["建制率≥80%", "沙河口区", 1, 2, "50.0%", "≥80.0%", "还差 1 家", "否"]
    assert wage[1][:5] == ["建制率≥80%", "甘井子区", 2, 3, "66.7%"]
    assert wage[2][:7] == ["建制率≥80%", "合计", 3, 5, "60.0%", "≥80.0%", "还差 1 家"]
    members = [r for r in district[3:] if r[0] == "新会员≥100" and r[1] == "合计"]
    assert members[0][2:7] == [30, 5, "30", "≥100", "还差 70"]
    industry = cells(book["按行业"])
    assert industry[2][1] == "行业"
    assert industry[3][:5] == ["建制率≥80%", "制造业", 3, 3, "100.0%"]
    detail = cells(book["明细"])
    assert detail[2][:7] == ["单位代码", "单位名称", "区县", "行业", "所有制", "已建会", "在行动中"]
    by_code = {r[0]: r for r in detail[3:]}
    assert set(by_code) == {f"u0{i}" for i in range(1, 7)}
    u01 = by_code["u01"]
    wage_col = detail[2].index("建立工资集体协商制度")
    assert u01[4] == "公有" and u01[wage_col] == 1
    assert "WageContract.TookEffect" in u01[detail[2].index("建立工资集体协商制度依据")]
    assert by_code["u03"][wage_col] == 0 and by_code["u06"][5] == "否"


def test_the_chart_is_a_png_drawn_with_the_cjk_font(world: World) -> None:
    report, _ = made(world)
    assert report is not None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        chart = progress_png(report)
    assert len(chart.png) > 0 and chart.png[:8] == b"\x89PNG\r\n\x1a\n"
    assert "NotoSansCJK" in chart.font_file.replace("-", "").replace(" ", "")
    assert not [w for w in caught if "missing from" in str(w.message)]  # every glyph drawn
    image = Image.open(io.BytesIO(chart.png))
    assert image.format == "PNG" and image.size[0] >= 600


def test_the_final_report_is_a_pdf_with_its_fonts_embedded(world: World, tmp_path: Path) -> None:
    report, rows = made(world)
    assert report is not None
    written = export_files(report, rows, tmp_path / "out")
    assert sorted(p.name for p in written) == [
        f"{KEY}-progress.png",
        f"{KEY}-progress.xlsx",
        f"{KEY}-report.pdf",
    ]
    assert all(p.stat().st_size > 0 for p in written)
    reader = PdfReader(tmp_path / "out" / f"{KEY}-report.pdf")
    flat = "".join(p.extract_text() for p in reader.pages).replace("\n", "")
    assert "工资集体协商集中行动总结报告" in flat
    assert "还差 1 家" in flat and "沙河口区" in flat and report.at.isoformat() in flat
    for p in reader.pages:
        for font in p["/Resources"]["/Font"].values():
            f = font.get_object()
            d = f.get("/DescendantFonts")
            descriptor = (d[0].get_object() if d else f)["/FontDescriptor"].get_object()
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), f


def test_the_cli_prints_the_progress_and_writes_the_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UNIONFLOW_DATA_DIR", str(tmp_path / "var"))
    app = build_app(Settings())
    w = open_world(app.ledger)
    contract_in_force(w.ledger, "u01", date(2026, 3, 2))
    before = w.progress.report(KEY)  # the clock's day: 2026-09-01
    contract_in_force(w.ledger, "u02", date(2026, 9, 2))  # after that instant
    app.close()
    runner = CliRunner()
    shown = runner.invoke(cli_app, ["campaign", "progress", KEY, "--on", "2026-09-30"])
    assert shown.exit_code == 0, shown.output
    assert "工资集体协商集中行动" in shown.stdout and "还差 2 家" in shown.stdout  # 2 of 5
    then = runner.invoke(
        cli_app, ["campaign", "progress", KEY, "--on", "2026-09-30", "--at", before.at.isoformat()]
    )
    assert then.exit_code == 0, then.output
    assert "还差 3 家" in then.stdout  # u02's contract came later
    refused = runner.invoke(cli_app, ["campaign", "progress", "no-such"])
    assert refused.exit_code == 2 and "no-such" in refused.output
    out = tmp_path / "files"
    made_files = runner.invoke(cli_app, ["campaign", "export", KEY, "--out", str(out)])
    assert made_files.exit_code == 0, made_files.output
    assert sorted(p.name for p in out.iterdir()) == [
        f"{KEY}-progress.png",
        f"{KEY}-progress.xlsx",
        f"{KEY}-report.pdf",
    ]
