"""The congress in Chromium: 30 delegates vote on phones, the chair's screen follows the
hall live, the door checks a delegate in within a second; axe on every page."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from tests.browser.conftest import PHONE_CONTEXT, LiveStack, accessible, sign_in
from tests.web.congress_floor import CHAIR, open_session, roster_ids


def _session(live: LiveStack, label: str) -> str:
    return live.run(lambda app, env: open_session(app, env, label))


def test_thirty_delegates_vote_on_their_phones_and_check_their_receipts(
    live: LiveStack, browser: Browser
):
    sid = _session(live, "phones")
    delegates = roster_ids()
    with live.api(CHAIR) as chair:
        lines = chair.post(f"/api/v1/sessions/{sid}/check-ins", json={"delegates": delegates})
        assert lines.json()["attendance"]["present"] == 30
        opened = chair.post(
            f"/sessions/{sid}/items/1/open", data={"command_id": "open-1", "csrf_token": "t"}
        )
        assert opened.status_code in (200, 303)

    receipts: dict[str, str] = {}
    # Three delegates vote in the browser on a phone's screen; the others through the API.
    for i, delegate in enumerate(delegates[:3]):
        context = browser.new_context(**PHONE_CONTEXT)
        sign_in(context, live, delegate)
        phone = context.new_page()
        phone.goto(f"{live.url}/sessions/{sid}/vote")
        if i == 0:
            accessible(phone, "congress-vote-phone")
        ballot = phone.locator("#ballot-1")
        ballot.get_by_label("赞成").check()
        ballot.get_by_role("button", name="投票").click()
        receipt = phone.locator("[data-receipt]")
        expect(receipt).to_be_visible(timeout=5000)
        receipts[delegate] = receipt.inner_text()
        if i == 0:
            accessible(phone, "congress-receipt-phone")
        context.close()
    for delegate in delegates[3:]:
        with live.api(delegate) as api:
            cast = api.post(f"/api/v1/sessions/{sid}/items/1/ballots", json={"choices": ["yes"]})
            assert cast.status_code == 201, cast.text
            receipts[delegate] = cast.json()["receipt"]

    # The roll is complete: the poll closes and is counted by itself; every receipt is in.
    context = browser.new_context(**PHONE_CONTEXT)
    sign_in(context, live, delegates[0])
    phone = context.new_page()
    phone.goto(f"{live.url}/sessions/{sid}/vote")
    expect(phone.locator("#ballot-1")).to_contain_text("已计票", timeout=15000)
    phone.get_by_role("link", name="用回执码核验我的选票").click()
    phone.get_by_label("回执码").fill(receipts[delegates[0]])
    phone.get_by_role("button", name="核验").click()
    expect(phone.locator("[data-counted=yes]")).to_contain_text("已计入（共 30 张选票）")
    accessible(phone, "congress-verify-phone")
    context.close()
    for delegate, receipt in receipts.items():
        with live.api(delegate) as api:
            check = api.get(f"/api/v1/sessions/{sid}/items/1/receipts/{receipt}").json()
            assert check["counted"] is True, delegate


def test_the_chair_screen_follows_the_hall_and_the_door_checks_in_within_a_second(
    live: LiveStack, browser: Browser
):
    sid = _session(live, "chair")
    delegates = roster_ids()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    sign_in(context, live, CHAIR)
    screen = context.new_page()
    screen.goto(f"{live.url}/sessions/{sid}")
    figure = screen.locator("#attendance .figure")
    expect(figure).to_have_text("已签到 0 / 应到 30")
    with live.api(CHAIR) as chair:
        chair.post(f"/api/v1/sessions/{sid}/check-ins", json={"delegates": delegates[:21]})
    # htmx polls every 2 s: the screen shows the hall without a reload.
    expect(figure).to_have_text("已签到 21 / 应到 30", timeout=5000)
    expect(screen.locator("#attendance")).to_contain_text("已达到")
    accessible(screen, "congress-session-chair")
    screen.locator("#item-1").get_by_role("button", name="开始表决").click()
    expect(screen.locator("#item-1")).to_contain_text("表决中")
    expect(screen.locator("#attendance")).to_contain_text(
        re.compile(r"已投票 0 / 到会 21"), timeout=5000
    )

    door = context.new_page()
    door.goto(f"{live.url}/sessions/{sid}/door")
    accessible(door, "congress-door")
    box = door.get_by_label("代表编号")
    box.fill(delegates[21])
    box.press("Enter")
    expect(door.locator("#door-result")).to_contain_text("已签到 22 / 应到 30", timeout=1000)
    expect(box).to_be_focused()
    expect(figure).to_have_text("已签到 22 / 应到 30", timeout=5000)

    results = context.new_page()
    results.goto(f"{live.url}/sessions/{sid}/results")
    accessible(results, "congress-results")
    context.close()
