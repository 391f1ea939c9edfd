"""Jinja2 templates with the request's language, person and CSRF token."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

import i18n
from interfaces.web.auth import csrf_token, current
from interfaces.web.forms import profile_label

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
TEMPLATES.env.globals.update(pick=i18n.pick, fmt=i18n.fmt, t=i18n.t)
TEMPLATES.env.globals.update(profile_label=profile_label)  # profile_label(request, name)


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    """A page or fragment; every template sees ``me``, ``csrf`` and ``lang``."""
    values = {"me": current(request), "csrf": csrf_token(request), "lang": i18n.Lang.code}
    values.update(context or {})
    return TEMPLATES.TemplateResponse(request, name, values, status_code=status_code)
