"""The public ranking page with its notice: the organiser posts it; every signed-in person
files an objection to an entry (named with a contact, or anonymous and marked), once per
``command_id``; the organiser alone sees the objector and the finding forms, upholds (the
entry out, the ranking recomputed) or dismisses; the notice closes only after its last
day with none open. Refusals say why and write nothing."""

from __future__ import annotations

from datetime import datetime

from domain.actors import CHINA_TZ
from domain.contest.values import Phase
from tests.contest.web.test_pages_contest import command_id, ranked
from tests.web.pages_support import form, person


async def test_notice_objections_and_their_outcome_on_the_ranking_page(site, world):
    key = ranked(world)  # the bearing works ranks first; the seed company is vetoed
    url = f"/contests/{key}/ranking"
    public = await site.get(url, headers=person("sun.hao"))
    assert public.status_code == 200 and "已排名" in public.text
    assert f'action="/contests/{key}/notice"' not in public.text  # the organiser's button
    before = world.events()
    refused = await site.post(f"/contests/{key}/notice", headers=person("sun.hao"), data=form())
    assert refused.status_code == 403 and world.events() == before
    page = await site.get(url, headers=person("sun.lihua"))
    posted = await site.post(
        f"/contests/{key}/notice",
        headers=person("sun.lihua"),
        data={"csrf_token": "t", "command_id": command_id(page.text, f"/contests/{key}/notice")},
    )
    assert posted.status_code == 303 and posted.headers["location"] == f"{url}?done=notice"
    shown = await site.get(posted.headers["location"], headers=person("sun.hao"))
    assert "公示中" in shown.text and "排名公示已发布" in shown.text
    objections = f"/contests/{key}/notice/objections"
    entry = f"{key}:dl-bearing"
    before = world.events()
    unnamed = await site.post(
        objections,
        headers=person("sun.hao"),
        data=form(entry=entry, substance="瞒报工伤", name="孙浩"),
    )
    assert unnamed.status_code == 422 and "联系方式" in unnamed.text and world.events() == before
    fields = {
        "csrf_token": "t",
        "command_id": command_id(shown.text, objections),
        "entry": entry,
        "substance": "去年瞒报一起工伤事故",
        "anonymous": "1",
    }
    filed = await site.post(objections, headers=person("sun.hao"), data=fields)
    assert filed.status_code == 303 and filed.headers["location"] == f"{url}?done=filed"
    after = world.events()
    again = await site.post(objections, headers=person("sun.hao"), data=fields)
    assert again.status_code == 303 and world.events() == after  # a double submit: once
    named = await site.post(
        objections,
        headers=person("zhao.min"),
        data=form(entry=entry, substance="自评不实", name="赵敏", contact="13800000000"),
    )
    assert named.status_code == 303
    public = await site.get(url, headers=person("sun.hao"))
    assert "匿名" in public.text and "实名" in public.text and "13800000000" not in public.text
    assert f'action="{objections}/1"' not in public.text
    board = await site.get(url, headers=person("sun.lihua"))
    assert "赵敏（13800000000）" in board.text and f'action="{objections}/1"' in board.text
    close = f"/contests/{key}/notice/close"
    early = await site.post(close, headers=person("sun.lihua"), data=form())
    assert early.status_code == 409 and "尚未期满" in early.text
    before = world.events()
    nobody = await site.post(
        f"{objections}/1", headers=person("sun.hao"), data=form(outcome="upheld", findings="x")
    )
    assert nobody.status_code == 403 and world.events() == before
    choose = await site.post(
        f"{objections}/1", headers=person("sun.lihua"), data=form(findings="x")
    )
    assert choose.status_code == 422 and world.events() == before
    dismissed = await site.post(
        f"{objections}/2",
        headers=person("sun.lihua"),
        data=form(outcome="dismissed", findings="自评材料经核对无误"),
    )
    assert dismissed.status_code == 303
    upheld = await site.post(
        f"{objections}/1",
        headers=person("sun.lihua"),
        data=form(outcome="upheld", findings="经核查瞒报工伤属实"),
    )
    assert upheld.status_code == 303
    r = world.contests.round(key)
    assert r.ranking is not None
    row = next(x for x in r.ranking.rows if x.entry == entry)
    assert row.rank is None and row.award == "" and row.removed == "经核查瞒报工伤属实"
    public = await site.get(url, headers=person("sun.hao"))
    assert "异议成立，移出排名和奖项" in public.text and "自评材料经核对无误" in public.text
    assert r.ranking.inputs_hash in public.text
    world.clock.now = datetime(2027, 3, 20, 9, tzinfo=CHINA_TZ)
    closed = await site.post(close, headers=person("sun.lihua"), data=form())
    assert closed.status_code == 303
    assert world.contests.round(key).phase is Phase.CLOSED
    done = await site.get(closed.headers["location"], headers=person("sun.hao"))
    assert "公示已结束" in done.text and f'action="{objections}"' not in done.text


async def test_the_organisers_inbox_follows_the_notice_and_links_to_the_ranking_page(site, world):
    from application.contest_notice import ContestNotices
    from domain.award.commands import FileObjection

    key = ranked(world)
    url = f"/contests/{key}/ranking"

    async def todo() -> list[tuple[str, str]]:
        got = await site.get("/api/v1/inbox", headers=person("sun.lihua", {}))
        assert got.status_code == 200, got.text
        return [(i["todo_en"], i["url"]) for i in got.json()["items"] if i["process"] == "contest"]

    assert await todo() == [("post the ranking's notice", url)]
    notices = ContestNotices(world.app.contests, world.app.calendar)
    notices.post("sun.lihua", key, now=world.clock())
    assert await todo() == [("close the notice", url)]
    notices.file_objection(
        "sun.hao", key, f"{key}:dl-bearing", FileObjection(substance="瞒报工伤", anonymous=True),
        now=world.clock(),
    )  # fmt: skip
    assert await todo() == [("investigate an objection", url)]
    assert (await site.get(url, headers=person("sun.lihua"))).status_code == 200
