"""Nominating on the web (``award nominate``): the unit's cadre enters a nominee from the
round's dashboard, by the form's fields or the nominee's YAML file; a double submit
nominates once; refusals (the period over, no places for that sub-union, an unknown
category, another unit's nominee, someone who is not a cadre) say why and write nothing;
places used up and a disqualifier refuse the submission on the nominee's page."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bootstrap import App
from domain.award.commands import OpenRound
from tests.award.test_award_service import open_round, through_unit
from tests.award.web.rounds import submitted
from tests.award.web.test_fact_checks import DEPARTMENTS as EVERY_DEPARTMENT
from tests.award.web.test_pages_award import command_id, written
from tests.web.pages_support import form, person

NOMINEE = Path(__file__).parents[3] / "examples" / "nominee.yaml"


def fields(**changed: str) -> dict[str, object]:
    values: dict[str, object] = {
        "person": "T100",
        "name": "精加工3班",
        "gender": "",
        "post": "班组",
        "category": "team",
        "deeds": "全年零缺陷",
    }
    return {**form(), **values, **changed}


async def test_the_units_cadre_nominates_from_the_dashboard_once(site, app: App, award_clock):
    rk = open_round(app.awards)
    board = await site.get(f"/awards/{rk}", headers=person("wang.li"))
    assert f'href="/awards/{rk}/nominate"' in board.text
    for other in ("chen.jing", "sun.lihua", "li.wei", "zhou.yan"):  # none of them nominates
        shown = await site.get(f"/awards/{rk}", headers=person(other))
        assert f'href="/awards/{rk}/nominate"' not in shown.text, other
    page = await site.get(f"/awards/{rk}/nominate", headers=person("wang.li"))
    assert page.status_code == 200
    assert "大连轴承制造有限公司工会" in page.text and "甘井子区总工会" in page.text
    assert "名额 2，已用 0，剩余 2" in page.text and "班组" in page.text
    action = f"/awards/{rk}/nominate"
    sent = {**fields(), "command_id": command_id(page.text, action)}
    done = await site.post(action, headers=person("wang.li"), data=sent)
    key = f"{rk}:dl-bearing:T100"
    assert done.status_code == 303
    assert done.headers["location"] == f"/awards/nominations/{key}?done=nominate"
    after = written(app)
    again = await site.post(action, headers=person("wang.li"), data=sent)
    assert again.status_code == 303 and again.headers["location"] == done.headers["location"]
    assert written(app) == after  # a double submit nominates once
    view = app.awards.nomination(key)
    assert view.nominee.name == "精加工3班" and view.nominee.unit_org == "dl-bearing"
    assert view.nominee.sub_union == "dl-ganjingzi" and view.nominated_by == "wang.li"
    nominee = await site.get(done.headers["location"], headers=person("wang.li"))
    assert 'role="status"' in nominee.text and "推荐候选人" in nominee.text
    assert f'action="/awards/nominations/{key}/steps/joint_agreement"' in nominee.text
    english = await site.get(f"{action}?lang=en", headers=person("wang.li"))
    assert "The nominee" in english.text and "2 places, 0 used, 2 left" in english.text


async def test_the_nominees_yaml_file_nominates_as_the_cli_does(site, app: App, award_clock):
    c = OpenRound(round_key="model-2027", title="2027年大连市劳动模范评选",
                  definition="dalian-labour-model", nominations_close=date(2027, 4, 30),
                  departments=EVERY_DEPARTMENT)  # fmt: skip
    rk = app.awards.open_round("sun.lihua", c).key
    upload = {"nominee_file": ("nominee.yaml", NOMINEE.read_bytes(), "text/yaml")}
    done = await site.post(
        f"/awards/{rk}/nominate", headers=person("wang.li"), data=form(), files=upload
    )
    assert done.status_code == 303
    (view,) = app.awards.nominations(rk)
    assert view.nominee.name == "张秀英" and view.nominee.flags == ["non_public"]
    # The same file from a cadre of another unit is refused, naming whose it is.
    before = written(app)
    other = await site.post(
        f"/awards/{rk}/nominate", headers=person("zhao.min"), data=form(), files=upload
    )
    assert other.status_code == 403 and "dl-bearing" in other.text and written(app) == before


async def test_refusals_say_why_keep_what_was_typed_and_write_nothing(site, app: App, award_clock):
    rk = open_round(app.awards)
    action = f"/awards/{rk}/nominate"
    before = written(app)
    unknown = await site.post(action, headers=person("wang.li"), data=fields(category="hero"))
    assert unknown.status_code == 422 and "类别 hero 不在评选办法中" in unknown.text
    assert 'value="精加工3班"' in unknown.text and "全年零缺陷" in unknown.text  # kept
    blank = await site.post(action, headers=person("wang.li"), data=fields(name=""))
    assert blank.status_code == 422
    no_places = await site.post(action, headers=person("wang.li"), data=fields(sub_union="dl-city"))
    assert no_places.status_code == 422 and "没有推荐名额" in no_places.text
    reviewer = await site.post(
        action, headers=person("chen.jing"), data=fields(sub_union="dl-ganjingzi")
    )
    assert reviewer.status_code == 403 and written(app) == before
    form_page = await site.get(action, headers=person("chen.jing"))
    assert form_page.status_code == 200 and f'action="{action}"' not in form_page.text
    assert "甘井子区总工会" in form_page.text  # who may nominate is said instead
    award_clock.to(date(2027, 5, 1))  # after nominations close
    late = await site.post(action, headers=person("wang.li"), data=fields())
    assert late.status_code == 409 and "不在推荐期内" in late.text
    assert written(app) == before
    outsider = await site.get(action, headers=person("liu.qiang"))
    assert outsider.status_code == 404  # a delegate does not read the round


async def test_places_used_up_refuse_the_submission_on_the_nominees_page(
    site, app: App, award_clock
):
    rk, _ = submitted(app.awards, award_clock, "team", "team")  # dl-ganjingzi's 2 places
    award_clock.to(date(2027, 3, 1))
    page = await site.get(f"/awards/{rk}/nominate", headers=person("wang.li"))
    assert "名额 2，已用 2，剩余 0" in page.text
    done = await site.post(f"/awards/{rk}/nominate", headers=person("wang.li"), data=fields())
    key = done.headers["location"].split("?")[0].rsplit("/", 1)[1]
    through_unit(app.awards, award_clock, key)
    award_clock.to(date(2027, 3, 8))
    app.awards.sweep(rk, award_clock())
    before = written(app)
    refused = await site.post(
        f"/awards/nominations/{key}/steps/submit", headers=person("wang.li"), data=form()
    )
    assert refused.status_code == 409 and "名额" in refused.text and written(app) == before


async def test_a_disqualifier_refuses_the_submission_naming_the_fact(site, app: App, award_clock):
    c = OpenRound(round_key="model-2027", title="2027年大连市劳动模范评选",
                  definition="dalian-labour-model", nominations_close=date(2027, 4, 30),
                  departments=EVERY_DEPARTMENT)  # fmt: skip
    rk = app.awards.open_round("sun.lihua", c).key
    done = await site.post(
        f"/awards/{rk}/nominate",
        headers=person("wang.li"),
        data=fields(category="industrial_worker", gender="female", name="张秀英"),
    )
    assert done.status_code == 303
    key = done.headers["location"].split("?")[0].rsplit("/", 1)[1]
    through_unit(app.awards, award_clock, key)
    award_clock.to(date(2027, 3, 8))
    app.awards.sweep(rk, award_clock())
    before = written(app)
    refused = await site.post(
        f"/awards/nominations/{key}/steps/submit", headers=person("wang.li"), data=form()
    )
    assert refused.status_code == 409 and "不符合推荐条件" in refused.text
    assert "工资" in refused.text and written(app) == before


async def test_the_api_nominates_once_per_command_id(site, app: App, award_clock):
    rk = open_round(app.awards)
    body = {
        "nominee": {
            "person": "T200",
            "name": "质检1班",
            "unit_org": "dl-bearing",
            "sub_union": "dl-ganjingzi",
            "post": "班组",
            "category": "team",
            "deeds": "零投诉",
        },
        "command_id": "api-nominate-1",
    }
    made = await site.post(
        f"/api/v1/awards/{rk}/nominations", headers=person("wang.li", {}), json=body
    )
    assert made.status_code == 201 and made.json()["key"] == f"{rk}:dl-bearing:T200"
    after = written(app)
    again = await site.post(
        f"/api/v1/awards/{rk}/nominations", headers=person("wang.li", {}), json=body
    )
    assert again.status_code == 201 and written(app) == after
    other = await site.post(
        f"/api/v1/awards/{rk}/nominations",
        headers=person("zhao.min", {}),
        json={**body, "command_id": "api-nominate-2"},
    )
    assert other.status_code == 403
    assert other.headers["content-type"].startswith("application/problem+json")
    assert written(app) == after
