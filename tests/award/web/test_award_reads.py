"""Who reads award rounds and nominations: the unions running and nominating in the round
and the departments asked; anyone else gets 404 shaped like a missing record, on pages and
in /api/v1/awards; lists and the inbox hold only what the person may read; the public
notice stays every signed-in person's and shows only what a notice shows."""

from __future__ import annotations

import pytest

from bootstrap import App
from tests.award.web.rounds import cleared, in_first_notice
from tests.award.web.test_pages_award import written
from tests.web.pages_support import form, person

# (actor, reads the round, reads the dl-bearing nomination)
MATRIX = [
    ("wang.li", True, True),  # cadre of the nominating unit
    ("chen.jing", True, True),  # reviewer of the nominee's sub-union
    ("li.wei", True, True),  # reviewer of the federation running the round
    ("sun.lihua", True, True),  # cadre of the federation
    ("sun.hao", True, False),  # reviewer of another sub-union with places
    ("zhao.min", True, False),  # cadre of a unit under another sub-union (may nominate)
    ("market.dept", True, True),  # a department asked about the nominee
    ("jw.dept", False, False),  # a department this round does not ask
    ("liu.qiang", False, False),  # a delegate of the unit
    ("hr.dept", False, False),  # a department of the enterprise
    ("zhou.yan", True, True),  # auditor
    ("ops.admin", True, True),  # operator
]


@pytest.mark.parametrize(("who", "reads_round", "reads_nomination"), MATRIX)
async def test_each_role_reads_the_rounds_and_nominations_the_directory_gives_it(
    site, app: App, award_clock, who, reads_round, reads_nomination
):
    rk, (key,) = cleared(app.awards, award_clock, "team")
    expected = {
        f"/awards/{rk}": reads_round,
        f"/api/v1/awards/{rk}": reads_round,
        f"/api/v1/awards/{rk}/nominations": reads_round,
        f"/awards/{rk}/nominate": reads_round,
        f"/awards/nominations/{key}": reads_nomination,
        f"/api/v1/awards/nominations/{key}": reads_nomination,
        f"/awards/nominations/{key}/clearances/market": reads_nomination,
        f"/awards/{rk}/notice": True,  # a public notice
    }
    for path, readable in expected.items():
        headers = person(who, {} if path.startswith("/api/") else None)
        got = await site.get(path, headers=headers)
        assert got.status_code == (200 if readable else 404), (who, path, got.text[:200])


async def test_an_unreadable_round_or_nomination_is_refused_as_a_missing_one(
    site, app: App, award_clock
):
    rk, (key,) = cleared(app.awards, award_clock, "team")
    outsider = person("liu.qiang", {})
    for there, absent, words in [
        (f"/api/v1/awards/{rk}", "/api/v1/awards/no-such", f"评选 {rk} 不存在"),
        (f"/api/v1/awards/nominations/{key}", "/api/v1/awards/nominations/x:y:z",
         f"推荐 {key} 不存在"),
    ]:  # fmt: skip
        hidden = await site.get(there, headers=outsider)
        missing = await site.get(absent, headers=outsider)
        assert hidden.status_code == missing.status_code == 404
        assert hidden.headers["content-type"].startswith("application/problem+json")
        assert hidden.json()["reason_zh"] == words
        assert hidden.json().keys() == missing.json().keys()
    page = await site.get(f"/awards/nominations/{key}", headers=person("sun.hao"))
    assert page.status_code == 404 and "装配1班" not in page.text
    assert f"推荐 {key} 不存在" in page.text


async def test_lists_name_only_what_the_person_may_read(site, app: App, award_clock):
    rk, (key,) = in_first_notice(app.awards, award_clock, "team")
    for who, lists_round, lists_nomination in [
        ("wang.li", True, True),
        ("sun.hao", True, False),
        ("zhou.yan", True, True),
        ("liu.qiang", False, False),
    ]:
        listing = await site.get("/awards", headers=person(who))
        assert (f'href="/awards/{rk}"' in listing.text) is lists_round, who
        api = (await site.get("/api/v1/awards", headers=person(who, {}))).json()
        assert (rk in [r["key"] for r in api]) is lists_round, who
        if not lists_round:
            continue
        board = await site.get(f"/awards/{rk}", headers=person(who))
        assert (f'href="/awards/nominations/{key}"' in board.text) is lists_nomination, who
        assert "名额合计" in board.text  # the places still count every nomination
        noms = await site.get(f"/api/v1/awards/{rk}/nominations", headers=person(who, {}))
        assert (key in [n["key"] for n in noms.json()]) is lists_nomination, who
    # Who reads no round still finds its running notice from the list.
    listing = await site.get("/awards", headers=person("liu.qiang"))
    assert f'href="/awards/{rk}/notice"' in listing.text and "正在公示" in listing.text


async def test_the_notice_shows_what_a_notice_shows_to_everyone(site, app: App, award_clock):
    rk, (key,) = in_first_notice(app.awards, award_clock, "team")
    page = await site.get(f"/awards/{rk}/notice", headers=person("liu.qiang"))
    assert page.status_code == 200
    assert "装配1班" in page.text and "连续三年零事故" in page.text  # name, deeds
    assert "大连轴承制造有限公司工会" in page.text  # the unit by name
    assert f'href="/awards/nominations/{key}"' not in page.text  # no way past the notice
    assert f'href="/awards/{rk}"' not in page.text
    assert "同意" not in page.text  # the review's opinion is not in a notice
    reader = await site.get(f"/awards/{rk}/notice", headers=person("chen.jing"))
    assert f'href="/awards/nominations/{key}"' in reader.text
    final = await site.get(f"/awards/{rk}/lists/final.xlsx", headers=person("liu.qiang"))
    assert final.status_code == 404  # the final list is the round's until published


async def test_an_objector_reads_the_outcome_of_their_objection_and_nobody_else_does(
    site, app: App, award_clock
):
    rk, (key,) = in_first_notice(app.awards, award_clock, "team")
    filed = await site.post(
        f"/awards/{rk}/notice/objections",
        headers=person("liu.qiang"),
        data=form(nomination=key, substance="去年有违章作业", name="刘强", contact="139"),
    )
    assert filed.status_code == 303
    url = f"/awards/nominations/{key}/objections/1"
    own = await site.get(url, headers=person("liu.qiang"))
    assert own.status_code == 200 and "去年有违章作业" in own.text
    assert f'href="/awards/nominations/{key}"' not in own.text
    assert (await site.get(url, headers=person("hr.dept"))).status_code == 404
    # The objector's name stays the investigator's to read (services/awards.py's rule).
    unit = await site.get(url, headers=person("wang.li"))
    assert unit.status_code == 200 and "刘强" not in unit.text and "139" not in unit.text
    investigator = await site.get(url, headers=person("chen.jing"))
    assert "刘强" in investigator.text and "139" in investigator.text


async def test_an_outsiders_api_act_is_refused_as_missing_but_an_objection_is_theirs(
    site, app: App, award_clock
):
    _rk, (key,) = in_first_notice(app.awards, award_clock, "team")
    before = written(app)
    withdraw = await site.post(
        f"/api/v1/awards/nominations/{key}/acts",
        headers=person("zhao.min", {}),
        json={"command": {"kind": "withdraw", "reason": "不再推荐"}},
    )
    assert withdraw.status_code == 404 and written(app) == before
    objected = await site.post(
        f"/api/v1/awards/nominations/{key}/acts",
        headers=person("liu.qiang", {}),
        json={"command": {"kind": "objection", "substance": "有违章", "anonymous": True},
              "command_id": "obj-1"},
    )  # fmt: skip
    assert objected.status_code == 200, objected.text
    shown = objected.json()
    assert shown["nominee"]["name"] == "装配1班" and shown["notices"]
    assert shown["reviews"] == [] and shown["objections"] == [] and shown["nominated_by"] == ""
    assert len(app.awards.nomination(key).objections) == 1


async def test_the_award_inbox_holds_only_readable_items(site, app: App, award_clock):
    rk, (key,) = cleared(app.awards, award_clock, "team")
    facade = app.facades().awards
    assert [(t.kind, t.nomination.key) for t in facade.tasks("market.dept") if t.nomination] == [
        ("clearance", key)
    ]
    assert facade.tasks("jw.dept") == [] and facade.tasks("sun.hao") == []
    inbox = await site.get("/inbox", headers=person("market.dept"))
    assert f"/awards/nominations/{key}" in inbox.text
    other = await site.get("/inbox", headers=person("sun.hao"))
    assert f"/awards/nominations/{key}" not in other.text
    # A department reads a nomination once it is asked about that nominee, not before.
    record = app.awards.nomination(key)
    asked = [c.model_copy(update={"department": "jw.dept"}) for c in record.clearances]
    moved = record.model_copy(update={"clearances": asked})
    r = app.awards.round(rk)
    assert app.read_policy.nominations("jw.dept", [record, moved], r) == [moved]
    assert app.read_policy.nominations("market.dept", [record, moved], r) == [record]
