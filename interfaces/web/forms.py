"""What the pages' forms share: command ids, htmx fragments, redirect after a post.

(``is_htmx`` and ``new_command_id`` are in ``interfaces.web.pages``.)
"""

from __future__ import annotations

import re

from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from domain.errors import InvalidInput
from interfaces.web.auth import SignedIn


def see_other(url: str) -> Response:
    """After a form's post, the page to show (303: the browser GETs it)."""
    return RedirectResponse(url, status_code=303)


def actor_ids(text: str) -> list[str]:
    """Ids from a pasted list (lines, commas, spaces, 、), in order, blanks dropped."""
    return [part for part in re.split(r"[\s,，、;；]+", text) if part]


def has_role(me: SignedIn, role: str) -> bool:
    """Whether the signed-in person holds ``role`` (to show a form; the facade decides)."""
    return role in me.roles


async def upload_text(upload: UploadFile, what: str, limit: int) -> str:
    """An uploaded file's text: at most ``limit`` bytes of UTF-8 (``what`` names it)."""
    data = await upload.read(limit + 1)
    if len(data) > limit:
        size = f"{limit / (1 << 20):g} MiB"
        raise InvalidInput(
            f"{what}文件 {upload.filename} 过大（超过 {size}）",
            f"{upload.filename} is larger than {size}",
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(
            f"{what}文件 {upload.filename} 不是 UTF-8 编码", f"{upload.filename} is not UTF-8"
        ) from None
