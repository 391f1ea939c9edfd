"""What the campaign tests share: people's command stamps, population files, and a fake of
the progress read model (``application.campaign_progress`` is another module's): rows from
the units' approved reports and a set of facts the test says hold."""

from __future__ import annotations

import csv
import itertools
from datetime import UTC, date, datetime
from pathlib import Path

from application.campaigns import CampaignLedger
from bootstrap import App
from domain.actors import CommandMeta, Role, system_acting
from domain.campaign.definition import Source
from domain.campaign.progress import UnitRow
from domain.campaign.values import ReportStatus

HEADER = ["code", "name", "district", "industry", "ownership", "employees", "unionised",
          "district_org"]  # fmt: skip
OPENED = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)  # 10:00 in China
IN_H2 = datetime(2026, 7, 6, 2, 0, tzinfo=UTC)
_ids = itertools.count(1)


def meta(app: App, actor: str, role: Role = Role.CADRE, at: datetime = OPENED,
         command_id: str | None = None) -> CommandMeta:  # fmt: skip
    return CommandMeta(
        command_id=command_id or f"test:{next(_ids)}",
        acting=app.directory.acting(actor, role),
        occurred_at=at,
    )


def system(at: datetime = IN_H2, command_id: str | None = None) -> CommandMeta:
    return CommandMeta(
        command_id=command_id or f"sys:{next(_ids)}", acting=system_acting(), occurred_at=at
    )


def write_units(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def generated_units(n: int, *, start: int = 1) -> list[list[str]]:
    """``n`` units over three districts and four industries, every fifth public."""
    districts = [("甘井子区", "dl-ganjingzi"), ("沙河口区", ""), ("中山区", "")]
    industries = ["制造业", "纺织服装", "农林水利", "商贸服务"]
    rows = []
    for i in range(start, start + n):
        d, org = districts[i % 3]
        rows.append([f"u{i:05d}", f"测试单位{i}", d, industries[i % 4],
                     "公有" if i % 5 == 0 else "非公有", str(20 + i % 900), "是", org])  # fmt: skip
    return rows


class FakeProgress:
    """Rows as the progress read model gives them: a unit counts on an indicator when a
    fact the test named holds, or (report/either) when its report is approved."""

    def __init__(self) -> None:
        self.campaigns: CampaignLedger | None = None
        self.facts: set[tuple[str, str]] = set()  # (unit code, indicator key)

    def rows(self, key: str, on: date) -> list[UnitRow]:
        assert self.campaigns is not None
        c = self.campaigns.view(key)
        started = {p.key for p in c.definition.timeline.periods if p.starts <= on}
        found = []
        for u in self.campaigns.units(key):
            values, basis = {}, {}
            for ind in c.definition.indicators:
                if ind.source is not Source.REPORT and (u.code, ind.key) in self.facts:
                    values[ind.key], basis[ind.key] = 1, "fact"
                    continue
                approved = [r for r in u.reports.values() if r.indicator == ind.key
                            and r.period in started and r.status is ReportStatus.APPROVED]  # fmt: skip
                if ind.source is not Source.FACT and approved:
                    values[ind.key], basis[ind.key] = approved[-1].value, "report"
            found.append(UnitRow(code=u.code, name=u.name, district=u.district,
                                 industry=u.industry, ownership=u.ownership.value,
                                 unionised=u.unionised, member=u.member_on(on), values=values,
                                 basis=basis))  # fmt: skip
        return found


def with_fake_progress(app: App) -> tuple[CampaignLedger, FakeProgress]:
    fake = FakeProgress()
    ledger = CampaignLedger(
        app.ledger, app.directory, app.campaigns.definitions, fake, app.settings
    )
    fake.campaigns = ledger
    return ledger, fake
