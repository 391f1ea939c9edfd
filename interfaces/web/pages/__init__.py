"""The HTML pages, one router module per area; each calls the facades the CLI calls.

- ``inbox``: what waits for the signed-in person (待办), across processes.
- ``wage``: wage contract cases, their page and the forms of the person's steps.
- ``audit``: any record's timeline and its state at an instant; verification and seals.
"""

from __future__ import annotations

import uuid

from fastapi import Request


def is_htmx(request: Request) -> bool:
    """An htmx request swaps the fragment it gets (a form posted from the page)."""
    return request.headers.get("hx-request") == "true"


def new_command_id() -> str:
    """A form's idempotency key, fixed when the page renders: posting it twice applies once."""
    return str(uuid.uuid4())
