"""What the campaign workflow tests share: a definition dated from the test server's today,
population files, and a facade on the time-skipping server (the App's campaign ledger, with
its live progress read model)."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime, time, timedelta
from pathlib import Path

from application.campaign_definitions import CampaignDefinitions
from bootstrap import App
from domain.actors import CHINA_TZ
from domain.campaign import CampaignDefinition
from services.campaigns import CampaignFacade

ORGANISER = "sun.lihua"  # a cadre of dl-city
HEADER = ["code", "name", "district", "industry", "ownership", "employees", "unionised",
          "district_org"]  # fmt: skip


async def today(env) -> date:
    return (await env.get_current_time()).astimezone(CHINA_TZ).date()


async def sleep_until(env, day: date) -> None:
    """Let simulated time pass to 00:30 China time of ``day``: just after the engine's steps
    of that day (00:05), whatever the time of day the test started at (a whole number of
    days from 23:24 would land past the next day's steps)."""
    target = datetime.combine(day, time(0, 30), CHINA_TZ)
    now = await env.get_current_time()
    if target > now:
        await env.sleep(target - now)


def definition(start: date, key: str = "wf-test") -> CampaignDefinition:
    """Two periods (the first from ``start`` + 2 days, due 30 days later; the second from
    day 40, due 20 days later; reminders weekly, escalation after 3), the final report on
    day 65; one reported indicator, a rate target of 80%."""
    p1 = start + timedelta(days=2)
    p2 = start + timedelta(days=40)
    return CampaignDefinition.model_validate(
        {
            "key": key,
            "title": ["集中行动（测试）", "campaign (test)"],
            "year": start.year,
            "indicators": [{"key": "done", "label": ["已建制", "in place"], "source": "report"}],
            "targets": [{"key": "all", "label": ["建制率≥80%", "at least 80%"],
                         "indicator": "done", "kind": "rate", "at_least": 0.8,
                         "by": str(start + timedelta(days=65))}],
            "timeline": {
                "periods": [
                    {"key": "P1", "starts": str(p1), "due": str(p1 + timedelta(days=30))},
                    {"key": "P2", "starts": str(p2), "due": str(p2 + timedelta(days=20))},
                ],
                "remind_every_days": 7,
                "escalate_after": 3,
                "final_report": str(start + timedelta(days=65)),
            },
        }
    )  # fmt: skip


def install(app: App, tmp: Path, *definitions: CampaignDefinition) -> None:
    """The test's definitions in force beside the shipped ones."""
    folder = tmp / "campaign-definitions"
    folder.mkdir(exist_ok=True)
    for d in definitions:
        (folder / f"{d.key}.yaml").write_text(json.dumps(d.model_dump(mode="json")), "utf-8")
    app.campaigns.definitions = CampaignDefinitions(folder)


def write_units(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        w.writerows(rows)
    return path


def generated(n: int) -> list[list[str]]:
    """``n`` units of the Ganjingzi district union (codes u00000 …)."""
    return [[f"u{i:05d}", f"测试单位{i}", "甘井子区", "制造业", "非公有", "50", "是",
             "dl-ganjingzi"] for i in range(n)]  # fmt: skip


def facade(env, app: App, task_queue: str, **kw) -> CampaignFacade:
    return CampaignFacade(env.client, app.campaigns, app.directory, app.settings, task_queue,
                          clock=env.get_current_time, **kw)  # fmt: skip
