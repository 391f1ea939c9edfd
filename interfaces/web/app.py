"""``create_app``: the FastAPI app of UnionFlow (pages and ``/api/v1``).

Nothing connects at import or at creation: the lifespan builds the composition root's
``App`` (the ledger) and the Temporal client is connected on the first act, so pages that
read the ledger work while no worker or server runs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from i18n import Lang
from interfaces.web import problem, signin
from interfaces.web.api import me as api_me
from interfaces.web.context import WebContext, context_of
from interfaces.web.pages import account as account_page
from interfaces.web.templating import render
from settings import Settings

__all__ = ["context_of", "create_app"]

STATIC = Path(__file__).with_name("static")
LANG_COOKIE = "uf_lang"


def request_lang(request: Request) -> str:
    """``?lang=`` first (and remembered), then the cookie, then the browser; Chinese by default."""
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    if asked is None:
        header = request.headers.get("accept-language", "").lower()
        asked = "en" if header.startswith("en") else "zh"
    return "en" if asked.lower().startswith("en") else "zh"


class Language:
    """Sets the request's language (``Lang.code``) and remembers a ``?lang=`` in a cookie.

    A plain ASGI middleware: it wraps no response, so it costs a ballot nothing but the
    header it reads (``BaseHTTPMiddleware`` adds a task and two streams per request).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        Lang.code = request_lang(request)
        if "lang" not in request.query_params:
            await self.app(scope, receive, send)
            return
        remember = Response()
        remember.set_cookie(LANG_COOKIE, Lang.code, samesite="lax", max_age=365 * 86400)
        cookies = [(k, v) for k, v in remember.raw_headers if k == b"set-cookie"]

        async def send_remembering(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *cookies]
            await send(message)

        await self.app(scope, receive, send_remembering)


def create_app(settings: Settings | None = None, *, context: WebContext | None = None) -> FastAPI:
    """The web app over ``settings`` (or an already built ``context``, in tests)."""

    @asynccontextmanager
    async def lifespan(web: FastAPI) -> AsyncIterator[None]:
        built = context
        if built is None:
            from bootstrap import build_app

            built = WebContext(build_app(settings or Settings()))
            built.app.use_io_threads()
        web.state.uf = built
        try:
            yield
        finally:
            if context is None:
                built.close()
                built.app.close()

    web = FastAPI(
        title="UnionFlow",
        summary="工会业务流程 API / trade-union processes",
        version="1",
        lifespan=lifespan,
        docs_url="/api/v1/docs",
        openapi_url="/api/v1/openapi.json",
        redoc_url=None,
    )
    problem.install(web)
    signin.install(web)  # inside the language middleware below: its refusals speak it
    web.mount("/static", StaticFiles(directory=STATIC), name="static")

    web.add_middleware(Language)  # outermost: the sign-in middleware's refusals speak it

    @web.get("/", include_in_schema=False)
    async def home(request: Request) -> Response:
        return render(request, "home.html")

    @web.get("/healthz", include_in_schema=False)
    async def healthz() -> Response:
        return JSONResponse({"ok": True})

    # Each router module (sign-in, pages per process, /api/v1) is included here, by name.
    from interfaces.web.api import audit as audit_api
    from interfaces.web.api import awards as awards_api
    from interfaces.web.api import campaigns as campaigns_api
    from interfaces.web.api import chair as chair_api
    from interfaces.web.api import congress as congress_api
    from interfaces.web.api import contests as contests_api
    from interfaces.web.api import motions as motions_api
    from interfaces.web.api import work as work_api
    from interfaces.web.pages import audit as audit_pages
    from interfaces.web.pages import awards as award_pages
    from interfaces.web.pages import awards_nominate as award_nominate_pages
    from interfaces.web.pages import awards_nominee as award_nominee_pages
    from interfaces.web.pages import awards_notice as award_notice_pages
    from interfaces.web.pages import campaigns as campaign_pages
    from interfaces.web.pages import campaigns_report as campaign_report_pages
    from interfaces.web.pages import checkin as checkin_pages
    from interfaces.web.pages import congress as congress_pages
    from interfaces.web.pages import congress_setup as congress_setup_pages
    from interfaces.web.pages import contests as contest_pages
    from interfaces.web.pages import contests_forms as contest_form_pages
    from interfaces.web.pages import contests_notice as contest_notice_pages
    from interfaces.web.pages import contests_steps as contest_step_pages
    from interfaces.web.pages import inbox as inbox_pages
    from interfaces.web.pages import motions as motions_pages
    from interfaces.web.pages import operator as operator_pages
    from interfaces.web.pages import operator_rules as operator_rule_pages
    from interfaces.web.pages import voting as voting_pages
    from interfaces.web.pages import wage as wage_pages
    from interfaces.web.pages import wage_start as wage_start_pages

    # Every candidate route is tried in turn on each request (twice: FastAPI matches,
    # then dispatches), so the API comes first, the ballots' and check-ins' router
    # leading: a phone's vote is matched against a few routes, not against every page's.
    # No API path is a page's (they all start /api/v1), so the order changes no answer.
    for router in (
        congress_api,
        api_me,
        work_api,
        chair_api,
        motions_api,
        awards_api,
        contests_api,
        audit_api,
        campaigns_api,
        inbox_pages,
        wage_start_pages,  # before wage_pages: /cases/new is not a case id
        wage_pages,
        audit_pages,
        congress_pages,
        congress_setup_pages,
        checkin_pages,
        voting_pages,
        motions_pages,
        operator_pages,
        operator_rule_pages,
        award_nominee_pages,  # before the round's pages: /awards/nominations/… is not a round
        award_notice_pages,
        award_nominate_pages,
        award_pages,
        contest_form_pages,
        contest_notice_pages,
        contest_step_pages,
        contest_pages,
        campaign_report_pages,  # before the campaign's pages: /campaigns/reviews is not a campaign
        campaign_pages,
        signin,
        account_page,
    ):
        web.include_router(router.router)
    return web
