"""Opening a wage contract case from the web (发出协商要约): the cadre's offer form, and
before it the employees' written request that obliges the offer (职工书面要求发出要约).

The form posts what ``unionflow wage open`` takes; the case opens through the same
``WageContractService.open`` with the signed-in person, so the facade's checks (a cadre of
the unit itself, a unit with a higher union, a case id not taken) refuse as on the CLI and
nothing is written. The case id is the cadre's own number, or one made from the form's
``command_id``; a form posted twice meets the case its first post opened and shows it.

The employees' request is ``unionflow wage offer-request``
(``WageContractService.record_offer_request``, a plain ledger write: no Temporal server is
needed): one per unit and year, refused below the profile's fraction of the employees; a
form posted twice shows the request its first post recorded.

Both forms offer the loaded rule profiles (``--profile``), the one in force preselected;
an unknown or broken profile is refused (422) before anything starts, and the profile a
case or request was recorded with is shown with it.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError

from domain.actors import china_date
from domain.errors import DomainError, InvalidState
from domain.text import invalid_input
from domain.wage_contract import OpenCase, WageContractView, wage_contract_id
from domain.wage_contract.offer_request import (
    OfferRequestView,
    RecordOfferRequest,
    offer_request_id,
)
from i18n import Lang, pick
from interfaces.text import Names
from interfaces.web.app import context_of
from interfaces.web.auth import Me, SignedIn
from interfaces.web.context import TemporalUnavailable
from interfaces.web.forms import chosen_profile, profile_choices, see_other
from interfaces.web.pages import new_command_id
from interfaces.web.problem import NO_TEMPORAL, status_of
from interfaces.web.templating import render

router = APIRouter(include_in_schema=False)

# How long a second post of the same form waits for the case its first post is opening.
SAME_FORM_WAIT_SECONDS = 10.0


def case_id_for(unit_org: str, year: int, command_id: str) -> str:
    """The id of the case a form opens when the cadre gives none: the same form posted
    twice names the same case, which can be opened once."""
    return f"WC-{year}-{unit_org}-{uuid.uuid5(uuid.NAMESPACE_URL, command_id).hex[:6]}"


def _same_offer(view: WageContractView, offer: OpenCase, actor_id: str, profile: str) -> bool:
    """Whether a case already open is this very offer by this person (a second post)."""
    return (
        view.opened_by == actor_id
        and view.profile_name == profile
        and view.unit_org == offer.unit_org
        and view.employer == offer.employer
        and view.year == offer.year
        and view.offer_place == offer.offer_place
        and view.offer_content == offer.offer_content
    )


def _opened(request: Request, case_id: str) -> WageContractView | None:
    ctx = context_of(request)
    if not ctx.app.ledger.exists(wage_contract_id(case_id)):
        return None
    return ctx.readers().wage_contracts.view(case_id)


def _form(
    request: Request,
    me: SignedIn,
    values: dict[str, Any] | None = None,
    refusal: str | None = None,
    status_code: int = 200,
) -> Response:
    ctx = context_of(request)
    record = ctx.app.directory.actor(me.actor_id)
    shown = {
        "unit": record.spec.org,
        "year": str(china_date(datetime.now(UTC)).year),
        "case_id": "",
        "employer": "",
        "place": "",
        "content": "",
        "comment": "",
        "profile": ctx.app.settings.rule_profile,
        "command_id": new_command_id(),
        **(values or {}),
    }
    return render(
        request,
        "new_case.html",
        {
            "v": shown,
            "unit_name": Names(ctx.app.directory).org(shown["unit"]),
            "profiles": profile_choices(request),
            "refusal": refusal,
        },
        status_code=status_code,
    )


@router.get("/cases/new")
async def new_case(request: Request, me: Me) -> Response:
    """The offer form (要约): the unit is the signed-in cadre's own."""
    return _form(request, me)


@router.post("/cases/new")
async def open_case(
    request: Request,
    me: Me,
    unit: str = Form(..., max_length=200),
    employer: str = Form("", max_length=500),
    year: str = Form("", max_length=10),
    place: str = Form("", max_length=500),
    content: str = Form("", max_length=20_000),
    case_id: str = Form("", max_length=200),
    comment: str = Form("", max_length=20_000),
    profile: str = Form("", max_length=100),
    command_id: str = Form(..., min_length=1, max_length=100),
) -> Response:
    """Send the offer and open the case (``wage open --profile``), then show the case."""
    typed = {
        "unit": unit,
        "employer": employer,
        "year": year,
        "place": place,
        "content": content,
        "case_id": case_id,
        "comment": comment,
        "profile": profile,
        "command_id": command_id,
    }
    try:
        offer = _offer(typed)
        rules = chosen_profile(request, profile)
        opened = await _open_once(request, me, offer, comment, rules)
    except (DomainError, TemporalUnavailable) as e:
        if isinstance(e, DomainError):
            reason, status = e.message(Lang.code), status_of(e)
        else:
            reason, status = pick(NO_TEMPORAL), 503
        return _form(request, me, typed, refusal=reason, status_code=status)
    return see_other(f"/cases/{opened.case_id}?done=open")


def _offer(typed: dict[str, str]) -> OpenCase:
    year = typed["year"].strip()
    try:
        return OpenCase(
            case_id=typed["case_id"].strip()
            or case_id_for(typed["unit"], int(year) if year.isdigit() else 0, typed["command_id"]),
            unit_org=typed["unit"],
            employer=typed["employer"],
            year=int(year) if year.isdigit() else 0,
            offer_place=typed["place"],
            offer_content=typed["content"],
        )
    except ValidationError as e:
        raise invalid_input(e) from None


async def _open_once(
    request: Request, me: SignedIn, offer: OpenCase, comment: str, profile: str
) -> WageContractView:
    """Open the case, or the case this very form opened already."""
    found = _opened(request, offer.case_id)
    if found is not None and _same_offer(found, offer, me.actor_id, profile):
        return found
    facades = await context_of(request).facades()
    try:
        return await facades.wage_contracts.open(
            me.actor_id, offer, profile=profile, comment=comment
        )
    except InvalidState:
        # A second post while the first is still opening the case: wait for it.
        for _ in range(int(SAME_FORM_WAIT_SECONDS / 0.2)):
            found = _opened(request, offer.case_id)
            if found is not None:
                if _same_offer(found, offer, me.actor_id, profile):
                    return found
                break
            await asyncio.sleep(0.2)
        raise


# -- the employees' written request (职工书面要求发出要约) --------------------------------


def _request_form(
    request: Request,
    me: SignedIn,
    values: dict[str, str] | None = None,
    *,
    recorded: OfferRequestView | None = None,
    refusal: str | None = None,
    status_code: int = 200,
) -> Response:
    ctx = context_of(request)
    unit = ctx.app.directory.actor(me.actor_id).spec.org
    shown = {
        "year": str(china_date(datetime.now(UTC)).year),
        "employees": "",
        "signatures": "",
        "comment": "",
        "profile": ctx.app.settings.rule_profile,
        "command_id": new_command_id(),
        **(values or {}),
    }
    profiles = profile_choices(request)
    fractions = {}
    for choice in profiles:
        fraction = ctx.app.profiles.load(choice.name).wage_contract.offer_request_fraction
        fractions[choice.name] = f"{fraction.num}/{fraction.den}"
    return render(
        request,
        "offer_request.html",
        {
            "v": shown,
            "unit_name": Names(ctx.app.directory).org(unit),
            "fraction": fractions.get(ctx.app.settings.rule_profile, ""),
            "fractions": fractions,
            "profiles": profiles,
            "recorded": recorded,
            "recorded_profile": _request_profile(request, recorded),
            "refusal": refusal,
        },
        status_code=status_code,
    )


def _request_profile(request: Request, recorded: OfferRequestView | None) -> str | None:
    """The profile a recorded request met, as its first event names it."""
    if recorded is None:
        return None
    ledger = context_of(request).app.ledger
    first = ledger.stream(offer_request_id(recorded.unit_org, recorded.year))[:1]
    return getattr(first[0], "profile_name", None) if first else None


def _recorded_request(request: Request, me: SignedIn, year: int) -> OfferRequestView | None:
    """The request of the person's own unit for ``year``, if one is recorded."""
    ctx = context_of(request)
    unit = ctx.app.directory.actor(me.actor_id).spec.org
    found = ctx.app.ledger.find(offer_request_id(unit, year))
    return None if found is None else found.view()


@router.get("/cases/offer-request")
async def offer_request_form(request: Request, me: Me, done: int | None = None) -> Response:
    """The form of the employees' request: the unit is the signed-in cadre's own; after a
    post (``?done=YEAR``), the request recorded and the way to the offer."""
    recorded = _recorded_request(request, me, done) if done else None
    return _request_form(request, me, recorded=recorded)


@router.post("/cases/offer-request")
async def record_offer_request(
    request: Request,
    me: Me,
    year: str = Form("", max_length=10),
    employees: str = Form("", max_length=12),
    signatures: str = Form("", max_length=12),
    comment: str = Form("", max_length=20_000),
    profile: str = Form("", max_length=100),
    command_id: str = Form(..., min_length=1, max_length=100),
) -> Response:
    """Record the employees' request (``wage offer-request --profile``); a second post of
    the same form shows what the first recorded."""
    typed = {"year": year, "employees": employees, "signatures": signatures,
             "comment": comment, "profile": profile, "command_id": command_id}  # fmt: skip
    ctx = context_of(request)
    try:
        rules = chosen_profile(request, profile)
    except DomainError as e:
        return _request_form(request, me, typed, refusal=e.message(Lang.code), status_code=422)
    try:
        unit = ctx.app.directory.actor(me.actor_id).spec.org
        numbers = [x.strip() for x in (year, employees, signatures)]
        ask = RecordOfferRequest(
            unit_org=unit,
            year=int(numbers[0]) if numbers[0].isdigit() else 0,
            employees=int(numbers[1]) if numbers[1].isdigit() else 0,
            signatures=int(numbers[2]) if numbers[2].isdigit() else 0,
        )
    except ValidationError as e:
        return _request_form(request, me, typed, refusal=invalid_input(e).message(Lang.code),
                             status_code=422)  # fmt: skip
    found = ctx.app.ledger.find(offer_request_id(ask.unit_org, ask.year))
    if found is not None and found.has_applied(command_id):
        return see_other(f"/cases/offer-request?done={ask.year}")  # this form, posted again
    try:
        await ctx.readers().wage_contracts.record_offer_request(
            me.actor_id, ask, profile=rules, comment=comment, command_id=command_id
        )
    except DomainError as e:
        found = ctx.app.ledger.find(offer_request_id(ask.unit_org, ask.year))
        if found is not None and found.has_applied(command_id):
            return see_other(f"/cases/offer-request?done={ask.year}")  # a post beside it won
        reason, status = e.message(Lang.code), status_of(e)
        return _request_form(request, me, typed, refusal=reason, status_code=status)
    return see_other(f"/cases/offer-request?done={ask.year}")
