"""What the pages' forms share: command ids, htmx fragments, redirect after a post.

A form rendered with ``new_command_id()`` in a hidden ``command_id`` field hands that id
to the facade, so a double click or a retried post applies once.
"""

from __future__ import annotations

import re
import uuid

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from interfaces.web.auth import SignedIn


def new_command_id() -> str:
    """A fresh id for one rendered form."""
    return str(uuid.uuid4())


def is_htmx(request: Request) -> bool:
    """The request swaps a fragment into the page (htmx), rather than loading a page."""
    return request.headers.get("hx-request") == "true"


def see_other(url: str) -> Response:
    """After a form's post, the page to show (303: the browser GETs it)."""
    return RedirectResponse(url, status_code=303)


def actor_ids(text: str) -> list[str]:
    """Ids from a pasted list (lines, commas, spaces, 、), in order, blanks dropped."""
    return [part for part in re.split(r"[\s,，、;；]+", text) if part]


def has_role(me: SignedIn, role: str) -> bool:
    """Whether the signed-in person holds ``role`` (to show a form; the facade decides)."""
    return role in me.roles
