"""A campaign for the campaign pages' tests: the wage-bargaining campaign of dl-city over
dl-bearing (甘井子区, reviewed by dl-ganjingzi), dl-garment and dl-seed (reviewed by the
organiser) and 30 generated units, opened on 1 June 2026 with its first period, and
five generated 甘井子区 units' reports approved in July; the people act later (now)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import yaml

from bootstrap import App
from contracts.campaign import OpenPeriodRequest
from domain.actors import Role
from tests.campaign.campaign_support import (
    IN_H2,
    OPENED,
    generated_units,
    meta,
    system,
    write_units,
)

KEY = "wage-bargaining-2026"
TITLE = "工资集体协商集中行动"
NAMED = [
    ["dl-bearing", "大连轴承制造有限公司", "甘井子区", "制造业", "非公有", "860", "是", "dl-ganjingzi"],
    ["dl-garment", "大连华艺服装有限公司", "沙河口区", "纺织服装", "非公有", "420", "是", ""],
    ["dl-seed", "大连金农种业有限公司", "中山区", "农林水利", "公有", "150", "是", ""],
]  # fmt: skip
# Generated units in 甘井子区 (i % 3 == 0), whose reports dl-ganjingzi approved in July.
APPROVED = ["u00003", "u00006", "u00009", "u00012", "u00015"]
BEFORE_PEOPLE = datetime(2026, 8, 1, 0, 0, tzinfo=UTC)  # after the July approvals


def campaign(app: App, tmp: Path) -> str:
    """The campaign as the tests' people find it (33 units, 5 counted, H1 and H2 open)."""
    cadres_for(app, tmp, APPROVED)
    c = app.campaigns
    c.open(KEY, "dl-city", meta(app, "sun.lihua"))
    units = write_units(tmp / "units.csv", NAMED + generated_units(30))
    c.import_units(KEY, units, meta(app, "sun.lihua"))
    for period, at in (("2026H1", OPENED), ("2026H2", IN_H2)):
        c.open_period(OpenPeriodRequest(campaign_key=KEY, period=period, meta=system(at)))
    which = {"indicator": "wage_contract", "period": "2026H2"}
    for code in APPROVED:
        c.submit(KEY, code, **which, value=1, evidence="合同备案回执", note="",
                 meta=meta(app, f"cadre.{code}", at=IN_H2))  # fmt: skip
        c.approve(KEY, code, **which, meta=meta(app, "chen.jing", Role.REVIEWER, IN_H2))
    return KEY


def cadres_for(app: App, tmp: Path, codes: list[str]) -> None:
    """Each of ``codes`` a grassroots union under dl-ganjingzi with a cadre
    ``cadre.<code>`` (the example directory has cadres for the named units only)."""
    data = {
        "organisations": [
            {
                "code": c,
                "name": f"测试单位{int(c[1:])}工会",
                "kind": "grassroots_union",
                "parent": "dl-ganjingzi",
            }
            for c in codes
        ],
        "actors": [
            {"id": f"cadre.{c}", "name": f"干部{c}", "org": c, "roles": ["cadre"]} for c in codes
        ],
    }
    path = tmp / "directory-units.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    app.directory.load(app.directory.parse(path), operator="ops.admin")


def written(app: App) -> int:
    """The ledger's last notification: a refusal leaves it where it was."""
    return app.ledger.max_notification_id()
