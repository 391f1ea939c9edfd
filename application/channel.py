"""The channel of the current act: set once by the door a request came through.

The web app (per request: ``web`` for a browser session, ``api`` for a bearer token) and
the CLI (``cli``, for the whole invocation) set it; ``DirectoryService.acting`` stamps it
on every ``Acting`` it resolves, so the facades record it without taking a parameter.
A context variable follows the request into its tasks and into ``asyncio.to_thread``;
the worker's activities keep the channel their request carried (``acting_from_directory``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from domain.actors import Channel

_CHANNEL: ContextVar[Channel | None] = ContextVar("unionflow_channel", default=None)


def current_channel() -> Channel | None:
    """The channel acts of this context come through, or None (the engine, a test)."""
    return _CHANNEL.get()


def set_channel(channel: Channel | None) -> Callable[[], None]:
    """Acts of this context (and of the tasks it starts) come through ``channel``; returns
    what restores the channel before (called where the request or invocation ends)."""
    token = _CHANNEL.set(channel)
    return lambda: _CHANNEL.reset(token)


@contextmanager
def acting_through(channel: Channel | None) -> Iterator[None]:
    """Acts inside the block come through ``channel``; the previous one is restored after."""
    restore = set_channel(channel)
    try:
        yield
    finally:
        restore()
