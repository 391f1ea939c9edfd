"""The operator's pages and the delegate's check-in code in Chromium, axe on each page:
the directory tree, an actor's account and a setup code shown once, the accounts, the rule
profiles and a year's calendar; a phone's code scanned at the door checks the delegate in."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from tests.browser.conftest import PHONE_CONTEXT, LiveStack, accessible, sign_in
from tests.web.congress_floor import CHAIR, open_session, roster_ids

DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}


def test_an_operator_reads_the_directory_and_issues_a_setup_code(live: LiveStack, browser: Browser):
    context = browser.new_context(**DESKTOP)
    sign_in(context, live, "ops.admin")
    page = context.new_page()
    page.goto(f"{live.url}/inbox")
    page.get_by_role("link", name="运维", exact=True).click()
    expect(page.get_by_role("heading", name="组织与人员名录")).to_be_visible()
    expect(page.locator("main")).to_contain_text("大连轴承制造有限公司工会")
    accessible(page, "operator-directory")

    page.get_by_role("link", name="何军（he.jun）").click()
    expect(page.locator("dd[data-state]")).to_have_text("未开通")
    page.get_by_role("button", name="签发设置码").click()
    code = page.locator("[data-setup-code]")
    expect(code).to_have_text(re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$"))
    expect(page.locator("main")).to_contain_text("请当面或经可信渠道交给本人")
    accessible(page, "operator-setup-code")

    page.goto(f"{live.url}/operator/accounts")
    expect(page.locator("tr[data-actor=he\\.jun]")).to_contain_text("待设置密码")
    accessible(page, "operator-accounts")
    page.goto(f"{live.url}/operator/profiles")
    expect(page.locator("#profile-liaoning")).to_contain_text("使用中")
    accessible(page, "operator-profiles")
    page.goto(f"{live.url}/operator/calendar")
    accessible(page, "operator-calendar-years")
    page.get_by_role("link", name="2026", exact=True).click()
    expect(page.locator("td[data-date='2026-10-01']")).to_contain_text("休")
    accessible(page, "operator-calendar")
    context.close()


def test_a_delegates_code_on_the_phone_is_scanned_at_the_door(live: LiveStack, browser: Browser):
    sid = live.run(lambda app, env: open_session(app, env, "qr"))
    delegate = roster_ids()[0]
    phone_context = browser.new_context(**PHONE_CONTEXT)
    sign_in(phone_context, live, delegate)
    phone = phone_context.new_page()
    phone.goto(f"{live.url}/sessions/{sid}/vote")
    shown = phone.locator("[data-checkin-code]")
    expect(shown).to_be_visible(timeout=5000)
    expect(phone.locator("#checkin-code svg[role=img]")).to_be_visible()
    accessible(phone, "congress-checkin-code")
    code = shown.inner_text()

    desk_context = browser.new_context(**DESKTOP)
    sign_in(desk_context, live, CHAIR)
    door = desk_context.new_page()
    door.goto(f"{live.url}/sessions/{sid}/door")
    box = door.locator("#checkin-code")
    # A USB scanner types what the QR code holds (the door's address with the code), then Enter.
    box.fill(f"{live.url}/sessions/{sid}/door?code={code}")
    box.press("Enter")
    expect(door.locator("#door-result")).to_contain_text("已签到 1 / 应到 30", timeout=5000)
    expect(door.locator("#door-result")).to_contain_text("已签到")
    expect(box).to_be_focused()
    expect(box).to_have_value("")
    accessible(door, "congress-door-code")
    # The same code again is refused, and says why.
    box.fill(code)
    box.press("Enter")
    expect(door.locator("#door-result")).to_contain_text("已使用过")
    # The phone notices the check-in and shows the ballots instead of the code.
    expect(phone.locator("#checkin-code")).to_have_count(0, timeout=10000)
    expect(phone.locator("main")).not_to_contain_text("请先到会场入口签到")
    phone_context.close()
    desk_context.close()
