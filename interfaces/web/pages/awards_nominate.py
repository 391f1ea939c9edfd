"""Nominating in a round (推荐候选人): the unit's cadre enters a nominee, from the form of the
nominee's details or an uploaded YAML file as ``examples/nominee.yaml`` shows.

The act is ``unionflow award nominate`` (``AwardFacade.nominate``), straight to the ledger:
no Temporal server is needed. The nomination's key follows from the round, the unit and the
person, and the form's ``command_id`` makes a double submit nominate once. A refusal (the
nominating period over, a sub-union without places, a category the definition does not
know, another unit's cadre) is shown above the form in the domain's words, what was typed
kept, and nothing is written. Places used up and disqualifiers are checked when the unit
submits the nomination, on the nominee's page.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from application.input_files import model_from_yaml
from domain.award.values import Nominee, RoundView
from domain.errors import DomainError, InvalidInput
from domain.text import invalid_input
from interfaces.text import Names
from interfaces.web.auth import Me, RecordKey, SignedIn
from interfaces.web.forms import upload_text
from interfaces.web.pages import new_command_id
from interfaces.web.pages.awards import LABELS, readable_round, readers, refusal_of
from interfaces.web.templating import render
from interfaces.web.wage_forms import comment_and_id

router = APIRouter(include_in_schema=False)

MAX_UPLOAD = 64 << 10  # a nominee's file is a few hundred bytes
WHAT = "候选人"
FIELDS = ("person", "name", "gender", "sub_union", "post", "category", "deeds")


async def nominee_of(form: FormData, unit_org: str, sub_unions: list[str]) -> Nominee:
    """The nominee from the uploaded file ``nominee_file`` if one was chosen, else from the
    form's fields (the unit is the cadre's own; the sub-union the one above it with places
    unless the form names another)."""
    upload = form.get("nominee_file")
    if isinstance(upload, UploadFile) and upload.filename:
        text = await upload_text(upload, WHAT, MAX_UPLOAD)
        return model_from_yaml(text, Nominee, WHAT, upload.filename)
    values: dict[str, Any] = {k: str(form.get(k) or "").strip() for k in FIELDS}
    if not values["gender"]:
        values["gender"] = None  # a collective
    if not values["sub_union"] and sub_unions:
        values["sub_union"] = sub_unions[0]
    values["flags"] = [str(f) for f in form.getlist("flags") if str(f).strip()]
    values["unit_org"] = unit_org
    try:
        return Nominee.model_validate(values)
    except ValidationError as e:
        raise invalid_input(e) from None


@router.get("/awards/{round_key}/nominate")
async def nominate_form(request: Request, round_key: RecordKey, me: Me) -> Response:
    return nominate_view(request, round_key, me)


def nominate_view(
    request: Request,
    round_key: str,
    me: SignedIn,
    *,
    typed: FormData | None = None,
    refusal: str | None = None,
    status_code: int = 200,
) -> Response:
    """The form of the nominee's details (or the file), for the cadre of a unit under a
    sub-union with places while the round takes nominations; to anyone else who reads the
    round, who may nominate and until when."""
    facade = readers(request)
    r: RoundView = readable_round(request, round_key, me)
    names = Names(facade.directory)
    sub_unions = facade.nominating_for(me.actor_id, r)
    record = facade.directory.actor(me.actor_id)
    used = {p.sub_union: p for p in facade.dashboard(round_key).places}
    kept = {k: str(typed.get(k) or "") for k in FIELDS} if typed is not None else {}
    values: dict[str, Any] = {
        "r": r,
        "unit": names.org(record.spec.org),
        # Places left now (those submitted and still in the running use them).
        "sub_unions": [(org, names.org(org), used[org]) for org in sub_unions],
        "place_names": [names.org(org) for org in r.definition.places],
        "kept": kept,
        "kept_flags": [str(f) for f in typed.getlist("flags")] if typed is not None else [],
        "command_id": str(typed.get("command_id") or "") if typed is not None else "",
        "refusal": refusal,
        **LABELS,
    }
    values["command_id"] = values["command_id"] or new_command_id()
    return render(request, "awards/nominate.html", values, status_code=status_code)


@router.post("/awards/{round_key}/nominate")
async def nominate(request: Request, round_key: RecordKey, me: Me) -> Response:
    """Nominate (``award nominate``); the nominee's page next, for the unit's steps."""
    form = await request.form()
    facade = readers(request)
    r = readable_round(request, round_key, me)
    try:
        comment, command_id = comment_and_id(form.get("comment"), form.get("command_id"))
        if command_id is None:
            raise InvalidInput("表单缺少 command_id，请刷新页面", "the form has no command_id")
        unit_org = facade.directory.actor(me.actor_id).spec.org
        nominee = await nominee_of(form, unit_org, facade.nominating_for(me.actor_id, r))
        view = await facade.nominate(
            me.actor_id, round_key, nominee, comment=comment, command_id=command_id
        )
    except DomainError as e:
        reason, status = refusal_of(e)
        return nominate_view(request, round_key, me, typed=form, refusal=reason, status_code=status)
    return RedirectResponse(f"/awards/nominations/{view.key}?done=nominate", status_code=303)
