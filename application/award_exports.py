"""The notice list (公示名单) and the final list as XLSX and as printable PDF/A-3b.

Both print exactly the rows whose SHA-256 the round committed to the ledger when the
notice started (or the list was approved), and the hash itself: anyone holding the paper
or the file can recompute it from the rows (``unionflow award verify-list``) and compare
it with the ledger's. The PDF embeds its Chinese fonts (WeasyPrint with Debian's
``fonts-noto-cjk``), so it prints and archives the same everywhere.
"""

from __future__ import annotations

import io
from typing import Literal

from pydantic import BaseModel

from application.awards import AwardService
from application.export_kit import pdf_of
from domain.award import checks
from domain.award.handlers import notice_rows
from domain.award.values import RoundView
from domain.errors import InvalidState

Which = Literal["notice", "final"]
COLUMNS = [
    ("name", "姓名（名称）"),
    ("gender", "性别"),
    ("unit", "单位"),
    ("post", "职务"),
    ("category", "类别"),
    ("deeds", "主要事迹"),
]


class AwardList(BaseModel):
    """A list as printed, with the hash the ledger holds for it and the one it recomputes to."""

    round_key: str
    which: Which
    heading: str
    lead: str
    rows: list[dict[str, object]]
    committed_hash: str
    computed_hash: str

    @property
    def matches(self) -> bool:
        return self.committed_hash == self.computed_hash


def award_list(service: AwardService, round_key: str, which: Which) -> AwardList:
    """The notice's list or the final list of a round, rebuilt from the ledger."""
    r: RoundView = service.round(round_key)
    if which == "notice":
        if r.notice is None:
            raise InvalidState("总工会公示尚未开始", "the federation's notice has not started")
        keys, committed = r.noticed, r.notice.list_hash
        heading = f"{r.title}公示名单"
        lead = (
            f"公示时间：{r.notice.starts} 至 {r.notice.ends}（{r.definition.timeline.notice_working_days}"
            "个工作日）。公示期间，任何单位和个人均可实名（署真实姓名并留联系方式）以书面或电话形式"
            "反映情况；匿名反映亦予登记并注明。"
        )
    else:
        if not r.final_list:
            raise InvalidState("最终名单尚未确定", "the final list has not been approved")
        keys, committed = r.final_list, r.final_hash
        heading = f"{r.title}表彰名单"
        lead = f"经评审委员会表决（{r.committee_result}），确定以下名单。"
    nominations = [service.nomination(k) for k in keys]
    rows = notice_rows(nominations, r.definition, service.unit_names(nominations))
    return AwardList(
        round_key=r.key,
        which=which,
        heading=heading,
        lead=lead,
        rows=rows,
        committed_hash=committed,
        computed_hash=checks.list_hash(rows),
    )


def as_xlsx(found: AwardList) -> bytes:
    """The list as an XLSX workbook: a title, the columns, the rows, the hash."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "公示名单" if found.which == "notice" else "表彰名单"
    sheet.append([found.heading])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([found.lead])
    sheet.append(["序号", *(label for _, label in COLUMNS)])
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for n, row in enumerate(found.rows, 1):
        sheet.append([n, *(row[key] for key, _ in COLUMNS)])
    sheet.append([])
    sheet.append([f"名单摘要（SHA-256）：{found.committed_hash}"])
    for column, width in zip("ABCDEFG", (6, 16, 6, 28, 18, 18, 60), strict=True):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=4, max_row=3 + len(found.rows)):
        row[-1].alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def as_pdf(found: AwardList) -> bytes:
    """The list as a printable PDF/A-3b with its Chinese fonts embedded."""
    return pdf_of(
        "award_list.html",
        heading=found.heading,
        lead=found.lead,
        rows=found.rows,
        list_hash=found.committed_hash,
        round_key=found.round_key,
        which=found.which,
    )
