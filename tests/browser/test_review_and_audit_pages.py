"""The reviewer and the auditor in Chromium, signed in through the real login page
(password and TOTP, mandatory for both roles): the reviewer returns a case per clause from
the inbox, then approves the revised draft; the auditor finds a tampered event. axe on the
login, inbox, case and audit pages, each saved as a screenshot."""

from __future__ import annotations

import sqlite3

import pyotp
from playwright.sync_api import Browser, Page, expect

from application.accounts import AccountService
from domain.wage_contract import ReviseDraft, SubmitForReview, wage_contract_id
from tests.browser.conftest import LiveStack, accessible
from tests.wage_contract.helpers import CADRE, REVIEWER, draft, to_review
from tests.web.conftest import PASSWORD, create_account

AUDITOR = "zhou.yan"
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}


def _accounts(live: LiveStack, *actors: str) -> dict[str, str]:
    """Accounts set up as an operator would; the TOTP secret of each (both roles need one)."""

    async def make(app, env) -> dict[str, str]:
        accounts = AccountService(app.ledger, app.directory, app.settings)
        secrets = {a: create_account(accounts, a) for a in actors}
        return {a: s for a, s in secrets.items() if s}

    return live.run(make)


def _log_in(page: Page, live: LiveStack, actor: str, secret: str, shot: str = "") -> None:
    page.goto(f"{live.url}/login")
    if shot:
        accessible(page, shot)
    page.get_by_label("账号（人员编号）").fill(actor)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_label("动态口令（已绑定验证器应用时填写）").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="登录").click()
    expect(page.locator("header .who")).to_contain_text(actor)


def test_a_reviewer_signs_in_returns_a_case_per_clause_then_approves_it(
    live: LiveStack, browser: Browser
):
    secrets = _accounts(live, REVIEWER)
    live.run(lambda app, env: to_review(app.facades(env.client).wage_contracts))
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    _log_in(page, live, REVIEWER, secrets[REVIEWER], shot="login")

    page.goto(f"{live.url}/inbox")
    expect(page.locator("a[href='/cases/WC-1']")).to_be_visible()
    accessible(page, "inbox-reviewer")
    page.locator("a[href='/cases/WC-1']").click()
    accessible(page, "case-under-review")
    returning = page.locator("form[action='/cases/WC-1/acts/return_for_revision']")
    returning.locator("input[name=clause]").first.fill("1")
    returning.locator("textarea[name=clause_comment]").first.fill("岗位工资标准偏低")
    returning.get_by_role("button", name="退回修改").click()
    expect(page.get_by_text("岗位工资标准偏低").first).to_be_visible()

    async def revise(app, env) -> None:
        cases = app.facades(env.client).wage_contracts
        await cases.act("WC-1", CADRE, ReviseDraft(draft=draft(monthly="3300")))
        await cases.act("WC-1", CADRE, SubmitForReview())

    live.run(revise)
    page.goto(f"{live.url}/cases/WC-1")
    page.locator("form[action='/cases/WC-1/acts/approve']").get_by_role(
        "button", name="预审通过"
    ).click()
    expect(page.get_by_role("status").first).to_be_visible()
    accessible(page, "case-approved")
    context.close()

    async def by_reviewer(app, env) -> list[tuple[str, str]]:
        return [
            (type(e).__name__, e.actor.get("channel", ""))
            for e in app.ledger.stream(wage_contract_id("WC-1"))
            if e.actor["id"] == REVIEWER
        ]

    assert live.run(by_reviewer) == [("PreReviewReturned", "web"), ("PreReviewApproved", "web")]


def test_an_auditor_signs_in_and_finds_the_tampered_event(live: LiveStack, browser: Browser):
    secrets = _accounts(live, AUDITOR)
    live.run(lambda app, env: to_review(app.facades(env.client).wage_contracts))
    live.run(lambda app, env: _seal(app))
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    _log_in(page, live, AUDITOR, secrets[AUDITOR])
    page.goto(f"{live.url}/audit/verify")
    expect(page.get_by_role("status").first).to_contain_text("账本完整")

    with sqlite3.connect(live.data_dir / "ledger.db") as conn:  # forge who submitted the case
        rowid, state = conn.execute(
            "SELECT rowid, state FROM stored_events "
            "WHERE topic LIKE '%SubmittedForReview' ORDER BY rowid LIMIT 1"
        ).fetchone()
        conn.execute(
            "UPDATE stored_events SET state=? WHERE rowid=?",
            (bytes(state).replace(b'"id":"wang.li"', b'"id":"li.wei"'), rowid),
        )
    page.goto(f"{live.url}/audit/verify")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("SubmittedForReview")
    expect(alert).to_contain_text("hash_mismatch")
    accessible(page, "audit-tampered")
    context.close()


async def _seal(app) -> None:
    app.audit().seal("before the audit")
