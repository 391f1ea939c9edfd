"""Sign-in: a password set with an operator's one-time code, one refusal for every wrong
answer, lockout, idle timeout, the session cookie, CSRF, and a reviewer's second factor."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pyotp
import pytest
from fastapi import FastAPI

from application.accounts import AccountService
from bootstrap import App
from domain.accounts import Account, account_id
from interfaces.web.signin import FORM_COOKIE, SESSION_COOKIE, on_site
from tests.web.conftest import PASSWORD, Clock, client_of, create_account, form_csrf, login

OPERATOR = "ops.admin"


def refusal(page: httpx.Response) -> str:
    found = re.search(r'<p class="problem" role="alert">([^<]*)</p>', page.text)
    assert found, page.text
    return found.group(1)


def account_events(app: App, actor: str) -> list[str]:
    return [type(e).__name__ for e in app.ledger.stream(account_id(actor))]


async def test_a_password_set_with_the_operators_code_signs_in(
    anonymous: httpx.AsyncClient, accounts: AccountService, app: App
):
    issued = accounts.issue_setup_code("wang.li", OPERATOR)
    assert issued.url.endswith("/setup?actor=wang.li")
    page = await anonymous.get("/setup?actor=wang.li")
    assert page.status_code == 200 and "一次性设置码" in page.text
    done = await anonymous.post(
        "/setup",
        data={
            "csrf_token": form_csrf(page.text),
            "actor_id": "wang.li",
            "code": issued.code.lower(),  # typed by hand: case does not matter
            "password": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert done.status_code == 303 and done.headers["location"] == "/login?notice=setup"

    signed = await login(anonymous, "wang.li")
    assert signed.status_code == 303 and signed.headers["location"] == "/"
    home = await anonymous.get("/", headers={"accept": "text/html"})
    assert "王丽（wang.li）" in home.text
    me = await anonymous.get("/api/v1/me")
    assert me.json() == {
        "actor_id": "wang.li",
        "name": "王丽",
        "roles": ["cadre"],
        "channel": "web",
    }
    assert account_events(app, "wang.li") == ["Created", "SetupCodeIssued", "PasswordSet"]


async def test_a_wrong_password_reads_the_same_as_an_unknown_id(
    anonymous: httpx.AsyncClient, accounts: AccountService
):
    create_account(accounts, "wang.li")
    wrong = await login(anonymous, "wang.li", password="not the password")
    unknown = await login(anonymous, "nobody.here", password="not the password")
    no_account = await login(anonymous, "zhao.min", password="not the password")
    assert wrong.status_code == unknown.status_code == no_account.status_code == 401
    assert refusal(wrong) == refusal(unknown) == refusal(no_account) == "账号、密码或动态口令不正确"
    assert SESSION_COOKIE not in anonymous.cookies


async def test_five_failures_lock_the_account_in_the_ledger_until_an_operator_unlocks_it(
    anonymous: httpx.AsyncClient, accounts: AccountService, app: App, clock: Clock
):
    create_account(accounts, "wang.li")
    for _ in range(4):
        assert (await login(anonymous, "wang.li", password="wrong password")).status_code == 401
    assert "Locked" not in account_events(app, "wang.li")
    fifth = await login(anonymous, "wang.li", password="wrong password")
    assert fifth.status_code == 401
    assert account_events(app, "wang.li")[-1] == "Locked"
    locked: Account = app.ledger.get(account_id("wang.li"))
    assert locked.locked_until is not None
    assert 14 * 60 < (locked.locked_until - clock()).total_seconds() <= 15 * 60
    assert list(app.ledger.stream(account_id("wang.li")))[-1].actor["id"] == "system"

    right = await login(anonymous, "wang.li")  # the right password waits too
    assert right.status_code == 429 and "锁定" in refusal(right)
    accounts.unlock("wang.li", OPERATOR)
    assert account_events(app, "wang.li")[-1] == "Unlocked"
    assert (await login(anonymous, "wang.li")).status_code == 303


async def test_a_lock_lapses_after_its_minutes_and_unknown_ids_lock_alike(
    anonymous: httpx.AsyncClient, accounts: AccountService, clock: Clock
):
    create_account(accounts, "wang.li")
    for actor in ("wang.li", "nobody.here"):
        for _ in range(5):
            await login(anonymous, actor, password="wrong password")
    known = await login(anonymous, "wang.li")
    unknown = await login(anonymous, "nobody.here", password="anything at all")
    assert known.status_code == unknown.status_code == 429
    assert refusal(known) == refusal(unknown)
    clock.advance(minutes=15)
    assert (await login(anonymous, "wang.li")).status_code == 303


async def test_an_idle_session_is_closed_and_a_used_one_stays(signed_in_client, clock: Clock):
    wang = await signed_in_client("wang.li")
    clock.advance(minutes=29)
    assert (await wang.get("/api/v1/me")).status_code == 200  # used: the idle clock restarts
    clock.advance(minutes=29)
    assert (await wang.get("/api/v1/me")).status_code == 200
    clock.advance(minutes=30)
    idle = await wang.get("/api/v1/me")
    assert idle.status_code == 401
    assert idle.headers["content-type"].startswith("application/problem+json")
    page = await wang.get("/account", headers={"accept": "text/html"})
    assert page.status_code == 401 and "/login?next=" in page.text


async def test_a_session_ends_after_its_lifetime_however_busy(signed_in_client, clock: Clock):
    wang = await signed_in_client("wang.li")
    start = clock()
    while (await wang.get("/api/v1/me")).status_code == 200:
        clock.advance(minutes=20)
        assert clock() - start <= timedelta(hours=12)
    assert clock() - start == timedelta(hours=12)


async def test_the_session_cookie_is_httponly_samesite_and_only_an_opaque_id(
    anonymous: httpx.AsyncClient, accounts: AccountService, app: App
):
    create_account(accounts, "wang.li")
    signed = await login(anonymous, "wang.li")
    cookie = next(
        v for k, v in signed.headers.multi_items() if k == "set-cookie" and SESSION_COOKIE in v
    )
    flags = [f.strip().lower() for f in cookie.split(";")]
    assert "httponly" in flags and "samesite=lax" in flags and "path=/" in flags
    assert "secure" not in flags  # served over http in this test; see the https test
    value = anonymous.cookies[SESSION_COOKIE]
    assert re.fullmatch(r"[A-Za-z0-9_\-]{43}", value)  # 256 random bits, nothing else
    assert "wang.li" not in value and "王丽" not in value
    # The store keeps only its hash: the file's bytes do not hold the cookie's value.
    assert value.encode() not in app.settings.signin_store_path.read_bytes()


async def test_the_session_cookie_is_secure_when_the_site_is_https(
    app: App, accounts: AccountService
):
    from interfaces.web.app import create_app
    from interfaces.web.context import WebContext

    app.settings.web_https = True
    web = create_app(context=WebContext(app, _accounts=accounts))
    create_account(accounts, "wang.li")
    async with web.router.lifespan_context(web), client_of(web, base="https://test") as c:
        signed = await login(c, "wang.li")
    assert signed.status_code == 303
    cookies = signed.headers.get_list("set-cookie")
    assert any(SESSION_COOKIE in v and "secure" in v.lower() for v in cookies)


async def test_the_session_id_changes_at_sign_in(
    anonymous: httpx.AsyncClient, accounts: AccountService
):
    create_account(accounts, "wang.li")
    create_account(accounts, "zhao.min")
    await login(anonymous, "wang.li")
    first = anonymous.cookies[SESSION_COOKIE]
    await login(anonymous, "zhao.min")
    second = anonymous.cookies[SESSION_COOKIE]
    assert first != second
    assert accounts.session(first) is None  # the old one is closed, not just replaced
    assert (await anonymous.get("/api/v1/me")).json()["actor_id"] == "zhao.min"


async def test_a_post_without_or_with_a_wrong_csrf_token_is_refused_and_writes_nothing(
    signed_in_client, app: App
):
    wang = await signed_in_client("wang.li")
    del wang.headers["X-CSRF-Token"]
    before = app.ledger.max_notification_id()
    missing = await wang.post("/account/tokens", data={"label": "robot", "days": "30"})
    wrong = await wang.post(
        "/account/tokens", data={"label": "robot", "days": "30", "csrf_token": "x" * 43}
    )
    header = await wang.post(
        "/api/v1/me/tokens", json={"label": "robot"}, headers={"X-CSRF-Token": "nope"}
    )
    delete = await wang.delete("/api/v1/me/tokens/abc")
    for refused in (missing, wrong, header, delete):
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert "CSRF" in refused.json()["reason_zh"]
    assert app.ledger.max_notification_id() == before
    good = await wang.post(
        "/account/tokens", data={"label": "robot", "days": "30", "csrf_token": wang.csrf}
    )
    assert good.status_code == 200 and app.ledger.max_notification_id() == before + 1


async def test_the_login_form_needs_its_own_csrf_token(web: FastAPI, accounts: AccountService):
    create_account(accounts, "wang.li")
    async with client_of(web) as fresh:
        blind = await fresh.post("/login", data={"actor_id": "wang.li", "password": PASSWORD})
        assert blind.status_code == 403  # a page elsewhere cannot sign this browser in
        page = await fresh.get("/login")
        assert FORM_COOKIE in fresh.cookies
        fresh.cookies.set(FORM_COOKIE, "y" * 43)  # a token not of this form
        stale = await fresh.post(
            "/login",
            data={"actor_id": "wang.li", "password": PASSWORD, "csrf_token": form_csrf(page.text)},
        )
        assert stale.status_code == 403 and SESSION_COOKIE not in fresh.cookies


@pytest.mark.parametrize(
    ("asked", "kept"),
    [
        ("/account", "/account"),
        ("/cases/WC-1?tab=reviews", "/cases/WC-1?tab=reviews"),
        ("https://evil.example/", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("/\t/evil.example", "/"),
        ("/\n/evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
    ],
)
def test_next_keeps_the_redirect_on_this_site(asked: str, kept: str):
    assert on_site(asked) == kept


async def test_sign_in_goes_back_to_next_on_this_site_only(
    anonymous: httpx.AsyncClient, accounts: AccountService
):
    create_account(accounts, "wang.li")
    inside = await login(anonymous, "wang.li", next="/account")
    assert inside.headers["location"] == "/account"
    outside = await login(anonymous, "wang.li", next="https://evil.example/")
    assert outside.headers["location"] == "/"


async def test_a_reviewer_must_sign_in_with_a_current_totp_code(
    anonymous: httpx.AsyncClient, accounts: AccountService, clock: Clock, app: App
):
    issued = accounts.issue_setup_code("li.wei", OPERATOR)
    page = await anonymous.get("/setup")
    secret = re.search(r'name="totp_secret" value="([A-Z2-7]+)"', page.text).group(1)
    form = {
        "csrf_token": form_csrf(page.text),
        "actor_id": "li.wei",
        "code": issued.code,
        "password": PASSWORD,
        "password2": PASSWORD,
        "totp_secret": secret,
    }
    without = await anonymous.post("/setup", data=form)
    assert without.status_code == 403 and "动态口令" in refusal(without)
    assert account_events(app, "li.wei") == ["Created", "SetupCodeIssued"]  # code not used up
    enrolled = await anonymous.post(
        "/setup", data={**form, "totp_code": pyotp.TOTP(secret).at(clock())}
    )
    assert enrolled.status_code == 303, enrolled.text
    assert account_events(app, "li.wei")[-2:] == ["PasswordSet", "TotpEnabled"]

    no_code = await login(anonymous, "li.wei")
    assert no_code.status_code == 401 and refusal(no_code) == "账号、密码或动态口令不正确"
    clock.advance(seconds=30)
    current = pyotp.TOTP(secret).at(clock())
    assert (await login(anonymous, "li.wei", totp=current)).status_code == 303
    again = await login(anonymous, "li.wei", totp=current)  # the same code is spent
    assert again.status_code == 401


async def test_a_reviewer_without_a_second_factor_cannot_sign_in(
    anonymous: httpx.AsyncClient, accounts: AccountService
):
    # A password set while the setting required no second factor for reviewers.
    accounts.settings.totp_required_roles = []
    create_account(accounts, "li.wei")
    accounts.settings.totp_required_roles = ["reviewer", "auditor"]
    refused = await login(anonymous, "li.wei")
    assert refused.status_code == 403 and "绑定" in refusal(refused)
    assert SESSION_COOKIE not in anonymous.cookies


async def test_the_setup_code_works_once_and_expires(
    anonymous: httpx.AsyncClient, accounts: AccountService, clock: Clock
):
    from application.accounts import SetupRefused

    first = accounts.issue_setup_code("wang.li", OPERATOR)
    accounts.set_password("wang.li", first.code, PASSWORD)
    with pytest.raises(SetupRefused):
        accounts.set_password("wang.li", first.code, "another long password")
    later = accounts.issue_setup_code("wang.li", OPERATOR)
    clock.advance(hours=72)
    with pytest.raises(SetupRefused) as expired:
        accounts.set_password("wang.li", later.code, "another long password")
    with pytest.raises(SetupRefused) as unknown:
        accounts.set_password("nobody.here", later.code, "another long password")
    assert expired.value.message_zh == unknown.value.message_zh
    assert (await login(anonymous, "wang.li")).status_code == 303  # the first password holds


async def test_a_new_password_follows_the_policy(accounts: AccountService):
    from domain.errors import InvalidInput

    issued = accounts.issue_setup_code("wang.li", OPERATOR)
    for weak in ("short", "wang.li", "WANG.LI"):
        with pytest.raises(InvalidInput):
            accounts.set_password("wang.li", issued.code, weak)
    accounts.set_password("wang.li", issued.code, PASSWORD)  # the refusals used nothing up


async def test_only_an_operator_issues_codes_and_unlocks(accounts: AccountService):
    from domain.errors import NotAuthorised

    with pytest.raises(NotAuthorised):
        accounts.issue_setup_code("wang.li", "zhao.min")
    with pytest.raises(NotAuthorised):
        accounts.issue_setup_code("wang.li", "nobody.here")
    create_account(accounts, "wang.li")
    with pytest.raises(NotAuthorised):
        accounts.unlock("wang.li", "liu.qiang")


async def test_sign_out_ends_the_session(signed_in_client, accounts: AccountService):
    wang = await signed_in_client("wang.li")
    session_id = wang.cookies[SESSION_COOKIE]
    out = await wang.post("/logout")
    assert out.status_code == 303 and out.headers["location"] == "/login?notice=out"
    assert accounts.session(session_id) is None
    assert (await wang.get("/api/v1/me")).status_code == 401
