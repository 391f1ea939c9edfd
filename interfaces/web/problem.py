"""Refusals as RFC 9457 ``application/problem+json`` (API) or an error page (browser).

Every problem carries the domain's reason in Chinese and English, so an API client can
show the same words a CLI user reads.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from domain.errors import DomainError, InvalidInput, InvalidState, NotAuthorised, NotFound
from i18n import Lang
from interfaces.web.context import TemporalUnavailable

PROBLEM = "application/problem+json"

STATUS: list[tuple[type[DomainError], int]] = [
    (NotFound, 404),
    (NotAuthorised, 403),
    (InvalidInput, 422),
    (InvalidState, 409),
]

TITLES: dict[int, tuple[str, str]] = {
    400: ("请求无效", "bad request"),
    401: ("请先登录", "sign-in required"),
    403: ("无权执行此操作", "not allowed"),
    404: ("未找到", "not found"),
    405: ("不支持的请求方法", "method not allowed"),
    409: ("当前状态下不能执行此操作", "not possible in the current state"),
    422: ("输入有误", "invalid input"),
    429: ("尝试次数过多", "too many attempts"),
    503: ("流程服务暂不可用", "the process server is unavailable"),
}


NO_TEMPORAL: tuple[str, str] = (
    "无法连接流程服务（Temporal），请稍后再试；查看页面不受影响",
    "the process server (Temporal) cannot be reached; try again later (reading still works)",
)


_PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail", "reason_zh", "reason_en", "instance"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "reason_zh": {"type": "string", "description": "拒绝原因（中文）"},
        "reason_en": {"type": "string", "description": "the reason, in English"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "输入有误的字段 / the fields that failed validation (422)",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "reason": {"type": "string"}},
            },
        },
    },
}

API_REFUSALS = (400, 401, 403, 404, 409, 422, 429, 503)


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI entries of the refusals a router answers: each is problem+json (its
    schema given), so the documented content type is the one sent. Every status of
    ``API_REFUSALS`` unless told; a documented 422 also replaces FastAPI's default
    ``application/json`` validation error."""
    return {
        status: {
            "description": " / ".join(TITLES[status]),
            "content": {PROBLEM: {"schema": _PROBLEM_SCHEMA}},
        }
        for status in statuses or API_REFUSALS
    }


def status_of(error: DomainError) -> int:
    for cls, status in STATUS:
        if isinstance(error, cls):
            return status
    return 409


def problem(request: Request, status: int, zh: str, en: str, **extra: Any) -> Response:
    """A problem response: JSON for the API and htmx fragments' callers, a page otherwise."""
    title_zh, title_en = TITLES.get(status, ("请求失败", "request failed"))
    body = {
        "type": "about:blank",
        "title": title_en if Lang.code == "en" else title_zh,
        "status": status,
        "detail": en if Lang.code == "en" else zh,
        "reason_zh": zh,
        "reason_en": en,
        "instance": request.url.path,
        **extra,
    }
    if wants_html(request):
        from interfaces.web.templating import render

        return render(request, "error.html", {"problem": body}, status_code=status)
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def wants_html(request: Request) -> bool:
    """A browser page (not the API, not an htmx request that swaps a fragment in)."""
    if request.url.path.startswith("/api/"):
        return False
    return "text/html" in request.headers.get("accept", "") or bool(
        request.headers.get("hx-request")
    )


def install(app: Any) -> None:
    """Map every refusal the app can meet onto a problem; no traceback reaches a user."""

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        return problem(request, status_of(exc), exc.message_zh, exc.message_en)

    @app.exception_handler(TemporalUnavailable)
    async def _temporal(request: Request, exc: TemporalUnavailable) -> Response:
        return problem(request, 503, *NO_TEMPORAL)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        fields = [
            {"field": ".".join(str(p) for p in e["loc"][1:]) or "body", "reason": e["msg"]}
            for e in exc.errors()
        ]
        listed = "；".join(f"{f['field']}: {f['reason']}" for f in fields)
        return problem(
            request, 422, f"输入有误：{listed}", f"invalid input: {listed}", errors=fields
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        zh, en = TITLES.get(exc.status_code, ("请求失败", "request failed"))
        if isinstance(exc.detail, tuple):
            zh, en = exc.detail
        return problem(request, exc.status_code, zh, en)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        import structlog

        structlog.get_logger("unionflow.web").exception("web_unexpected", path=request.url.path)
        return problem(request, 500, "服务器内部错误，已记录", "internal error; it was logged")
