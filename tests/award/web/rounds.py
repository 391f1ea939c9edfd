"""Rounds for the award pages' tests, built with the service tests' own helpers
(``tests/award/test_award_service.py``): a 工人先锋号 round of dl-city, two clearance
departments, nominations of dl-bearing taken to the stage a test needs, on a clock the
test moves (the web app's facade reads the same clock)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta

import httpx

from application.awards import AwardService
from bootstrap import App
from domain.award.commands import GiveClearance, ReviewNomination, Submit
from interfaces.web.context import WebContext
from tests.award.test_award_service import DEPARTMENTS, Clock, open_round, team, through_unit
from tests.web.pages_support import browser

__all__ = ["DEPARTMENTS", "Clock", "cleared", "in_first_notice", "site_of", "submitted"]


async def site_of(
    app: App, clock: Clock | None, client: object = None
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the web app (with the Temporal client given) whose award service and
    facade read ``clock`` (their own when None)."""
    context = WebContext(app, _client=client)  # type: ignore[arg-type]
    if clock is not None:
        app.awards.clock = clock

        async def now():  # type: ignore[no-untyped-def]
            return clock()

        context.readers().awards.clock = now
    async for c in browser(context):
        yield c


def nominated(service: AwardService, clock: Clock, n: int, category: str = "team") -> str:
    """A nomination through the unit's steps, its unit notice run and closed."""
    clock.to(date(2027, 3, 1))
    key = service.nominate("wang.li", ROUND, team(n, category)).key
    through_unit(service, clock, key)
    return key


ROUND = "pioneer-2027"


def submitted(service: AwardService, clock: Clock, *categories: str) -> tuple[str, list[str]]:
    """The round open and one submitted nomination per category (the first review next)."""
    rk = open_round(service)
    assert rk == ROUND
    keys = [nominated(service, clock, n, c) for n, c in enumerate(categories, 1)]
    clock.to(date(2027, 3, 8))
    service.sweep(rk, clock())
    for key in keys:
        service.act("wang.li", key, Submit())
    return rk, keys


def in_first_notice(service: AwardService, clock: Clock, *categories: str) -> tuple[str, list[str]]:
    """Submitted and through the first review: the sub-union's notice runs."""
    rk, keys = submitted(service, clock, *categories)
    for key in keys:
        service.act(
            "chen.jing", key, ReviewNomination(kind="first_review", passed=True, opinion="同意")
        )
    return rk, keys


def cleared(service: AwardService, clock: Clock, *categories: str) -> tuple[str, list[str]]:
    """Past the sub-union's notice: the clearances asked (none given)."""
    rk, keys = in_first_notice(service, clock, *categories)
    clock.to(date(2027, 3, 15))
    service.sweep(rk, clock())
    return rk, keys


def all_cleared(service: AwardService, clock: Clock, keys: list[str]) -> None:
    for key in keys:
        for k, dept in DEPARTMENTS.items():
            service.act(dept, key, GiveClearance(key=k, clear=True))
    clock.to(clock.day() + timedelta(days=1))
