"""A contest round's published ranking as files: the ranking and the awards as XLSX, the
ranking notice (排名公示) as PDF/A-3b with its Chinese fonts embedded, and a PNG chart of
the score distributions per section.

Each prints the ranking the round recorded in the ledger and the hash of the inputs it was
computed from, so anyone holding the file can run ``unionflow contest recompute ROUND``
and compare. The chart is drawn by matplotlib's Agg backend (no display, no network) with
Noto Sans CJK from Debian's ``fonts-noto-cjk``, found on the machine, never fetched.
"""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel

from application.contests import ContestService
from application.export_kit import pdf_of, workbook_of
from domain.actors import CHINA_TZ
from domain.contest.values import RankRow, RoundView
from domain.errors import InvalidState, NotFound

CJK_FONT = "Noto Sans CJK SC"


class NoticeRow(BaseModel):
    """A ranking row as the notice prints it: names, not codes."""

    rank: str
    name: str
    unit: str
    score: str
    committee: str
    self_total: str
    sheets: int
    award: str
    notes: str


class ContestNotice(BaseModel):
    """The published ranking of a round, ready to print."""

    round_key: str
    heading: str
    lead: str
    rows: list[NoticeRow]
    inputs_hash: str
    sections: list[tuple[str, list[float]]]  # section name -> the entries' section scores


def _text(value: Decimal | None) -> str:
    return "—" if value is None else str(value)


def _notes(row: RankRow) -> str:
    found = [f"一票否决：{v.zh}（{v.rests_on.record} · {v.rests_on.event}）" for v in row.vetoes]
    if row.below_minimum:
        found.append("低于分项最低分：" + "、".join(row.below_minimum))
    if row.note:
        found.append(row.note.split(" / ", 1)[0])
    if row.advances:
        found.append("晋级")
    return "；".join(found)


def contest_notice(service: ContestService, round_key: str) -> ContestNotice:
    """The round's recorded ranking, with unit and award names (refused before ranking)."""
    r: RoundView = service.round(round_key)
    if r.ranking is None:
        raise InvalidState("本轮尚未发布排名", "the round has no published ranking yet")
    d = r.definition
    awards = {a.key: a.zh for a in d.awards}
    units: dict[str, str] = {}

    def unit(code: str) -> str:
        if code not in units:
            try:
                units[code] = service.directory.organisation(code).spec.name
            except NotFound:
                units[code] = code
        return units[code]

    rows = [
        NoticeRow(
            rank=str(x.rank) if x.rank is not None else "—",
            name=x.name,
            unit=unit(x.unit_org),
            score=_text(x.score),
            committee=_text(x.committee),
            self_total=_text(x.self_total),
            sheets=x.sheets,
            award=awards.get(x.award, ""),
            notes=_notes(x),
        )
        for x in r.ranking.rows
    ]
    stage = d.stage(r.stage)
    ranked = r.ranked_at.astimezone(CHINA_TZ) if r.ranked_at else datetime.now(CHINA_TZ)
    sections = [
        (s.zh, [float(x.sections[s.key]) for x in r.ranking.rows if s.key in x.sections])
        for s in d.table.sections
    ]
    return ContestNotice(
        round_key=r.key,
        heading=f"{r.title}{stage.zh if stage else ''}排名公示",
        lead=(
            f"依据《{d.zh}》（{d.judging.source}），经评委评分、否决项核查，排名如下，"
            f"{ranked:%Y年%m月%d日}发布。对排名有异议的，可在公示期内向组织单位实名反映。"
        ),
        rows=rows,
        inputs_hash=r.ranking.inputs_hash,
        sections=sections,
    )


def ranking_xlsx(found: ContestNotice) -> bytes:
    """Every row of the ranking, how its score was made, and the inputs' hash."""
    columns = ["名次", "参评对象", "单位", "得分", "评委分", "自评分", "评分表", "奖项", "说明"]
    rows: list[list[object]] = [
        [x.rank, x.name, x.unit, x.score, x.committee, x.self_total, x.sheets, x.award, x.notes]
        for x in found.rows
    ]
    return workbook_of(
        "排名", found.heading, found.lead, columns, rows, _footer(found),
        widths=(6, 28, 28, 9, 9, 9, 7, 16, 50),
    )  # fmt: skip


def awards_xlsx(found: ContestNotice) -> bytes:
    """The entries that won an award, award by award in ranking order."""
    columns = ["奖项", "名次", "参评对象", "单位", "得分"]
    rows: list[list[object]] = [
        [x.award, x.rank, x.name, x.unit, x.score] for x in found.rows if x.award
    ]
    return workbook_of(
        "奖项", found.heading.replace("排名公示", "获奖名单"), found.lead, columns, rows,
        _footer(found), widths=(18, 6, 28, 28, 9),
    )  # fmt: skip


def notice_pdf(found: ContestNotice) -> bytes:
    """The ranking notice, printable, its fonts embedded (PDF/A-3b)."""
    return pdf_of(
        "contest_notice.html",
        heading=found.heading,
        lead=found.lead,
        rows=found.rows,
        inputs_hash=found.inputs_hash,
        round_key=found.round_key,
    )


class Chart(BaseModel):
    """A PNG and the font file its Chinese labels were drawn with."""

    png: bytes
    font_file: str


def sections_png(found: ContestNotice) -> Chart:
    """A box plot per section of the entries' section scores (the kept sheets' means)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    font_file = font_manager.findfont(
        font_manager.FontProperties(family=CJK_FONT), fallback_to_default=False
    )
    prop = font_manager.FontProperties(fname=font_file)
    names = [name for name, _ in found.sections]
    figure = Figure(figsize=(max(6.0, 1.4 * len(names)), 4.5), dpi=110)
    axes = figure.subplots()
    axes.boxplot([values or [0.0] for _, values in found.sections], showmeans=True)
    axes.set_xticks(range(1, len(names) + 1), names, fontproperties=prop)
    axes.set_ylabel("得分", fontproperties=prop)
    axes.set_title(found.heading.replace("排名公示", "各分项得分分布"), fontproperties=prop)
    axes.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return Chart(png=out.getvalue(), font_file=font_file)


def _footer(found: ContestNotice) -> str:
    return (
        f"排名输入摘要（SHA-256，记入账本）：{found.inputs_hash}；"
        f"核对：unionflow contest recompute {found.round_key}"
    )
