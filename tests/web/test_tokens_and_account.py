"""API tokens and the account page: a token acts as its owner only, through the api
channel; a form naming someone else still changes one's own account; no secret in clear."""

from __future__ import annotations

import re

import httpx
import pyotp
from fastapi import FastAPI

from application.account_secrets import token_parts
from application.accounts import AccountService
from bootstrap import App
from domain.accounts import account_id
from interfaces.web.signin import SESSION_COOKIE
from tests.web.conftest import PASSWORD, Clock, client_of, login


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def issued_token(page: httpx.Response) -> str:
    found = re.search(r'<code id="issued-token">([^<]+)</code>', page.text)
    assert found, page.text
    return found.group(1)


def last_event(app: App, actor: str):
    return list(app.ledger.stream(account_id(actor)))[-1]


async def test_a_bearer_token_acts_through_the_api_channel(
    signed_in_client, web: FastAPI, app: App
):
    liu = await signed_in_client("liu.qiang")
    first = (await liu.post("/api/v1/me/tokens", json={"label": "投票机"})).json()
    second = (await liu.post("/api/v1/me/tokens", json={"label": "备用"})).json()
    assert last_event(app, "liu.qiang").actor["channel"] == "web"
    async with client_of(web) as machine:
        me = await machine.get("/api/v1/me", headers=bearer(first["token"]))
        assert me.json()["actor_id"] == "liu.qiang" and me.json()["channel"] == "api"
        # No CSRF token: a browser never sends this header by itself.
        revoked = await machine.delete(
            f"/api/v1/me/tokens/{second['token_id']}", headers=bearer(first["token"])
        )
        assert revoked.status_code == 204
    event = last_event(app, "liu.qiang")
    assert type(event).__name__ == "TokenRevoked" and event.token_id == second["token_id"]
    assert event.actor == {
        "id": "liu.qiang",
        "role": "delegate",
        "org": "dl-bearing",
        "channel": "api",
    }


async def test_a_revoked_or_forged_token_is_401(signed_in_client, web: FastAPI, clock: Clock):
    liu = await signed_in_client("liu.qiang")
    issued = (await liu.post("/api/v1/me/tokens", json={"label": "robot", "days": 30})).json()
    async with client_of(web) as machine:
        assert (await machine.get("/api/v1/me", headers=bearer(issued["token"]))).status_code == 200
        forged = issued["token"][:-4] + "AAAA"
        for bad in (forged, "uf1.x.y.z", "garbage"):
            refused = await machine.get("/api/v1/me", headers=bearer(bad))
            assert refused.status_code == 401
            assert refused.headers["content-type"].startswith("application/problem+json")
        assert (await liu.delete(f"/api/v1/me/tokens/{issued['token_id']}")).status_code == 204
        gone = await machine.get("/api/v1/me", headers=bearer(issued["token"]))
        assert gone.status_code == 401 and gone.json()["reason_en"].startswith("the API token")
    listed = (await liu.get("/api/v1/me/tokens")).json()
    assert [t["revoked_at"] is not None for t in listed] == [True]
    assert "token" not in listed[0]  # a list never shows a token


async def test_an_expired_token_is_401(signed_in_client, web: FastAPI, clock: Clock):
    liu = await signed_in_client("liu.qiang")
    issued = (await liu.post("/api/v1/me/tokens", json={"label": "robot", "days": 30})).json()
    clock.advance(days=30)
    async with client_of(web) as machine:
        assert (await machine.get("/api/v1/me", headers=bearer(issued["token"]))).status_code == 401


async def test_a_token_cannot_act_as_another_person(signed_in_client, web: FastAPI, app: App):
    wang = await signed_in_client("wang.li")
    liu = await signed_in_client("liu.qiang")
    wangs = (await wang.post("/api/v1/me/tokens", json={"label": "王丽的"})).json()
    lius = (await liu.post("/api/v1/me/tokens", json={"label": "刘强的"})).json()
    async with client_of(web) as machine:
        # Another person's token id, with one's own token: not one's own, so not found.
        other = await machine.delete(
            f"/api/v1/me/tokens/{wangs['token_id']}", headers=bearer(lius["token"])
        )
        assert other.status_code == 404
        # A body naming another actor is refused outright.
        named = await liu.post("/api/v1/me/tokens", json={"label": "x", "actor_id": "wang.li"})
        assert named.status_code == 422
        # A token cannot mint tokens (nor, so, outlive its own expiry through new ones).
        minted = await machine.post(
            "/api/v1/me/tokens", json={"label": "x"}, headers=bearer(lius["token"])
        )
        assert minted.status_code == 403
    assert [
        t.token_id
        for t in app.ledger.get(account_id("wang.li")).live_tokens(
            app.ledger.get(account_id("wang.li")).tokens[wangs["token_id"]].issued_at
        )
    ] == [wangs["token_id"]]


async def test_a_form_naming_another_person_changes_only_ones_own_account(
    signed_in_client, app: App
):
    wang = await signed_in_client("wang.li")
    liu = await signed_in_client("liu.qiang")
    page = await liu.post(
        "/account/tokens",
        data={"label": "冒名", "days": "30", "actor_id": "wang.li", "actor": "wang.li"},
    )
    assert page.status_code == 200
    actor, _ = token_parts(issued_token(page)) or ("", "")
    assert actor == "liu.qiang"
    assert app.ledger.get(account_id("wang.li")).tokens == {}
    changed = await liu.post(
        "/account/password",
        data={
            "actor_id": "wang.li",
            "current": PASSWORD,
            "password": "a brand new password",
            "password2": "a brand new password",
        },
    )
    assert changed.status_code == 303
    assert type(last_event(app, "wang.li")).__name__ == "PasswordSet"  # still the setup's
    assert last_event(app, "wang.li").via == "setup_code"
    assert (await wang.get("/api/v1/me")).json()["actor_id"] == "wang.li"


async def test_a_double_submitted_token_form_issues_one_token(signed_in_client, app: App):
    liu = await signed_in_client("liu.qiang")
    form = {"label": "robot", "days": "90", "command_id": "form-1"}
    first = await liu.post("/account/tokens", data=form)
    again = await liu.post("/account/tokens", data=form)
    assert issued_token(first).startswith("uf1.")
    assert 'id="issued-token"' not in again.text and "只在当时显示一次" in again.text
    assert len(app.ledger.get(account_id("liu.qiang")).tokens) == 1


async def test_totp_enrolled_from_the_account_page_is_asked_at_sign_in(
    signed_in_client, web: FastAPI, clock: Clock, app: App
):
    wang = await signed_in_client("wang.li")
    page = await wang.get("/account")
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', page.text).group(1)
    uri = re.search(r'<code id="totp-uri">([^<]+)</code>', page.text).group(1)
    assert uri.startswith("otpauth://totp/UnionFlow:wang.li?") and f"secret={secret}" in uri
    reload = await wang.get("/account")
    assert secret in reload.text  # the same secret until it is used
    wrong = await wang.post("/account/totp", data={"code": "000000"})
    assert wrong.status_code == 422 and "动态口令不正确" in wrong.text
    done = await wang.post("/account/totp", data={"code": pyotp.TOTP(secret).at(clock())})
    assert done.status_code == 303 and done.headers["location"] == "/account?notice=totp"
    assert type(last_event(app, "wang.li")).__name__ == "TotpEnabled"
    async with client_of(web) as other:
        assert (await login(other, "wang.li")).status_code == 401
        clock.advance(seconds=30)
        code = pyotp.TOTP(secret).at(clock())
        assert (await login(other, "wang.li", totp=code)).status_code == 303


async def test_changing_the_password_closes_the_other_sessions(
    signed_in_client, web: FastAPI, accounts: AccountService
):
    wang = await signed_in_client("wang.li")
    async with client_of(web) as phone:
        await login(phone, "wang.li")
        assert (await phone.get("/api/v1/me")).status_code == 200
        wrong = await wang.post(
            "/account/password",
            data={"current": "not it at all", "password": "x" * 12, "password2": "x" * 12},
        )
        assert wrong.status_code == 403 and "不正确" in wrong.text
        changed = await wang.post(
            "/account/password",
            data={"current": PASSWORD, "password": "y" * 12, "password2": "y" * 12},
        )
        assert changed.status_code == 303
        assert (await phone.get("/api/v1/me")).status_code == 401
        assert SESSION_COOKIE not in phone.cookies  # the stale cookie is cleared
    assert (await wang.get("/api/v1/me")).status_code == 200


async def test_nothing_in_the_ledger_holds_a_password_a_code_or_a_token_in_clear(
    signed_in_client, accounts: AccountService, app: App, clock: Clock
):
    reviewer = await signed_in_client("li.wei")  # with a TOTP secret
    liu = await signed_in_client("liu.qiang")
    token = (await liu.post("/api/v1/me/tokens", json={"label": "robot"})).json()["token"]
    code = accounts.issue_setup_code("zhao.min", "ops.admin").code
    sessions = [reviewer.cookies[SESSION_COOKIE], liu.cookies[SESSION_COOKIE]]
    assert reviewer.totp_secret is not None
    secrets = [PASSWORD, code, code.replace("-", ""), token, reviewer.totp_secret, *sessions]
    stored = b"".join(
        p.read_bytes() for p in app.settings.data_dir.iterdir() if p.name.startswith("ledger.db")
    )
    for secret in secrets:
        assert secret.encode() not in stored, secret
    store = app.settings.signin_store_path.read_bytes()
    for secret in (PASSWORD, token, reviewer.totp_secret, *sessions):
        assert secret.encode() not in store, secret
    # The second factor is sealed with a key outside the ledger, readable by its owner only.
    key = app.settings.account_key_path
    assert key.stat().st_mode & 0o777 == 0o600 and key.read_bytes() not in stored
    assert app.settings.signin_store_path.stat().st_mode & 0o777 == 0o600
