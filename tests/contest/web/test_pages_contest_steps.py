"""The organiser's round steps on the web: a union cadre opens a round from the rounds'
list (registration opens); the round's dashboard shows the organiser the phase's step —
close registration, start judging, rank, post the notice, close it — as a form with a
``command_id`` and the CSRF token. A double submit applies once; a refusal (another
person, the wrong phase, a bad date) shows the domain's reason with its status and writes
nothing; a post without the session's CSRF token is refused."""

from __future__ import annotations

import re
from datetime import datetime

from application.contests import Registration
from domain.actors import CHINA_TZ
from domain.contest.values import Phase
from tests.contest.support import full
from tests.contest.test_contest_service import ANKANG, POOL, open_ankang, registered, score_all
from tests.contest.web.test_pages_contest import command_id
from tests.web.pages_support import form, person


def step_action(page: str) -> str | None:
    """The action of the dashboard's step form, if any."""
    found = re.search(
        r'id="next-step".*?<form class="step" method="post" action="([^"]+)"', page, re.S
    )
    return found[1] if found else None


OPENING = {
    "round_key": "ankang-web",
    "title": "2027年“安康杯”竞赛（网页）",
    "definition": "ankang-cup/review",
    "year": "2027",
    "registration_closes": "2027-04-30",
    "self_assessment_closes": "",
    "ranks_on": "",
}


async def test_a_union_cadre_opens_a_round_from_the_list_once(site, world):
    page = await site.get("/contests", headers=person("sun.lihua"))
    assert page.status_code == 200 and 'action="/contests"' in page.text
    assert page.text.count('action="/contests"') == 1  # the form once, and not in <title>
    title = page.text[page.text.index("<title>") : page.text.index("</title>")]
    assert "<" not in title[len("<title>") :], title
    assert 'value="ankang-cup/review"' in page.text and 'value="skills-contest/' in page.text
    nobody = await site.get("/contests", headers=person("judge.city1"))
    assert 'action="/contests"' not in nobody.text  # a judge opens no round
    before = world.events()
    bad = await site.post(
        "/contests",
        headers=person("sun.lihua"),
        data=form(**{**OPENING, "registration_closes": "4/30"}),
    )
    assert bad.status_code == 422 and "不是日期" in bad.text and world.events() == before
    wrong = await site.post(
        "/contests",
        headers=person("sun.lihua"),
        data=form(**{**OPENING, "definition": "nowhere/x"}),
    )
    assert wrong.status_code in (404, 422) and world.events() == before
    refused = await site.post("/contests", headers=person("judge.city1"), data=form(**OPENING))
    assert refused.status_code == 403 and world.events() == before
    fields = {"csrf_token": "t", "command_id": command_id(page.text, "/contests"), **OPENING}
    opened = await site.post("/contests", headers=person("sun.lihua"), data=fields)
    assert opened.status_code == 303
    assert opened.headers["location"] == "/contests/ankang-web?done=opened"
    after = world.events()
    again = await site.post("/contests", headers=person("sun.lihua"), data=fields)
    assert again.status_code == 303 and world.events() == after  # a double submit: once
    r = world.contests.round("ankang-web")
    assert (r.phase, r.title, r.organiser_org) == (
        Phase.REGISTRATION,
        "2027年“安康杯”竞赛（网页）",
        "dl-city",
    )
    shown = await site.get(opened.headers["location"], headers=person("sun.lihua"))
    assert (
        "开始报名" in shown.text
        and step_action(shown.text) == "/contests/ankang-web/steps/close_registration"
    )


async def test_the_dashboard_takes_the_organisers_steps_in_order(site, world):
    key = registered(world)  # the bearing works and the seed company self-assessed
    url = f"/contests/{key}"
    page = await site.get(url, headers=person("sun.lihua"))
    close = f"{url}/steps/close_registration"
    assert step_action(page.text) == close
    entrant = await site.get(url, headers=person("wang.li"))
    assert entrant.status_code == 200 and step_action(entrant.text) is None
    before = world.events()
    forged = await site.post(close, headers=person("wang.li"), data=form())
    assert forged.status_code == 403 and world.events() == before
    early = await site.post(f"{url}/steps/rank", headers=person("sun.lihua"), data=form())
    assert (early.status_code == 409 and "registration" in early.text) or "阶段" in early.text
    assert world.events() == before
    fields = {"csrf_token": "t", "command_id": command_id(page.text, close)}
    done = await site.post(close, headers=person("sun.lihua"), data=fields)
    assert done.status_code == 303 and done.headers["location"] == f"{url}?done=close_registration"
    after = world.events()
    again = await site.post(close, headers=person("sun.lihua"), data=fields)
    assert again.status_code == 303 and world.events() == after
    page = await site.get(done.headers["location"], headers=person("sun.lihua"))
    assert "报名已截止" in page.text and step_action(page.text) == f"{url}/steps/start_judging"
    judged = await site.post(f"{url}/steps/start_judging", headers=person("sun.lihua"), data=form())
    assert judged.status_code == 303 and world.contests.round(key).phase is Phase.JUDGING
    page = await site.get(url, headers=person("sun.lihua"))
    assert step_action(page.text) == f"{url}/steps/rank"
    world.contests.assign_pool("sun.lihua", key, POOL)
    score_all(world, key, {"dl-bearing": [0.97] * 5, "dl-seed": [0.96] * 5})
    ranked = await site.post(f"{url}/steps/rank", headers=person("sun.lihua"), data=form())
    assert ranked.status_code == 303 and world.contests.round(key).phase is Phase.RANKED
    page = await site.get(ranked.headers["location"], headers=person("sun.lihua"))
    assert "排名已计算并发布" in page.text and step_action(page.text) == f"{url}/notice"
    posted = await site.post(f"{url}/notice", headers=person("sun.lihua"), data=form())
    assert posted.status_code == 303 and world.contests.round(key).phase is Phase.NOTICE
    page = await site.get(url, headers=person("sun.lihua"))
    assert step_action(page.text) == f"{url}/notice/close"
    world.clock.now = datetime(2027, 3, 8, 9, tzinfo=CHINA_TZ)
    closed = await site.post(f"{url}/notice/close", headers=person("sun.lihua"), data=form())
    assert closed.status_code == 303 and world.contests.round(key).phase is Phase.CLOSED
    page = await site.get(url, headers=person("sun.lihua"))
    assert step_action(page.text) is None  # nothing left to do


async def test_a_step_without_the_sessions_csrf_token_is_refused_and_writes_nothing(
    app, signed_in_client, world
):
    key = open_ankang(world)
    world.contests.register(
        "wang.li", key, Registration(entrant="dl-bearing", category="enterprise")
    )
    world.contests.self_assess("wang.li", f"{key}:dl-bearing", full(ANKANG, 0.92))
    sun = await signed_in_client("sun.lihua")
    before = world.events()
    del sun.headers["X-CSRF-Token"]
    forged = await sun.post(
        f"/contests/{key}/steps/close_registration",
        data={"command_id": "c1"},
        headers={"accept": "text/html"},
    )
    assert forged.status_code == 403 and "CSRF" in forged.text and world.events() == before
    opened = await sun.post(
        "/contests", data={"command_id": "c2", **OPENING}, headers={"accept": "text/html"}
    )
    assert opened.status_code == 403 and world.events() == before
