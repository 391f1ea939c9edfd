"""The operator's read-only views of the rules in force: rule profiles and the calendar.

Profiles are read from their YAML files (``application.profiles``), each rule with the file
that sets it; the calendar lists each year's source (a schedule loaded by an operator and
recorded in the ledger, the ``chinese-calendar`` package, or provisional) and shows a year
month by month. Changing either stays with the CLI (a file in the profile directory,
``unionflow calendar load``); which profile a new case or congress term uses is chosen on
its start form (``interfaces.web.forms.profile_choices``), the one in force preselected.
"""

from __future__ import annotations

import calendar as months
import datetime as dt
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from application.calendar import calendar_years
from domain.actors import CHINA_TZ
from domain.errors import NotFound
from domain.profiles import Fraction, MaxFraction, MinFraction
from i18n import pick, rule_fraction
from interfaces.text import Names
from interfaces.web.context import context_of
from interfaces.web.pages.operator import Operator
from interfaces.web.templating import render

router = APIRouter(include_in_schema=False)

YEAR_KINDS = {
    "loaded": ("已导入（运维管理员导入的安排）", "loaded (a schedule an operator loaded)"),
    "package": ("内置（chinese-calendar 软件包）", "built in (the chinese-calendar package)"),
    "provisional": (
        "暂定（安排未公布：按周一至周五减已知节日推算）",
        "provisional (not published: weekdays minus known festivals)",
    ),
}
WEEKDAYS = (
    ("一", "Mon"),
    ("二", "Tue"),
    ("三", "Wed"),
    ("四", "Thu"),
    ("五", "Fri"),
    ("六", "Sat"),
    ("日", "Sun"),
)
SECTIONS = {
    "wage_contract": ("工资专项集体合同", "wage contract"),
    "congress": ("职代会", "congress"),
}


def rule_text(value: Any) -> str:
    """A rule's value as a person reads it: ≥ 2/3, > 1/2, 20, or its fields."""
    if isinstance(value, Fraction):
        if isinstance(value, MaxFraction):
            sign = "<" if value.strict else "≤"
        elif isinstance(value, MinFraction):
            sign = ">" if value.strict else "≥"
        else:
            sign = ""
        return f"{sign} {value.num}/{value.den}（{rule_fraction(value.num, value.den)}）".strip()
    if isinstance(value, bool):
        return pick(("是", "yes")) if value else pick(("否", "no"))
    if hasattr(value, "model_dump"):
        return _plain(value.model_dump(mode="json"))
    if isinstance(value, dict):
        return "；".join(f"{k}: {rule_text(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "、".join(str(v) for v in value) or "—"
    return "—" if value is None else str(value)


def _plain(data: Any) -> str:
    if isinstance(data, dict):
        return "；".join(f"{k}: {_plain(v)}" for k, v in data.items())
    if isinstance(data, list):
        return "、".join(_plain(v) for v in data) or "—"
    return "—" if data is None else str(data).strip()


@router.get("/operator/profiles")
async def profiles_page(request: Request, me: Operator) -> Response:
    """Every rule profile: its rules, their basis and the file that sets each."""
    source = context_of(request).app.profiles
    in_force = context_of(request).app.settings.rule_profile
    profiles = [source.values(name) for name in source.names()]
    return render(
        request,
        "operator/profiles.html",
        {
            "profiles": profiles,
            "in_force": in_force,
            "sections": SECTIONS,
            "rule_text": rule_text,
        },
    )


@router.get("/operator/calendar")
async def calendar_page(request: Request, me: Operator) -> Response:
    """Each year's working-day calendar and where it comes from."""
    ctx = context_of(request)
    this_year = dt.datetime.now(CHINA_TZ).year
    years = calendar_years(ctx.app.ledger, ctx.app.calendar.current(), this_year + 2)
    return render(
        request,
        "operator/calendar.html",
        {
            "years": years,
            "kinds": YEAR_KINDS,
            "names": Names(ctx.app.directory),
            "local": lambda moment: moment.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M"),
        },
    )


@dataclass(frozen=True)
class Day:
    """One day of a month's grid: a rest day, an adjusted working day (调休), or neither."""

    date: dt.date
    kind: str  # holiday | workday (adjusted) | weekend | working


@router.get("/operator/calendar/{year}")
async def year_page(request: Request, year: int, me: Operator) -> Response:
    """A year month by month, rest days and adjusted working days marked in words."""
    if not 1949 <= year <= 2200:
        raise NotFound(f"没有 {year} 年的日历", f"no calendar for {year}")
    ctx = context_of(request)
    calendar = ctx.app.calendar.current()
    status = next(
        (y for y in calendar_years(ctx.app.ledger, calendar, year) if y.year == year), None
    )
    if status is None:
        raise HTTPException(404)
    holidays, workdays = calendar.days_of(year)
    grid = months.Calendar(firstweekday=0)
    month_rows = []
    for month in range(1, 13):
        weeks = []
        for week in grid.monthdatescalendar(year, month):
            weeks.append(
                [Day(d, _kind(d, holidays, workdays)) if d.month == month else None for d in week]
            )
        month_rows.append((month, weeks))
    return render(
        request,
        "operator/year.html",
        {
            "year": year,
            "status": status,
            "kinds": YEAR_KINDS,
            "months": month_rows,
            "weekdays": WEEKDAYS,
            "holidays": sorted(holidays),
            "workdays": sorted(workdays),
        },
    )


def _kind(day: dt.date, holidays: frozenset[dt.date], workdays: frozenset[dt.date]) -> str:
    if day in workdays:
        return "workday"
    if day in holidays:
        return "holiday"
    return "weekend" if day.weekday() >= 5 else "working"
