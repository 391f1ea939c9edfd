"""Who is signed in, as every route sees it.

The sign-in middleware (sessions for browsers, bearer tokens for machines) sets
``request.state.signed_in``; routes ask for it with ``Depends(signed_in)`` and pass only
``SignedIn.actor_id`` to the facades, which resolve roles from the directory in the ledger
(authorisation stays in the domain). ``request.state.csrf`` is the session's CSRF token:
every form carries it as ``csrf_token`` and htmx sends it as ``X-CSRF-Token``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request
from pydantic import BaseModel

from domain.actors import Channel

__all__ = ["Channel", "SignInRequired", "SignedIn", "csrf_token", "current", "signed_in"]


class SignedIn(BaseModel):
    """A signed-in person: an actor of the directory."""

    actor_id: str
    name: str
    roles: list[str]
    channel: Channel = Channel.WEB


class SignInRequired(HTTPException):
    """Nobody is signed in: pages redirect to the sign-in page, the API answers 401."""

    def __init__(self) -> None:
        super().__init__(401, ("请先登录", "sign in first"))


def current(request: Request) -> SignedIn | None:
    """The signed-in person, or None (for pages that show a sign-in link)."""
    found = getattr(request.state, "signed_in", None)
    return found if isinstance(found, SignedIn) else None


async def signed_in(request: Request) -> SignedIn:
    """The dependency of every route that acts or shows personal data (async: FastAPI
    runs a plain function dependency in a thread, a hop per request for a dict read)."""
    found = current(request)
    if found is None:
        raise SignInRequired()
    return found


def csrf_token(request: Request) -> str:
    """The CSRF token forms of this session carry (empty without a session)."""
    token = getattr(request.state, "csrf", "")
    return token if isinstance(token, str) else ""


# What routes take: the signed-in person, and a record's key in a path (a case id, a
# session, poll or motion key; the same characters the domain's keys use).
Me = Annotated[SignedIn, Depends(signed_in)]
RecordKey = Annotated[str, Path(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.:\-]+$")]
