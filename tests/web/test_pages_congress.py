"""The congress in session through the web: the chair's screen, the door, phones voting,
receipts, tellers. Signed in through the test-only stub (``signin_stub``)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from urllib.parse import quote

import pytest

from settings import Settings
from tests.web.congress_floor import CHAIR, open_session, receipt_in, roster_ids
from tests.web.signin_stub import as_actor, htmx, page, settings_on, web_client

REVIEWER = "chen.jing"  # in the directory, not a delegate


@pytest.fixture
def settings(tmp_path: Path, task_queue: str) -> Settings:
    return settings_on(tmp_path, task_queue)


@pytest.fixture
async def web(app, time_skipping_env, running_worker):
    async with web_client(app, time_skipping_env.client) as client:
        yield client


async def _open_poll(web, sid: str, no: int, **form: str) -> None:
    posted = await web.post(
        f"/sessions/{sid}/items/{no}/open",
        data={"csrf_token": "t", "command_id": f"open-{no}", **form},
        headers=page(CHAIR),
    )
    assert posted.status_code == 303, posted.text


async def _state(web, sid: str) -> dict:
    got = await web.get(f"/api/v1/sessions/{sid}", headers=as_actor(CHAIR))
    assert got.status_code == 200, got.text
    return got.json()


async def _wait_item(web, sid: str, no: int, stage: str) -> dict:
    for _ in range(200):
        item = (await _state(web, sid))["items"][no - 1]
        if item["stage"] == stage:
            return item
        await asyncio.sleep(0.05)
    raise AssertionError(f"item {no} never reached {stage}")


async def test_thirty_delegates_check_in_and_vote_and_every_receipt_is_counted(
    app, time_skipping_env, web
):
    sid = await open_session(app, time_skipping_env)
    delegates = roster_ids()
    assert len(delegates) == 30

    # The door: the clerk (the unit's cadre) checks ten in from the signed sheet ...
    door = await web.post(
        f"/sessions/{sid}/door",
        data={"delegates": "\n".join(delegates[:10]), "csrf_token": "t"},
        headers=htmx(CHAIR),
    )
    assert door.status_code == 200 and "已签到 10 / 应到 30" in door.text
    # ... and the chair's screen shows it, short of the quorum of 20.
    live = await web.get(f"/sessions/{sid}/attendance", headers=htmx(CHAIR))
    assert "已签到 10 / 应到 30" in live.text and "还差 10 名" in live.text
    # A delegate cannot vote before an item is open, nor check others in.
    refused = await web.post(
        f"/api/v1/sessions/{sid}/check-ins",
        json={"delegates": [delegates[11]]},
        headers=as_actor(delegates[10]),
    )
    assert refused.status_code == 403 and refused.json()["reason_zh"]
    # ... the other twenty check themselves in through the API (as ``congress check-in``).
    for d in delegates[10:]:
        got = await web.post(f"/api/v1/sessions/{sid}/check-ins", json={}, headers=as_actor(d))
        assert got.status_code == 200 and got.json()["lines"][0]["new"] is True
    live = await web.get(f"/sessions/{sid}/attendance", headers=htmx(CHAIR))
    assert "已签到 30 / 应到 30" in live.text and "已达到" in live.text

    await _open_poll(web, sid, 1)
    # A delegate's inbox leads to the ballot page, not to a timeline.
    inbox = await web.get("/inbox", headers=page(delegates[0]))
    assert f'href="/sessions/{quote(sid)}/vote"' in inbox.text, inbox.text
    # Someone who is not a delegate sees why and is refused.
    outsider = await web.get(f"/sessions/{sid}/vote", headers=page(REVIEWER))
    assert "不是本届职代会代表" in outsider.text
    cast = await web.post(
        f"/api/v1/sessions/{sid}/items/1/ballots",
        json={"choices": ["yes"]},
        headers=as_actor(REVIEWER),
    )
    assert cast.status_code in (403, 404) and cast.json()["reason_en"]

    receipts: dict[str, str] = {}
    for i, d in enumerate(delegates[:15]):  # on their phones
        ballot = await web.get(f"/sessions/{sid}/vote", headers=page(d))
        assert 'name="choice" value="yes"' in ballot.text
        voted = await web.post(
            f"/sessions/{sid}/items/1/vote",
            data={"choice": "yes" if i < 12 else "no", "csrf_token": "t"},
            headers=htmx(d),
        )
        assert voted.status_code == 200 and voted.headers["cache-control"] == "no-store"
        receipts[d] = receipt_in(voted.text)
    again = await web.post(
        f"/sessions/{sid}/items/1/vote",
        data={"choice": "no", "csrf_token": "t"},
        headers=htmx(delegates[0]),
    )
    assert again.status_code == 409 and "已经投过票" in again.text
    for i, d in enumerate(delegates[15:]):  # through the API
        got = await web.post(
            f"/api/v1/sessions/{sid}/items/1/ballots",
            json={"choices": ["yes" if i < 10 else "abstain"]},
            headers=as_actor(d),
        )
        assert got.status_code == 201, got.text
        receipts[d] = got.json()["receipt"]
    twice = await web.post(
        f"/api/v1/sessions/{sid}/items/1/ballots",
        json={"choices": ["no"]},
        headers=as_actor(delegates[-1]),
    )
    assert twice.status_code == 409
    assert twice.headers["content-type"].startswith("application/problem+json")
    assert "already voted" in twice.json()["reason_en"]

    # The last ballot completed the roll: the poll closes and is tallied by itself.
    item = await _wait_item(web, sid, 1, "tallied")
    assert item["outcome"].startswith("通过") and "赞成 22 票" in item["outcome"]
    assert len(set(receipts.values())) == 30
    for d, receipt in receipts.items():
        checked = await web.get(
            f"/api/v1/sessions/{sid}/items/1/receipts/{receipt}", headers=as_actor(d)
        )
        assert checked.status_code == 200 and checked.json()["counted"] is True, d
    shown = await web.get(
        f"/sessions/{sid}/items/1/verify",
        params={"receipt": receipts[delegates[0]].lower()},
        headers=page(delegates[0]),
    )
    assert 'data-counted="yes"' in shown.text and "已计入（共 30 张选票）" in shown.text
    unknown = await web.get(
        f"/api/v1/sessions/{sid}/items/1/receipts/AAAA-BBBB-CC", headers=as_actor(CHAIR)
    )
    assert unknown.json()["counted"] is False
    ballots = await web.get(f"/sessions/{sid}/items/1/ballots", headers=page(CHAIR))
    assert "✓" in ballots.text and "回执码 30 个，选票 30 张" in ballots.text
    results = await web.get(f"/sessions/{sid}/results", headers=page(CHAIR))
    assert "赞成 22 票，反对 3 票，弃权 5 票" in results.text


async def test_the_chair_screen_shows_live_attendance_and_the_chair_buttons_only_to_the_chair(
    app, time_skipping_env, web
):
    sid = await open_session(app, time_skipping_env, "screen")
    delegates = roster_ids()
    for d in delegates[:21]:
        await web.post(f"/api/v1/sessions/{sid}/check-ins", json={}, headers=as_actor(d))
    screen = await web.get(f"/sessions/{sid}", headers=page(CHAIR))
    assert screen.status_code == 200
    live = re.search(r'<section id="attendance"[^>]*>', screen.text)
    assert live and 'hx-trigger="every 2s"' in live[0]
    assert f'hx-get="/sessions/{sid}/attendance"' in live[0]
    assert "已签到 21 / 应到 30" in screen.text
    assert "法定人数：全体代表的三分之二，20 名，已达到" in screen.text
    assert screen.text.count("开始表决") == 4 and "闭幕" in screen.text
    english = await web.get(f"/sessions/{sid}?lang=en", headers=page(CHAIR))
    assert "checked in 21 / expected 30" in english.text and "Open the vote" in english.text
    assert "quorum: 2/3 of all delegates, 20 — reached" in english.text
    seen_by_delegate = await web.get(f"/sessions/{sid}?lang=zh", headers=page(delegates[0]))
    assert (
        "开始表决" not in seen_by_delegate.text and "已签到 21 / 应到 30" in seen_by_delegate.text
    )

    await _open_poll(web, sid, 2)
    await web.post(
        f"/sessions/{sid}/items/2/vote",
        data={"choice": "dlb-d01", "csrf_token": "t"},
        headers=htmx(delegates[0]),
    )
    live = await web.get(f"/sessions/{sid}/attendance", headers=htmx(CHAIR))
    assert "已投票 1 / 到会 21" in live.text
    # A delegate's chair step is refused with the domain's reason, as a page.
    refused = await web.post(
        f"/sessions/{sid}/items/2/close",
        data={"command_id": "c1", "csrf_token": "t"},
        headers=page(delegates[0]),
    )
    assert refused.status_code == 403 and "工会干部" in refused.text
    # The chair's close, posted twice with the form's command id, applies once.
    for _ in range(2):
        closed = await web.post(
            f"/sessions/{sid}/items/2/close",
            data={"command_id": "close-2", "csrf_token": "t"},
            headers=page(CHAIR),
        )
        assert closed.status_code == 303
    item = await _wait_item(web, sid, 2, "tallied")
    assert "张秀英" in item["outcome"]


async def test_a_paper_item_is_counted_by_each_teller_and_stands_when_both_agree(
    app, time_skipping_env, web
):
    sid = await open_session(app, time_skipping_env, "paper")
    delegates = roster_ids()
    await web.post(
        f"/sessions/{sid}/door",
        data={"delegates": ",".join(delegates[:25]), "csrf_token": "t"},
        headers=htmx(CHAIR),
    )
    teller_1, teller_2 = delegates[0], delegates[1]
    await _open_poll(web, sid, 4, paper="true", teller_1=teller_1, teller_2=teller_2)
    phone = await web.get(f"/sessions/{sid}/vote", headers=page(delegates[2]))
    assert "本项使用纸质选票" in phone.text
    closed = await web.post(
        f"/sessions/{sid}/items/4/close",
        data={"command_id": "close-4", "csrf_token": "t"},
        headers=page(CHAIR),
    )
    assert closed.status_code == 303

    form = await web.get(f"/sessions/{sid}/items/4/count", headers=page(teller_1))
    assert 'name="count:yes"' in form.text and 'name="ballots"' in form.text
    count = {"count:yes": "18", "count:no": "4", "count:abstain": "3", "ballots": "25"}
    not_a_teller = await web.post(
        f"/sessions/{sid}/items/4/count",
        data={**count, "command_id": "x", "csrf_token": "t"},
        headers=page(delegates[2]),
    )
    assert not_a_teller.status_code == 403 and "不是本项的监票人或计票人" in not_a_teller.text
    for teller in (teller_1, teller_2):
        entered = await web.post(
            f"/sessions/{sid}/items/4/count",
            data={**count, "command_id": f"count-{teller}", "csrf_token": "t"},
            headers=page(teller),
        )
        assert entered.status_code == 303, entered.text
    item = await _wait_item(web, sid, 4, "tallied")
    assert item["outcome"].startswith("通过") and "赞成 18 票" in item["outcome"]
    shown = await web.get(f"/sessions/{sid}/items/4/count", headers=page(teller_2))
    assert "已录入 2/2" in shown.text
