"""Sign-in for the web app: who a request comes from, CSRF, and the login, logout and
setup pages.

The middleware maps a request to a person once, before any route runs: a bearer token
(``Authorization: Bearer uf1…``, channel ``api``, no CSRF since no browser sends it by
itself) or the session cookie (an opaque id only; channel ``web``). Every state-changing
request of a cookie session must carry the session's CSRF token (form field
``csrf_token`` or header ``X-CSRF-Token``); so must the two forms used before a session
exists (``/login``, ``/setup``), against a token of their own in a cookie (double submit),
so nobody can sign a browser in behind its user's back. The person's name and roles are
read from the directory in the ledger on every request; routes pass on only the id.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from application.account_secrets import same
from application.accounts import AccountLocked, SignedInActor, TotpEnrolmentRequired
from application.channel import set_channel
from domain.errors import DomainError, InvalidInput
from i18n import Lang, pick, role_label
from interfaces.web.auth import Channel, SignedIn
from interfaces.web.context import context_of
from interfaces.web.problem import problem, status_of
from interfaces.web.source import request_source
from interfaces.web.templating import render
from projections.counters import one_read_point
from settings import Settings

SESSION_COOKIE = "uf_session"
FORM_COOKIE = "uf_form"  # the CSRF token of the forms used before a session exists
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ANONYMOUS_FORMS = frozenset({"/login", "/setup"})
ID_MAX = 64

router = APIRouter(include_in_schema=False)


def install(web: FastAPI) -> None:
    """Add the sign-in middleware (before the language middleware, so inside it)."""
    web.add_middleware(SignIn)


class SignIn:
    """Sets ``request.state.signed_in``, ``.csrf``, ``.session`` and the act's channel.

    A plain ASGI middleware, like ``Language``: the route runs in the request's own task
    and its response passes through untouched but for the cookies added here
    (``BaseHTTPMiddleware`` cost every ballot a task, two streams and a streamed copy
    of its response).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)  # the same files for everyone
            return
        restore = set_channel(Channel.WEB)
        try:
            with one_read_point():  # the sign-in's catch-up with the log serves the request
                await self._sign_in(scope, receive, send)
        finally:
            restore()

    async def _sign_in(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        ctx = context_of(request)
        accounts = ctx.accounts()
        state = request.state
        state.signed_in, state.csrf, state.session, state.session_id = None, "", None, None
        bearer = _bearer(request)
        new_form_token: str | None = None
        stale = False
        if bearer is not None:
            who = await accounts.token_actor_async(bearer)
            if who is None:
                refused = problem(
                    request,
                    401,
                    "API 令牌无效、已过期或已撤销",
                    "the API token is invalid, expired or revoked",
                )
                await refused(scope, receive, send)
                return
            set_channel(Channel.API)  # restored with the web channel's, when the request ends
            state.signed_in = _signed_in(who, Channel.API)
        else:
            session_id = request.cookies.get(SESSION_COOKIE)
            found = await ctx.look_up(accounts.session_actor, session_id) if session_id else None
            if found is not None:
                session, who = found
                state.signed_in = _signed_in(who, Channel.WEB)
                state.csrf, state.session, state.session_id = session.csrf, session, session_id
            else:
                stale = session_id is not None
                form_token = request.cookies.get(FORM_COOKIE, "")
                if len(form_token) < 32:
                    form_token = new_form_token = secrets.token_urlsafe(32)
                state.csrf = form_token
            guarded = state.signed_in is not None or request.url.path in ANONYMOUS_FORMS
            if request.method in UNSAFE and guarded:
                ok, receive = await _csrf_ok(request, receive, state.csrf)
                if not ok:
                    refused = problem(
                        request,
                        403,
                        "表单已过期或来源不明（CSRF 校验失败）：请刷新页面后重试",
                        "the form is stale or came from elsewhere (CSRF check failed): "
                        "reload and retry",
                    )
                    await refused(scope, receive, send)
                    return
        if new_form_token is None and not stale:
            await self.app(scope, receive, send)
            return
        https = ctx.app.settings.web_https

        async def send_with_cookies(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                cookies = Response()
                if new_form_token is not None:
                    cookies.set_cookie(
                        FORM_COOKIE, new_form_token, httponly=True, samesite="strict", secure=https
                    )
                if stale and not _sets_cookie(headers, SESSION_COOKIE):
                    cookies.delete_cookie(
                        SESSION_COOKIE, httponly=True, samesite="lax", secure=https
                    )
                headers += [(k, v) for k, v in cookies.raw_headers if k == b"set-cookie"]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_cookies)


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _signed_in(who: SignedInActor, channel: Channel) -> SignedIn:
    return SignedIn(actor_id=who.actor_id, name=who.name, roles=who.roles, channel=channel)


async def _csrf_ok(request: Request, receive: Receive, expected: str) -> tuple[bool, Receive]:
    """Whether the request carries ``expected`` in its header or its form (constant-time);
    and the ``receive`` the route reads its body from (the body replayed when the form was
    read here)."""
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        body = await request.body()
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
        await form.close()
        receive = _replaying(body, receive)
    return bool(expected) and sent is not None and same(sent, expected), receive


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the body already read once, then what the client sends."""
    given = False

    async def replay() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _sets_cookie(headers: list[tuple[bytes, bytes]], name: str) -> bool:
    return any(
        key == b"set-cookie" and value.startswith(f"{name}=".encode()) for key, value in headers
    )


def set_session_cookie(response: Response, session_id: str, settings: Settings) -> None:
    """Only the opaque id, for this browser session; the server ends it (idle, lifetime)."""
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        httponly=True,
        samesite="lax",
        secure=settings.web_https,
        path="/",
    )


def on_site(target: str | None) -> str:
    """A ``next=`` target kept on this site: a path, never another host."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    if any(ord(c) < 0x20 or c == "\x7f" for c in target):  # browsers drop tabs, newlines
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


# -- pages --------------------------------------------------------------------------------

NOTICES = {
    "setup": ("密码已设置，请登录。", "Your password is set: sign in."),
    "out": ("您已退出登录。", "You have signed out."),
}


@router.get("/login")
def login_page(request: Request, next: str = "/", notice: str = "") -> Response:
    return render(
        request,
        "login.html",
        {"next": on_site(next), "notice": pick(NOTICES[notice]) if notice in NOTICES else ""},
    )


@router.post("/login")
def login(
    request: Request,
    actor_id: str = Form("", max_length=ID_MAX),
    password: str = Form("", max_length=1024),
    totp: str = Form("", max_length=16),
    next: str = Form("/", max_length=2000),
) -> Response:
    """Sign in; the session id is new (any session this browser had is closed). Failures
    count per source (``interfaces.web.source``) and over all sources."""
    accounts = context_of(request).accounts()
    actor = actor_id.strip()
    source = request_source(request, accounts.settings.trusted_proxies)
    try:
        who = accounts.verify(actor, password, totp or None, source=source)
    except DomainError as refused:
        status = 429 if isinstance(refused, AccountLocked) else 401
        if isinstance(refused, TotpEnrolmentRequired):
            status = 403
        context = {"next": on_site(next), "actor_id": actor, "error": refused.message(Lang.code)}
        return render(request, "login.html", context, status_code=status)
    if request.state.session_id:
        accounts.close_session(request.state.session_id)
    session_id, _ = accounts.open_session(who.actor_id)
    response = RedirectResponse(on_site(next), status_code=303)
    set_session_cookie(response, session_id, accounts.settings)
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    if request.state.session_id:
        context_of(request).accounts().close_session(request.state.session_id)
    response = RedirectResponse("/login?notice=out", status_code=303)
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax")
    return response


@router.get("/setup")
def setup_page(request: Request, actor: str = "") -> Response:
    """Enter the operator's one-time code and a new password (and enrol a TOTP app)."""
    return _setup(request, actor.strip()[:ID_MAX], None, error="")


@router.post("/setup")
def setup(
    request: Request,
    actor_id: str = Form("", max_length=ID_MAX),
    code: str = Form("", max_length=64),
    password: str = Form("", max_length=1024),
    password2: str = Form("", max_length=1024),
    totp_secret: str = Form("", max_length=128),
    totp_code: str = Form("", max_length=16),
) -> Response:
    accounts = context_of(request).accounts()
    actor = actor_id.strip()
    try:
        if password != password2:
            raise InvalidInput("两次输入的密码不一致", "the two passwords differ")
        accounts.set_password(
            actor,
            code,
            password,
            totp_secret=totp_secret if totp_code.strip() else None,
            totp_code=totp_code,
            source=request_source(request, accounts.settings.trusted_proxies),
        )
    except DomainError as refused:
        return _setup(request, actor, totp_secret, refused.message(Lang.code), status_of(refused))
    return RedirectResponse("/login?notice=setup", status_code=303)


def _setup(
    request: Request, actor: str, secret: str | None, error: str, status: int = 200
) -> Response:
    accounts = context_of(request).accounts()
    secret = secret if secret and len(secret) >= 32 else accounts.new_totp_secret()
    uri = accounts.totp_uri(actor or "UnionFlow", secret)
    settings = accounts.settings
    context = {
        "actor_id": actor,
        "totp_secret": secret,
        "totp_uri": uri,
        "error": error,
        "required": [role_label(r) for r in settings.totp_required_roles],
        "hours": f"{settings.setup_code_hours:g}",
    }
    return render(request, "setup.html", context, status_code=status)
