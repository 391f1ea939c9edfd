"""Award selection through the web: the round's dashboard, the nominee's page with the
what-if of the proportions and the review forms, the unit's steps, the department's
clearance form, the public notice with its objection form and the reviewer's resolution,
the inbox's links and ``/api/v1/awards``. Each form applies once per ``command_id``; a
refusal says why in the domain's words and writes nothing."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from bootstrap import App
from domain.award import NominationStage, RoundStage
from domain.award.commands import ReviewNomination
from tests.award.web.rounds import ROUND, cleared, in_first_notice, site_of, submitted
from tests.award.workflow.test_award_round import POLL, committee_elects, round_at_committee
from tests.web.pages_support import form, person

API = {"accept": "application/json"}


def written(app: App) -> int:
    return app.ledger.max_notification_id()


def command_id(page: str, action: str) -> str:
    """The ``command_id`` of the form posting to ``action`` on ``page``."""
    found = re.search(
        rf'action="{re.escape(action)}">.*?name="command_id" value="([^"]+)"', page, re.S
    )
    assert found, f"no form posting to {action}"
    return found[1]


async def test_the_round_list_and_dashboard_show_names_places_and_proportions(
    site, app, award_clock
):
    rk, _ = submitted(app.awards, award_clock, "team", "workshop")
    listed = await site.get("/awards", headers=person("chen.jing"))
    assert listed.status_code == 200 and "2027年大连市工人先锋号评选" in listed.text
    assert f'href="/awards/{rk}"' in listed.text
    board = await site.get(f"/awards/{rk}", headers=person("sun.lihua"))
    assert board.status_code == 200
    text = board.text
    assert "甘井子区总工会" in text  # the sub-union by name
    assert "大连轴承制造有限公司工会" in text and "装配1班" in text and "装配2班" in text
    assert "待初审（2）" in text  # nominations by stage
    assert "班组和科室" in text and "≥70.0%" in text and "1/2 50.0%" in text and "不符合" in text
    assert "市应急管理局（emergency.dept）" in text  # the departments asked, by name
    assert "2027-04-30" in text  # nominations close
    # While nominations run, none of the federation cadre's round steps is offered.
    assert f'action="/awards/{rk}/steps/' not in text
    assert "/lists/notice.xlsx" not in text
    english = await site.get(f"/awards/{rk}?lang=en", headers=person("sun.lihua"))
    assert "Places per sub-union" in english.text and "awaiting the first review" in english.text
    # Reading needs no Temporal server; a round step without one says so and writes nothing.
    before = written(app)
    offline = await site.post(
        f"/awards/{rk}/steps/start_notice",
        headers=person("sun.lihua"),
        data=form(starts="2027-05-06"),
    )
    assert offline.status_code == 503 and "Temporal" in offline.text and written(app) == before
    missing = await site.get("/awards/no-such-round", headers=person("sun.lihua"))
    assert missing.status_code == 404
    nobody = await site.get(f"/awards/{rk}", headers={"accept": "text/html"})
    assert nobody.status_code == 401


async def test_a_reviewer_sees_the_what_if_and_passes_the_first_review_once(site, app, award_clock):
    _, (_, workshop_key) = submitted(app.awards, award_clock, "team", "workshop")
    url = f"/awards/nominations/{workshop_key}"
    page = await site.get(url, headers=person("chen.jing"))
    assert page.status_code == 200
    assert "装配2班" in page.text and "车间、项目部" in page.text and "待初审" in page.text
    assert "对比例要求的影响" in page.text and "将不符合" in page.text  # 1/1 → 1/2 breaks ≥70%
    assert "三年内发生较大以上安全事故" in page.text  # the facts checked
    action = f"{url}/steps/first_review"
    assert f'action="{action}"' in page.text
    own = await site.get(url, headers=person("wang.li"))
    assert f'action="{action}"' not in own.text  # the unit's cadre does not review
    assert f'action="{url}/steps/withdraw"' in own.text

    before = written(app)
    other = await site.post(
        action, headers=person("li.wei"), data=form(decision="pass", opinion="同意")
    )
    assert other.status_code == 403 and "dl-ganjingzi" in other.text  # the federation's reviewer
    blank = await site.post(action, headers=person("chen.jing"), data=form(opinion="同意"))
    assert blank.status_code == 422 and "通过或不通过" in blank.text
    assert written(app) == before
    cid = command_id(page.text, action)
    fields = {"csrf_token": "t", "command_id": cid, "decision": "pass", "opinion": "同意推荐"}
    passed = await site.post(action, headers=person("chen.jing"), data=fields)
    assert passed.status_code == 303 and passed.headers["location"] == f"{url}?done=first_review"
    after = written(app)
    again = await site.post(action, headers=person("chen.jing"), data=fields)
    assert again.status_code == 303 and written(app) == after  # a double submit: once
    view = app.awards.nomination(workshop_key)
    assert view.stage is NominationStage.FIRST_NOTICE and len(view.reviews) == 1
    shown = await site.get(passed.headers["location"], headers=person("chen.jing"))
    assert 'role="status"' in shown.text and "同意推荐" in shown.text and "陈静" in shown.text
    assert "初审后公示" in shown.text


async def test_the_units_steps_are_forms_of_its_cadre(site, app, award_clock):
    from tests.award.test_award_service import open_round, team

    rk = open_round(app.awards)
    key = app.awards.nominate("wang.li", rk, team(1)).key
    url = f"/awards/nominations/{key}"
    page = await site.get(url, headers=person("wang.li"))
    for step in ("joint_agreement", "congress_approval", "unit_notice"):
        assert f'action="{url}/steps/{step}"' in page.text
    assert f'action="{url}/steps/submit"' not in page.text  # not before the unit notice ends
    before = written(app)
    stranger = await site.post(
        f"{url}/steps/joint_agreement", headers=person("zhao.min"), data=form(record="纪要")
    )
    assert stranger.status_code == 403 and "dl-bearing" in stranger.text
    early = await site.post(f"{url}/steps/submit", headers=person("wang.li"), data=form())
    assert early.status_code == 409
    assert written(app) == before
    agreed = await site.post(
        f"{url}/steps/joint_agreement",
        headers=person("wang.li"),
        data=form(record="3月1日党政工联席会议纪要"),
    )
    assert agreed.status_code == 303
    app.awards.facts.approval_poll = lambda _key: POLL  # type: ignore[method-assign]
    voted = await site.post(
        f"{url}/steps/congress_approval", headers=person("wang.li"), data=form(poll=POLL.poll)
    )
    assert voted.status_code == 303
    bad_day = await site.post(
        f"{url}/steps/unit_notice", headers=person("wang.li"), data=form(starts="3月1日")
    )
    assert bad_day.status_code == 422 and "YYYY-MM-DD" in bad_day.text
    posted = await site.post(
        f"{url}/steps/unit_notice", headers=person("wang.li"), data=form(starts="2027-03-01")
    )
    assert posted.status_code == 303
    shown = await site.get(url, headers=person("wang.li"))
    assert "2027-03-01 – 2027-03-05" in shown.text and "赞成 25（应到 29）" in shown.text
    withdrawn = await site.post(
        f"{url}/steps/withdraw", headers=person("wang.li"), data=form(reason="本人调离")
    )
    assert withdrawn.status_code == 303
    assert app.awards.nomination(key).stage is NominationStage.WITHDRAWN


async def test_a_department_gives_its_clearance_on_its_form(site, app, award_clock):
    _, (key,) = cleared(app.awards, award_clock, "team")
    url = f"/awards/nominations/{key}/clearances/market"
    page = await site.get(f"/awards/nominations/{key}", headers=person("market.dept"))
    assert f'href="{url}"' in page.text and "/clearances/emergency" not in page.text
    shown = await site.get(url, headers=person("market.dept"))
    assert (
        shown.status_code == 200 and 'name="verdict"' in shown.text and "市场监管部门" in shown.text
    )
    theirs = await site.get(
        f"/awards/nominations/{key}/clearances/emergency", headers=person("market.dept")
    )
    assert 'name="verdict"' not in theirs.text  # another department's item: no form
    before = written(app)
    wrong = await site.post(
        f"/awards/nominations/{key}/clearances/emergency",
        headers=person("market.dept"),
        data=form(verdict="clear"),
    )
    assert wrong.status_code == 403 and "emergency.dept" in wrong.text
    no_reason = await site.post(url, headers=person("market.dept"), data=form(verdict="negative"))
    assert no_reason.status_code == 422 and "理由" in no_reason.text
    assert written(app) == before
    fields = form(verdict="negative", opinion="该单位有未结案的质量投诉")
    negative = await site.post(url, headers=person("market.dept"), data=fields)
    assert negative.status_code == 303
    after = written(app)
    assert (await site.post(url, headers=person("market.dept"), data=fields)).status_code == 303
    assert written(app) == after
    view = app.awards.nomination(key)
    assert view.stage is NominationStage.REMOVED and "质量投诉" in view.removed_reason
    gone = await site.get(f"/awards/nominations/{key}", headers=person("chen.jing"))
    assert "该单位有未结案的质量投诉" in gone.text and "已取消" in gone.text


async def test_an_objection_filed_on_the_notice_page_and_dismissed_by_its_investigator(
    site, app, award_clock
):
    rk, (key,) = in_first_notice(app.awards, award_clock, "team")
    page = await site.get(f"/awards/{rk}/notice", headers=person("liu.qiang"))
    assert page.status_code == 200 and "初审后公示" in page.text and "装配1班" in page.text
    assert "连续三年零事故" in page.text and f'value="{key}"' in page.text
    action = f"/awards/{rk}/notice/objections"
    before = written(app)
    unnamed = await site.post(
        action, headers=person("liu.qiang"), data=form(nomination=key, substance="有违章记录")
    )
    assert unnamed.status_code == 422 and "联系方式" in unnamed.text
    stranger = await site.post(
        action, headers=person("liu.qiang"), data=form(nomination="x:y:z", substance="有违章")
    )
    assert stranger.status_code == 422
    assert written(app) == before
    fields = form(nomination=key, substance="该班组去年有违章作业记录", anonymous="1")
    filed = await site.post(action, headers=person("liu.qiang"), data=fields)
    assert filed.status_code == 303 and filed.headers["location"].endswith("?filed=1")
    after = written(app)
    assert (await site.post(action, headers=person("liu.qiang"), data=fields)).status_code == 303
    assert written(app) == after  # one objection for a double submit
    view = app.awards.nomination(key)
    assert [(o.no, o.anonymous, o.name) for o in view.objections] == [(1, True, "")]

    board = await site.get(f"/awards/{rk}", headers=person("chen.jing"))
    assert "第 1 号异议" in board.text and "匿名" in board.text
    nominee = await site.get(f"/awards/nominations/{key}", headers=person("wang.li"))
    assert "收到异议" in nominee.text and "异议人" in nominee.text
    assert "刘强" not in nominee.text and "liu.qiang" not in nominee.text  # stays anonymous
    url = f"/awards/nominations/{key}/objections/1"
    other = await site.get(url, headers=person("li.wei"))
    assert "匿名（已登记并注明）" in other.text and 'name="outcome"' not in other.text
    refused = await site.post(
        url, headers=person("li.wei"), data=form(outcome="dismissed", findings="不属实")
    )
    assert refused.status_code == 403 and written(app) == after
    mine = await site.get(url, headers=person("chen.jing"))
    assert 'name="outcome"' in mine.text
    dismissed = await site.post(
        url, headers=person("chen.jing"), data=form(outcome="dismissed", findings="经核查已整改")
    )
    assert dismissed.status_code == 303
    done = app.awards.nomination(key).objections[0]
    assert done.status.value == "dismissed" and done.investigator == "chen.jing"
    shown = await site.get(url, headers=person("liu.qiang"))
    assert "经核查已整改" in shown.text and "陈静（chen.jing）" in shown.text


async def test_award_tasks_in_the_inbox_link_to_their_pages(site, app, award_clock):
    rk, (key,) = submitted(app.awards, award_clock, "team")
    inbox = await site.get("/inbox", headers=person("chen.jing"))
    assert "评选表彰" in inbox.text and "初审" in inbox.text
    assert f'href="/awards/nominations/{key}#steps"' in inbox.text
    app.awards.act(
        "chen.jing", key, ReviewNomination(kind="first_review", passed=True, opinion="同意")
    )
    award_clock.to(award_clock.day().replace(day=15))
    app.awards.sweep(rk, award_clock())
    dept = await site.get("/inbox", headers=person("market.dept"))
    assert (
        "出具部门意见" in dept.text and f'href="/awards/nominations/{key}#clearances"' in dept.text
    )


async def test_the_api_reads_the_round_and_nominee_and_takes_an_act(site, app, award_clock):
    rk, (team_key, workshop_key) = submitted(app.awards, award_clock, "team", "workshop")
    board = await site.get(f"/api/v1/awards/{rk}", headers=person("li.wei", API))
    assert board.status_code == 200
    body = board.json()
    assert body["round"]["key"] == rk and body["stages"] == {"submitted": 2}
    assert body["places"][0] == {"sub_union": "dl-ganjingzi", "places": 2, "used": 2}
    detail = await site.get(
        f"/api/v1/awards/nominations/{workshop_key}", headers=person("chen.jing", API)
    )
    got = detail.json()
    assert got["steps"] == ["first_review"]
    assert got["if_kept"][0]["before"]["holds"] and not got["if_kept"][0]["after"]["holds"]
    act = {
        "command": {"kind": "first_review", "passed": False, "opinion": "比例不符"},
        "command_id": "api-review-1",
    }
    refused = await site.post(
        f"/api/v1/awards/nominations/{workshop_key}/acts", json=act, headers=person("li.wei", API)
    )
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["reason_zh"] and refused.json()["reason_en"]
    before = written(app)
    done = await site.post(
        f"/api/v1/awards/nominations/{workshop_key}/acts",
        json=act,
        headers=person("chen.jing", API),
    )
    assert done.status_code == 200 and done.json()["stage"] == "removed"
    after = written(app)
    assert after > before
    retried = await site.post(
        f"/api/v1/awards/nominations/{workshop_key}/acts",
        json=act,
        headers=person("chen.jing", API),
    )
    assert retried.status_code == 200 and written(app) == after
    bad = await site.post(
        f"/api/v1/awards/nominations/{team_key}/acts",
        json={"command": {"kind": "committee_vote", "approved": True, "votes": "5"}},
        headers=person("chen.jing", API),
    )
    assert bad.status_code == 422 and written(app) == after  # the engine's step, not a person's
    listed = await site.get("/api/v1/awards", headers=person("chen.jing", API))
    assert [r["key"] for r in listed.json()] == [ROUND]


async def test_a_post_without_the_sessions_csrf_token_is_refused_and_writes_nothing(
    app, signed_in_client, award_clock
):
    app.awards.clock = award_clock
    _, (key,) = submitted(app.awards, award_clock, "team")
    chen = await signed_in_client("chen.jing")
    before = written(app)
    del chen.headers["X-CSRF-Token"]
    forged = await chen.post(
        f"/awards/nominations/{key}/steps/first_review",
        data={"command_id": "c1", "decision": "pass", "opinion": "同意"},
        headers={"accept": "text/html"},
    )
    assert forged.status_code == 403 and "CSRF" in forged.text
    assert written(app) == before


async def test_the_federation_cadre_records_the_committee_and_publishes_through_the_forms(
    time_skipping_env, app, awards, task_queue, running_worker
):
    env = time_skipping_env
    rk, keys = await round_at_committee(env, awards)
    poll_key = await committee_elects(env, app, task_queue, keys, elect=keys[1])
    async for site in site_of(app, None, env.client):
        board = await site.get(f"/awards/{rk}", headers=person("sun.lihua"))
        action = f"/awards/{rk}/steps/record_committee"
        assert f'action="{action}"' in board.text and "/lists/notice.xlsx" in board.text
        assert (
            f'action="{action}"'
            not in (await site.get(f"/awards/{rk}", headers=person("wang.li"))).text
        )
        noticed = await site.get(f"/awards/{rk}/notice", headers=person("liu.qiang"))
        r = app.awards.round(rk)
        assert (
            "工人先锋号评选（测试）公示名单" in noticed.text and r.notice.list_hash in noticed.text
        )
        assert "当前没有正在公示的人选" in noticed.text and 'name="substance"' not in noticed.text
        before = written(app)
        unit = await site.post(action, headers=person("wang.li"), data=form(poll=poll_key))
        assert unit.status_code == 403
        wrong = await site.post(action, headers=person("sun.lihua"), data=form(poll=POLL.poll))
        assert wrong.status_code == 422 and "评审委员会" in wrong.text
        assert written(app) == before
        fields = {"csrf_token": "t", "command_id": command_id(board.text, action), "poll": poll_key}
        voted = await site.post(action, headers=person("sun.lihua"), data=fields)
        assert voted.status_code == 303, voted.text
        after = written(app)
        assert (
            await site.post(action, headers=person("sun.lihua"), data=fields)
        ).status_code == 303
        assert written(app) == after  # the same update id: applied once
        r = app.awards.round(rk)
        assert r.stage is RoundStage.APPROVED and r.final_list == [keys[1]]
        early = await site.post(
            f"/api/v1/awards/{rk}/steps",
            json={"step": {"kind": "start_notice", "starts": "2027-05-06"}},
            headers=person("sun.lihua", API),
        )
        assert early.status_code == 409 and "开始总工会公示" in early.json()["reason_zh"]
        assert written(app) == after
        published = await site.post(
            f"/awards/{rk}/steps/publish",
            headers=person("sun.lihua"),
            data=form(channel="大连日报", decision="大总工发[2027]12号"),
        )
        assert published.status_code == 303
        assert app.awards.round(rk).stage is RoundStage.PUBLISHED
        xlsx = await site.get(f"/awards/{rk}/lists/final.xlsx", headers=person("li.wei"))
        assert xlsx.status_code == 200 and xlsx.headers["x-list-hash"] == r.final_hash
        sheet = load_workbook(io.BytesIO(xlsx.content)).active
        assert [row[1].value for row in sheet.iter_rows(min_row=4, max_row=4)] == ["装配2班"]
        pdf = await site.get(f"/awards/{rk}/lists/notice.pdf", headers=person("li.wei"))
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


async def test_a_named_objectors_name_and_contact_are_for_the_investigator_only(
    site, app, award_clock
):
    rk, (key,) = in_first_notice(app.awards, award_clock, "team")
    fields = form(nomination=key, substance="该班组有违章记录", name="张三", contact="13800000000")
    filed = await site.post(
        f"/awards/{rk}/notice/objections", headers=person("liu.qiang"), data=fields
    )
    assert filed.status_code == 303
    url = f"/awards/nominations/{key}/objections/1"
    investigator = await site.get(url, headers=person("chen.jing"))
    assert "张三 · 13800000000" in investigator.text
    for other in ("wang.li", "li.wei", "liu.qiang"):
        shown = await site.get(url, headers=person(other))
        assert "13800000000" not in shown.text and "仅调查的审查人可见" in shown.text
    api = await site.get(f"/api/v1/awards/nominations/{key}", headers=person("wang.li", API))
    assert api.json()["nomination"]["objections"][0]["contact"] == ""
    listed = await site.get(f"/api/v1/awards/{rk}/nominations", headers=person("wang.li", API))
    assert "13800000000" not in listed.text
    audited = await site.get(f"/api/v1/awards/nominations/{key}", headers=person("zhou.yan", API))
    assert audited.json()["nomination"]["objections"][0]["contact"] == "13800000000"
