"""My account (我的账号): change the password, enrol a TOTP app, API tokens.

Every route acts on the signed-in person's own account: the actor comes from the session
only, never from the form, so a form naming someone else still changes only one's own.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from application.accounts import AccountService, IssuedToken
from application.signin_store import WebSession
from domain.errors import DomainError, InvalidInput, NotAuthorised
from i18n import Lang, pick, role_label
from interfaces.web.auth import Channel, SignedIn, signed_in
from interfaces.web.context import context_of
from interfaces.web.problem import status_of
from interfaces.web.source import request_source
from interfaces.web.templating import render

router = APIRouter(include_in_schema=False)

TOKEN_DAYS = (30, 90, 365)
NOTICES = {
    "password": (
        "密码已更改；其他设备上的登录已退出。",
        "Password changed; other sessions closed.",
    ),
    "totp": ("动态口令已绑定。", "TOTP app enrolled."),
    "totp-off": ("动态口令已解除。", "TOTP removed."),
    "revoked": ("令牌已撤销。", "Token revoked."),
}


def web_session(request: Request, me: SignedIn = Depends(signed_in)) -> WebSession:
    """The browser session of the signed-in person (an API token manages no account page)."""
    session: WebSession | None = request.state.session
    if me.channel is not Channel.WEB or session is None:
        raise NotAuthorised("请在网页登录后管理账号", "sign in on the web to manage your account")
    return session


@router.get("/account")
def account_page(
    request: Request, notice: str = "", session: WebSession = Depends(web_session)
) -> Response:
    return _page(request, session, notice=pick(NOTICES[notice]) if notice in NOTICES else "")


@router.post("/account/password")
def change_password(
    request: Request,
    current: str = Form("", max_length=1024),
    password: str = Form("", max_length=1024),
    password2: str = Form("", max_length=1024),
    session: WebSession = Depends(web_session),
) -> Response:
    def act(accounts: AccountService) -> None:
        if password != password2:
            raise InvalidInput("两次输入的新密码不一致", "the two new passwords differ")
        accounts.change_password(
            session.actor,
            current,
            password,
            keep_session=request.state.session_id,
            source=request_source(request, accounts.settings.trusted_proxies),
        )

    return _act(request, session, act, "password")


@router.post("/account/totp")
def enrol_totp(
    request: Request,
    code: str = Form("", max_length=16),
    session: WebSession = Depends(web_session),
) -> Response:
    def act(accounts: AccountService) -> None:
        accounts.enrol_offered_totp(request.state.session_id, session, code)

    return _act(request, session, act, "totp")


@router.post("/account/totp/disable")
def disable_totp(
    request: Request,
    current: str = Form("", max_length=1024),
    session: WebSession = Depends(web_session),
) -> Response:
    def act(accounts: AccountService) -> None:
        source = request_source(request, accounts.settings.trusted_proxies)
        accounts.disable_totp(session.actor, current, source=source)

    return _act(request, session, act, "totp-off")


@router.post("/account/tokens")
def issue_token(
    request: Request,
    label: str = Form("", max_length=200),
    days: int = Form(365),
    command_id: str = Form("", max_length=100),
    session: WebSession = Depends(web_session),
) -> Response:
    """The token is shown on this response only: it is never stored, nor shown again."""
    accounts = context_of(request).accounts()
    try:
        if days not in TOKEN_DAYS:
            raise InvalidInput("有效期无效", "invalid lifetime")
        issued = accounts.issue_token(
            session.actor, label, days=days, command_id=command_id or None
        )
    except DomainError as refused:
        return _page(request, session, error=refused.message(Lang.code), status=status_of(refused))
    if issued is None:
        notice = pick(
            ("此表单已提交过，令牌只在当时显示一次。", "Already issued: shown only once.")
        )
        return _page(request, session, notice=notice)
    return _page(request, session, issued=issued)


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(
    request: Request, token_id: str, session: WebSession = Depends(web_session)
) -> Response:
    return _act(request, session, lambda a: a.revoke_token(session.actor, token_id), "revoked")


def _act(request: Request, session: WebSession, act: Any, notice: str) -> Response:
    """Run ``act`` on the accounts; back to the page with its notice, or its refusal."""
    try:
        act(context_of(request).accounts())
    except DomainError as refused:
        return _page(request, session, error=refused.message(Lang.code), status=status_of(refused))
    return RedirectResponse(f"/account?notice={notice}", status_code=303)


def _page(
    request: Request,
    session: WebSession,
    *,
    notice: str = "",
    error: str = "",
    issued: IssuedToken | None = None,
    status: int = 200,
) -> Response:
    accounts = context_of(request).accounts()
    account = accounts.account(session.actor)
    enrolled = bool(account and account.totp)
    secret = None if enrolled else accounts.offered_totp(request.state.session_id, session)
    context = {
        "role_names": [role_label(r) for r in accounts.signed_in(session.actor).roles],
        "notice": notice,
        "error": error,
        "issued": issued,
        "enrolled": enrolled,
        "required": accounts.totp_required(session.actor),
        "totp_secret": secret,
        "totp_uri": accounts.totp_uri(session.actor, secret) if secret else "",
        "tokens": accounts.tokens(session.actor),
        "now": accounts.clock(),
        "token_days": TOKEN_DAYS,
        "command_id": str(uuid.uuid4()),
    }
    return render(request, "account.html", context, status_code=status)
