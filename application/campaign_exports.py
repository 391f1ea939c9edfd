"""A campaign's progress as files: a workbook (按区 / 按行业 / 明细), a PNG chart (the rate of
each district against the target line, and the weekly trend) and the final report
(总结报告) as PDF/A-3b with its Chinese fonts embedded.

Each prints the report it was made from: the campaign, the day counted and the instant the
ledger was read at, so ``unionflow campaign progress KEY --on DAY --at INSTANT`` says the
same again. The chart is drawn by matplotlib's Agg backend with Noto Sans CJK from
Debian's ``fonts-noto-cjk``, found on the machine, never fetched.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

from application.campaign_progress import ProgressReport, gap_label
from application.contest_exports import CJK_FONT, Chart
from application.export_kit import pdf_of
from domain.actors import CHINA_TZ
from domain.campaign.definition import Ownership, TargetKind
from domain.campaign.progress import Tally, TargetProgress, UnitRow

OWNERSHIP_LABELS: dict[str, str] = {
    Ownership.PUBLIC.value: "公有",
    Ownership.NON_PUBLIC.value: "非公有",
}


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def _aim(t: TargetProgress) -> str:
    return f"≥{_percent(t.at_least)}" if t.kind is TargetKind.RATE else f"≥{int(t.at_least)}"


def _done(t: TargetProgress, x: Tally) -> str:
    return _percent(x.rate) if t.kind is TargetKind.RATE else str(x.numerator)


def stamp_line(report: ProgressReport) -> str:
    """What the file was made from, to make it again."""
    read = report.at.astimezone(CHINA_TZ)
    return (
        f"统计日 {report.on}，账本读取时刻 {read:%Y-%m-%d %H:%M:%S}（北京时间）；"
        f"核对：unionflow campaign progress {report.campaign_key} --on {report.on} "
        f"--at {report.at.isoformat()}"
    )


def _group_rows(report: ProgressReport, group: str) -> list[list[object]]:
    out: list[list[object]] = []
    for t in report.targets:
        label = report.labels.get(t.target, (t.target, t.target))[0]
        groups: dict[str, Tally] = getattr(t, f"by_{group}")
        for name, x in [*groups.items(), ("合计", t.total)]:
            shown = OWNERSHIP_LABELS.get(name, name)
            out.append(
                [label, shown, x.numerator, x.denominator, _done(t, x), _aim(t),
                 gap_label(x, t.kind)[0], "是" if x.met else "否"]
            )  # fmt: skip
    return out


def progress_xlsx(report: ProgressReport, rows: list[UnitRow]) -> bytes:
    """Three sheets: each target by district (按区), by industry (按行业), and every unit
    with its value of each indicator and what it rests on (明细)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    heading = f"{report.title[0]}进度"
    book = Workbook()
    columns = ["目标", "{}", "已完成（家/数）", "单位数", "完成率/数量", "目标值", "差距", "达标"]
    sheets = [("按区", "区县", "district"), ("按行业", "行业", "industry")]
    for n, (title, what, group) in enumerate(sheets):
        sheet = book.active if n == 0 else book.create_sheet()
        assert sheet is not None
        sheet.title = title
        sheet.append([heading])
        sheet["A1"].font = Font(bold=True, size=14)
        sheet.append([stamp_line(report)])
        sheet.append([c.format(what) for c in columns])
        for cell in sheet[3]:
            cell.font = Font(bold=True)
        for row in _group_rows(report, group):
            sheet.append(row)
        for column, width in zip("ABCDEFGH", (30, 16, 14, 10, 12, 10, 12, 6), strict=True):
            sheet.column_dimensions[column].width = width
    detail = book.create_sheet("明细")
    keys = list(report.indicators)
    detail.append([heading])
    detail["A1"].font = Font(bold=True, size=14)
    detail.append([stamp_line(report)])
    detail.append(
        ["单位代码", "单位名称", "区县", "行业", "所有制", "已建会", "在行动中"]
        + [f"{report.indicators[k][0]}" for k in keys]
        + [f"{report.indicators[k][0]}依据" for k in keys]
    )
    for cell in detail[3]:
        cell.font = Font(bold=True)
    for r in rows:
        detail.append(
            [r.code, r.name, r.district, r.industry, OWNERSHIP_LABELS.get(r.ownership, r.ownership),
             "是" if r.unionised else "否", "是" if r.member else "否"]
            + [r.values.get(k, 0) for k in keys]
            + [r.basis.get(k, "") for k in keys]
        )  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def progress_png(report: ProgressReport) -> Chart:
    """Left: each rate target's rate per district, its target as a dashed line. Right: the
    weekly trend of every target (a count target as the share of its count reached)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import dates as mdates
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    font_file = font_manager.findfont(
        font_manager.FontProperties(family=CJK_FONT), fallback_to_default=False
    )
    prop = font_manager.FontProperties(fname=font_file)
    small = font_manager.FontProperties(fname=font_file, size=8)
    figure = Figure(figsize=(12.0, 5.0), dpi=100)
    left, right = figure.subplots(1, 2)
    rates = [t for t in report.targets if t.kind is TargetKind.RATE]
    districts = sorted({d for t in rates for d in t.by_district})
    width = 0.8 / max(1, len(rates))
    for i, t in enumerate(rates):
        label = report.labels.get(t.target, (t.target, t.target))[0]
        xs = [k + i * width for k in range(len(districts))]
        values = [t.by_district[d].rate if d in t.by_district else 0.0 for d in districts]
        bars = left.bar(xs, values, width=width, label=label)
        left.axhline(
            t.at_least,
            linestyle="--",
            linewidth=1,
            color=bars.patches[0].get_facecolor() if bars.patches else None,
        )
    left.set_xticks(
        [k + width * (len(rates) - 1) / 2 for k in range(len(districts))],
        districts,
        fontproperties=prop,
    )
    left.set_ylim(0, 1.05)
    left.set_ylabel("完成率", fontproperties=prop)
    left.set_title("各区县完成率（虚线为目标）", fontproperties=prop)
    if rates:
        left.legend(prop=small, loc="lower right")
    for t in report.targets:
        points = [(d, v) for d, key, v in report.trend if key == t.target]
        label = report.labels.get(t.target, (t.target, t.target))[0]
        right.plot([d for d, _ in points], [v for _, v in points], marker=".", label=label)
    right.set_ylim(0, 1.05)
    right.set_ylabel("完成率 / 目标完成比例", fontproperties=prop)
    right.set_title(f"每周进度（至 {report.on}）", fontproperties=prop)
    right.legend(prop=small, loc="upper left")
    days = sorted({d for d, _, _ in report.trend})
    if days:  # the trend's own weeks as ticks (at most 8), dated month-day, never hours
        right.set_xticks(days[:: max(1, -(-len(days) // 8))])
        right.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
    right.tick_params(axis="x", labelrotation=30, labelsize=8)
    figure.suptitle(f"{report.title[0]}进度", fontproperties=prop)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return Chart(png=out.getvalue(), font_file=font_file)


def final_report_pdf(report: ProgressReport, chart: Chart | None = None) -> bytes:
    """The final report (总结报告): each target's result, by district and industry, the
    units still lagging, the chart; printable, fonts embedded (PDF/A-3b)."""
    chart = chart or progress_png(report)
    targets = []
    for t in report.targets:
        targets.append(
            dict(
                label=report.labels.get(t.target, (t.target, t.target))[0],
                aim=_aim(t),
                done=_done(t, t.total),
                total=t.total,
                gap=gap_label(t.total, t.kind)[0],
                districts=[(k, _done(t, x), x, gap_label(x, t.kind)[0]) for k, x in t.by_district.items()],
                industries=[(k, _done(t, x), x, gap_label(x, t.kind)[0]) for k, x in t.by_industry.items()],
                laggards=[report.names.get(c, c) for c in t.laggards[:50]],
                more=max(0, len(t.laggards) - 50),
            )
        )  # fmt: skip
    met = sum(1 for t in report.targets if t.total.met)
    return pdf_of(
        "campaign_report.html",
        heading=f"{report.title[0]}总结报告",
        lead=(
            f"截至 {report.on}，参加本次集中行动的单位 {report.members} 家（登记 {report.units} 家），"
            f"共 {len(report.targets)} 项目标，已达标 {met} 项。"
        ),
        targets=targets,
        chart=base64.b64encode(chart.png).decode("ascii"),
        stamp=stamp_line(report),
    )


def export_files(report: ProgressReport, rows: list[UnitRow], out_dir: Path) -> list[Path]:
    """The workbook, the chart and the final report written to ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    chart = progress_png(report)
    files = {
        f"{report.campaign_key}-progress.xlsx": progress_xlsx(report, rows),
        f"{report.campaign_key}-progress.png": chart.png,
        f"{report.campaign_key}-report.pdf": final_report_pdf(report, chart),
    }
    written = []
    for name, body in files.items():
        path = out_dir / name
        path.write_bytes(body)
        written.append(path)
    return written
