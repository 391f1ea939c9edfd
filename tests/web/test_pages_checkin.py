"""A delegate's one-time check-in code (签到码) and QR code, redeemed at the door by the desk:
once, before it expires, for its own session only, by a cadre of the unit only."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from application.checkin_codes import MAX_WRONG, CheckInCodes, LocalCheckInCodeStore
from bootstrap import App
from domain.session import check_in_id
from interfaces.web.context import WebContext
from settings import Settings
from tests.web.conftest import Clock
from tests.web.congress_floor import CHAIR, open_session, roster_ids
from tests.web.signin_stub import htmx, page, settings_on, web_app

CODE = re.compile(r"data-checkin-code>([A-Z0-9]{4}-[A-Z0-9]{4})<")


@pytest.fixture
def settings(tmp_path: Path, task_queue: str) -> Settings:
    return settings_on(tmp_path, task_queue)


@pytest.fixture
def codes(app: App, clock: Clock) -> CheckInCodes:
    store = LocalCheckInCodeStore(app.settings.checkin_codes_path)
    return CheckInCodes(app.polls, app.congresses, store, seconds=300, clock=clock)


@pytest.fixture
async def web(app, time_skipping_env, running_worker, codes) -> AsyncIterator[httpx.AsyncClient]:
    context = WebContext(app, _client=time_skipping_env.client, _checkin_codes=codes)
    asgi = web_app(app, context)
    async with asgi.router.lifespan_context(asgi):
        transport = httpx.ASGITransport(app=asgi)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client
    codes.close()


async def code_of(web: httpx.AsyncClient, sid: str, delegate: str) -> str:
    shown = await web.get(f"/sessions/{sid}/checkin", headers=page(delegate))
    assert shown.status_code == 200 and shown.headers["cache-control"] == "no-store"
    found = CODE.search(shown.text)
    assert found, shown.text
    return found[1]


async def at_door(web: httpx.AsyncClient, sid: str, code: str, clerk: str = CHAIR):
    return await web.post(
        f"/sessions/{sid}/door/code", data={"code": code, "csrf_token": "t"}, headers=htmx(clerk)
    )


def check_ins(app: App, sid: str) -> int:
    return app.polls.present(sid)


async def test_a_delegates_code_checks_them_in_once_as_the_desks_act(
    app: App, time_skipping_env, web
):
    sid = await open_session(app, time_skipping_env, "code")
    delegate = roster_ids()[0]
    vote = await web.get(f"/sessions/{sid}/vote", headers=page(delegate))
    assert f'hx-get="/sessions/{sid}/checkin"' in vote.text and "出示我的签到码" in vote.text
    english = await web.get(f"/sessions/{sid}/checkin?lang=en", headers=page(delegate))
    assert "My check-in code" in english.text and "Usable once, valid until" in english.text
    shown = await web.get(f"/sessions/{sid}/checkin?lang=zh", headers=page(delegate))
    assert '<svg role="img" aria-label="签到二维码"' in shown.text
    code = CODE.search(shown.text)[1]
    # Only the code's hash is kept, in the data directory's check-in code store.
    for stored in app.settings.data_dir.rglob("*"):
        if stored.is_file():
            body = stored.read_bytes()
            assert code.encode() not in body and code.replace("-", "").encode() not in body
    # The QR code holds the door page with the code; that address fills the desk's field.
    door = await web.get(f"/sessions/{sid}/door", params={"code": code}, headers=page(CHAIR))
    assert f'name="code" value="{code}"' in door.text
    # While the code waits, the phone's poll changes nothing.
    waiting = await web.get(f"/sessions/{sid}/checkin/status", headers=htmx(delegate))
    assert waiting.status_code == 204

    scanned = f"http://127.0.0.1:8000/sessions/{sid}/door?code={code}"
    done = await at_door(web, sid, scanned)
    assert done.status_code == 200 and "已签到 1 / 应到 30" in done.text
    assert "✓" in done.text and delegate in done.text
    assert app.polls.is_checked_in(sid, delegate)
    # The same code again is refused and checks nobody in.
    again = await at_door(web, sid, code.lower().replace("-", ""))
    assert again.status_code == 422 and "已使用过" in again.text
    assert check_ins(app, sid) == 1
    # The phone learns it is checked in and reloads to show the ballots.
    status = await web.get(f"/sessions/{sid}/checkin/status", headers=htmx(delegate))
    assert status.headers.get("hx-refresh") == "true" and "您已签到" in status.text
    page_now = await web.get(f"/sessions/{sid}/checkin", headers=page(delegate))
    assert "您已签到" in page_now.text and not CODE.search(page_now.text)


async def test_the_check_in_by_code_is_recorded_as_the_desks_act_through_the_web(
    app: App, time_skipping_env, web
):
    sid = await open_session(app, time_skipping_env, "desk")
    delegate = roster_ids()[1]
    code = await code_of(web, sid, delegate)
    assert (await at_door(web, sid, code)).status_code == 200
    stamp = app.ledger.stream(check_in_id(sid, delegate))[0].actor
    assert stamp["id"] == CHAIR and stamp["role"] == "cadre" and stamp["channel"] == "web"


async def test_an_expired_a_wrong_or_a_replaced_code_is_refused_and_changes_nothing(
    app: App, time_skipping_env, web, clock: Clock
):
    sid = await open_session(app, time_skipping_env, "expiry")
    first, second = roster_ids()[:2]
    old = await code_of(web, sid, first)
    clock.advance(seconds=301)
    expired = await at_door(web, sid, old)
    assert expired.status_code == 422 and "已过期" in expired.text
    # The phone's poll shows a new code once the last one expired.
    renewed = await web.get(f"/sessions/{sid}/checkin/status", headers=htmx(first))
    assert renewed.status_code == 200
    fresh = CODE.search(renewed.text)[1]
    assert fresh != old
    wrong = await at_door(web, sid, "2345-6789")
    assert wrong.status_code == 422 and "签到码不正确" in wrong.text
    # Opening the page again replaces the code: the one shown before stops working.
    replaced = await code_of(web, sid, second)
    await code_of(web, sid, second)
    assert (await at_door(web, sid, replaced)).status_code == 422
    assert check_ins(app, sid) == 0
    assert (await at_door(web, sid, fresh)).status_code == 200
    assert check_ins(app, sid) == 1


async def test_a_code_of_another_session_or_redeemed_by_a_non_cadre_checks_nobody_in(
    app: App, time_skipping_env, web, codes: CheckInCodes, clock: Clock
):
    sid = await open_session(app, time_skipping_env, "one")
    delegate, neighbour = roster_ids()[:2]
    # A code the delegate was shown for another session (an earlier one, say) of the unit.
    earlier = codes.store.issue("dl-bearing-one:earlier", delegate, clock() + timedelta(minutes=5))
    elsewhere = await at_door(web, sid, earlier)
    assert elsewhere.status_code == 422 and "不是本次会议的" in elsewhere.text
    code = await code_of(web, sid, delegate)
    # A delegate cannot redeem a code, even one they hold: the code is not used up.
    by_delegate = await at_door(web, sid, code, clerk=neighbour)
    assert by_delegate.status_code == 403 and "工会干部" in by_delegate.text
    assert check_ins(app, sid) == 0
    assert (await at_door(web, sid, code)).status_code == 200
    assert app.polls.is_checked_in(sid, delegate)
    assert not app.polls.is_checked_in(sid, neighbour)
    # Someone who is not a delegate of the congress gets no code.
    outsider = await web.get(f"/sessions/{sid}/checkin", headers=page("chen.jing"))
    assert "不是本届职代会代表" in outsider.text and not CODE.search(outsider.text)


async def test_guessing_codes_pauses_the_desks_code_entry(
    app: App, time_skipping_env, web, clock: Clock
):
    sid = await open_session(app, time_skipping_env, "guess")
    code = await code_of(web, sid, roster_ids()[0])
    for n in range(MAX_WRONG):
        guess = await at_door(web, sid, f"{n + 2}{n + 2}{n + 2}{n + 2}-AAAA")
        assert guess.status_code == 422
    paused = await at_door(web, sid, code)
    assert paused.status_code == 403 and "秒后再试" in paused.text
    typed = await web.post(
        f"/sessions/{sid}/door",
        data={"delegates": roster_ids()[1], "csrf_token": "t"},
        headers=htmx(CHAIR),
    )
    assert typed.status_code == 200 and "已签到 1 / 应到 30" in typed.text
    clock.advance(seconds=61)
    assert (await at_door(web, sid, code)).status_code == 200
    assert check_ins(app, sid) == 2
