"""The pages the user guides (docs/使用手册/) show and no other browser test saves: the
setup and account pages, the case list and a cadre's case page, a record's timeline (now
and at an instant), the audit page, the tellers' paper count (entered, disagreeing,
agreed), the published ballots and the receipt check, the motions list and form. Each
person signs in through the real login page; axe on every page, each saved as a
screenshot (``var/screenshots/guide-*.png``)."""

from __future__ import annotations

import time
from datetime import timedelta
from urllib.parse import quote

import pyotp
from playwright.sync_api import Browser, Page, expect

from application.accounts import AccountService
from tests.browser.conftest import PHONE_CONTEXT, LiveStack, accessible
from tests.congress.workflow.test_session_workflow import congress_with_roster, today
from tests.wage_contract.helpers import CADRE, offer, to_review
from tests.web.conftest import PASSWORD, create_account
from tests.web.congress_floor import CHAIR, open_session, roster_ids

AUDITOR = "zhou.yan"
TELLERS = ("dlb-d28", "dlb-d29")
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}


def _accounts(live: LiveStack, *actors: str) -> dict[str, str | None]:
    """Accounts set up as an operator would; the TOTP secret of each that needs one."""

    async def make(app, env) -> dict[str, str | None]:
        accounts = AccountService(app.ledger, app.directory, app.settings)
        return {a: create_account(accounts, a) for a in actors}

    return live.run(make)


def _log_in(page: Page, live: LiveStack, actor: str, secret: str | None) -> None:
    page.goto(f"{live.url}/login")
    page.get_by_label("账号（人员编号）").fill(actor)
    page.get_by_label("密码").fill(PASSWORD)
    if secret:
        page.get_by_label("动态口令（已绑定验证器应用时填写）").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="登录").click()
    expect(page.locator("header .who")).to_contain_text(actor)


def _until(page: Page, url: str, selector: str, seconds: float = 20) -> None:
    """Reload ``url`` until ``selector`` is on it (a workflow's step lands a moment later)."""
    deadline = time.monotonic() + seconds
    while True:
        page.goto(url)
        if page.locator(selector).count() or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    expect(page.locator(selector).first).to_be_visible()


def test_a_cadre_sets_up_an_account_and_works_the_cases(live: LiveStack, browser: Browser):
    secrets = _accounts(live, CADRE)

    async def cases(app, env) -> None:
        svc = app.facades(env.client).wage_contracts
        await to_review(svc)
        await svc.open(CADRE, offer("WC-2"))

    live.run(cases)
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    page.goto(f"{live.url}/setup?actor=li.wei")
    expect(page.get_by_role("button", name="设置密码")).to_be_visible()
    accessible(page, "guide-setup")
    _log_in(page, live, CADRE, secrets[CADRE])
    page.goto(f"{live.url}/account")
    expect(page.get_by_role("heading", name="修改密码")).to_be_visible()
    accessible(page, "guide-account")
    page.goto(f"{live.url}/inbox")
    accessible(page, "guide-inbox-cadre")
    page.goto(f"{live.url}/cases")
    expect(page.get_by_role("link", name="WC-2")).to_be_visible()
    accessible(page, "guide-cases")
    page.goto(f"{live.url}/cases/WC-2")
    expect(page.get_by_role("button", name="登记书面回应")).to_be_visible()
    accessible(page, "guide-case-cadre")
    context.close()


def test_an_auditor_reads_a_timeline_at_an_instant_and_the_seals(live: LiveStack, browser: Browser):
    secrets = _accounts(live, AUDITOR)
    live.run(lambda app, env: to_review(app.facades(env.client).wage_contracts))

    async def seal(app, env) -> None:
        app.audit().seal("before the audit")

    live.run(seal)
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    _log_in(page, live, AUDITOR, secrets[AUDITOR])
    page.goto(f"{live.url}/records/WC-1")
    expect(page.get_by_role("heading", name="事件（6）")).to_be_visible()
    accessible(page, "guide-timeline")
    third = page.locator("table.timeline time").nth(2).get_attribute("datetime")
    assert third
    page.goto(f"{live.url}/records/WC-1?kind=case&at={quote(third)}")
    expect(page.get_by_role("link", name="回到现在")).to_be_visible()
    accessible(page, "guide-timeline-at")
    page.goto(f"{live.url}/audit")
    expect(page.get_by_role("button", name="校验整个账本")).to_be_visible()
    accessible(page, "guide-audit")
    page.get_by_role("button", name="校验整个账本").click()
    expect(page.get_by_role("status").first).to_contain_text("账本完整")
    accessible(page, "guide-audit-ok")
    context.close()


def _count(page: Page, counts: dict[str, int], ballots: int) -> None:
    form = page.locator("form[action$='/count']")
    for label, n in counts.items():
        form.get_by_label(label, exact=True).fill(str(n))
    form.get_by_label("收回选票张数").fill(str(ballots))
    form.get_by_role("button", name="录入").click()


def test_two_tellers_enter_a_paper_count_disagree_then_agree(live: LiveStack, browser: Browser):
    sid = live.run(lambda app, env: open_session(app, env, "paper"))
    secrets = _accounts(live, *TELLERS)
    with live.api(CHAIR) as chair:
        chair.post(f"/api/v1/sessions/{sid}/check-ins", json={"delegates": roster_ids()})
        form = {"csrf_token": "t", "paper": "true", "teller_1": TELLERS[0]}
        form |= {"teller_2": TELLERS[1], "command_id": "open-4"}
        assert chair.post(f"/sessions/{sid}/items/4/open", data=form).status_code in (200, 303)
        closing = {"csrf_token": "t", "command_id": "close-4"}
        assert chair.post(f"/sessions/{sid}/items/4/close", data=closing).status_code in (200, 303)
    url = f"{live.url}/sessions/{sid}/items/4/count"

    first = browser.new_context(**PHONE_CONTEXT)
    page = first.new_page()
    _log_in(page, live, TELLERS[0], secrets[TELLERS[0]])
    _until(page, url, "form[action$='/count']")
    accessible(page, "guide-count")
    _count(page, {"赞成": 20, "反对": 6, "弃权": 3}, 30)

    second = browser.new_context(**PHONE_CONTEXT)
    other = second.new_page()
    _log_in(other, live, TELLERS[1], secrets[TELLERS[1]])
    other.goto(url)
    _count(other, {"赞成": 19, "反对": 7, "弃权": 3}, 30)
    expect(other.get_by_role("alert")).to_contain_text("两名计票人结果不一致")
    accessible(other, "guide-count-mismatch")
    _count(other, {"赞成": 20, "反对": 6, "弃权": 3}, 30)
    _until(other, url, "text=结果")
    accessible(other, "guide-count-agreed")
    first.close()
    second.close()


def test_a_delegate_recounts_the_published_ballots_and_checks_a_receipt(
    live: LiveStack, browser: Browser
):
    sid = live.run(lambda app, env: open_session(app, env, "ballots"))
    delegates = roster_ids()
    secrets = _accounts(live, delegates[0])
    receipts = {}
    with live.api(CHAIR) as chair:
        chair.post(f"/api/v1/sessions/{sid}/check-ins", json={"delegates": delegates})
        opening = {"csrf_token": "t", "command_id": "open-1"}
        assert chair.post(f"/sessions/{sid}/items/1/open", data=opening).status_code in (200, 303)
    for i, delegate in enumerate(delegates):
        with live.api(delegate) as api:
            choice = "no" if i % 7 == 0 else "yes"
            cast = api.post(f"/api/v1/sessions/{sid}/items/1/ballots", json={"choices": [choice]})
            assert cast.status_code == 201, cast.text
            receipts[delegate] = cast.json()["receipt"]
    context = browser.new_context(**PHONE_CONTEXT)
    page = context.new_page()
    _log_in(page, live, delegates[0], secrets[delegates[0]])
    _until(page, f"{live.url}/sessions/{sid}/results", "a[href$='/items/1/ballots']")
    page.get_by_role("link", name="公布的选票").click()
    expect(page.get_by_role("status").first).to_contain_text("✓")
    accessible(page, "guide-ballots")
    page.goto(f"{live.url}/sessions/{sid}/items/1/verify")
    page.get_by_label("回执码").fill(receipts[delegates[0]])
    page.get_by_role("button", name="核验").click()
    expect(page.locator("[data-counted=yes]")).to_contain_text("已计入（共 30 张选票）")
    accessible(page, "guide-verify")
    context.close()


def test_a_delegate_finds_the_motions_and_the_filing_form(live: LiveStack, browser: Browser):
    key = "dl-bearing-6"

    async def call(app, env) -> None:
        await congress_with_roster(app, env, key=key)
        await app.facades(env.client).motions.open_call(
            CADRE, key, await today(env) + timedelta(days=30)
        )

    live.run(call)
    secrets = _accounts(live, "liu.qiang")
    context = browser.new_context(**PHONE_CONTEXT)
    page = context.new_page()
    _log_in(page, live, "liu.qiang", secrets["liu.qiang"])
    page.goto(f"{live.url}/motions?congress={key}")
    expect(page.get_by_role("link", name="提出提案")).to_be_visible()
    accessible(page, "guide-motions")
    page.get_by_role("link", name="提出提案").click()
    expect(page.get_by_role("button", name="提交提案")).to_be_visible()
    accessible(page, "guide-motion-new")
    context.close()
