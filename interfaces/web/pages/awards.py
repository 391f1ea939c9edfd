"""Award selection pages (评选表彰, 两审三公示): the rounds, a round's dashboard with the
federation cadre's round steps, and the notice and final lists as XLSX and PDF/A.

Every act is the one ``unionflow award`` makes (``interfaces/cli/award.py``) through
``AwardFacade``: the round's steps are updates of its workflow (Temporal), with the form's
``command_id`` as the update id, so a double submit applies once. A refusal is shown above
the forms in the domain's words, with its status, and nothing is written. The nominee's
page is ``awards_nominee``, the public notice and objections ``awards_notice``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, TypeAdapter, ValidationError

from application.read_policy import ReadPolicy
from domain.actors import CHINA_TZ
from domain.award.definition import LEVEL_LABELS
from domain.award.handlers import notice_rows
from domain.award.permissions import COMMAND_LABELS, ROUND_LABELS
from domain.award.values import (
    NOMINATION_STAGE_LABELS,
    NOTICE_LABELS,
    ROUND_STAGE_LABELS,
    NominationStage,
    NominationView,
    Notice,
    RoundView,
)
from domain.errors import DomainError, InvalidInput, NotFound
from domain.text import Key, Name, ShortText, invalid_input
from i18n import Lang, pick
from interfaces.text import Names
from interfaces.web.app import context_of
from interfaces.web.auth import Me, RecordKey, SignedIn
from interfaces.web.context import TemporalUnavailable
from interfaces.web.pages import new_command_id
from interfaces.web.problem import NO_TEMPORAL, status_of
from interfaces.web.templating import render
from interfaces.web.wage_forms import comment_and_id
from services.awards import AwardFacade

router = APIRouter(include_in_schema=False)

RoundStep = Annotated[str, Path(pattern=r"^(start_notice|record_committee|publish)$")]
ListFile = Annotated[str, Path(pattern=r"^(notice|final)\.(xlsx|pdf)$")]

# Shown to every template of these pages.
LABELS: dict[str, Any] = {
    "stages": NOMINATION_STAGE_LABELS,
    "round_stages": ROUND_STAGE_LABELS,
    "notices": NOTICE_LABELS,
    "levels": LEVEL_LABELS,
    "acts": {**COMMAND_LABELS, **ROUND_LABELS},
}


def readers(request: Request) -> AwardFacade:
    """The facade for reads and for acts on nominations (straight to the ledger)."""
    return context_of(request).readers().awards


def form_date(value: object, what: tuple[str, str]) -> date:
    """A date field of a form (YYYY-MM-DD, as ``<input type=date>`` sends it)."""
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise InvalidInput(
            f"{what[0]}日期格式无效（应为 YYYY-MM-DD）", f"{what[1]}: not a date (YYYY-MM-DD)"
        ) from None


def china_today() -> date:
    """Today in China: the default a date field of these forms shows."""
    return datetime.now(CHINA_TZ).date()


def running_notice(n: NominationView) -> Notice | None:
    """The notice of this nomination that runs now (at most one at a time)."""
    return next((x for x in reversed(n.notices) if not x.closed), None)


def refusal_of(e: DomainError | TemporalUnavailable) -> tuple[str, int]:
    """A refusal's words in the reader's language, and its status."""
    if isinstance(e, DomainError):
        return e.message(Lang.code), status_of(e)
    return pick(NO_TEMPORAL), 503


class NomineeRow(BaseModel):
    """A nomination as the round's pages list it: names, not codes."""

    key: str
    name: str
    unit: str
    sub_union: str
    stage: NominationStage
    url: str
    row: dict[str, object]  # as the notice prints it (gender, post, category, deeds)


def nominee_rows(facade: AwardFacade, r: RoundView, noms: list[NominationView]) -> list[NomineeRow]:
    units = facade.awards.unit_names(noms)
    names = Names(facade.directory)
    return [
        NomineeRow(
            key=n.key,
            name=n.nominee.name,
            unit=units.get(n.nominee.unit_org, n.nominee.unit_org),
            sub_union=names.org(n.nominee.sub_union),
            stage=n.stage,
            url=f"/awards/nominations/{n.key}",
            row=notice_rows([n], r.definition, units)[0],
        )
        for n in sorted(noms, key=lambda v: (v.nominee.sub_union, v.nominee.unit_org, v.key))
    ]


def round_dates(r: RoundView) -> list[tuple[tuple[str, str], str]]:
    """The round's timeline: what happens when (planned dates and those recorded)."""
    found: list[tuple[tuple[str, str], str]] = [
        (("推荐截止", "nominations close"), str(r.nominations_close)),
    ]
    if r.notice is not None:
        found.append(
            (("总工会公示", "the federation's notice"), f"{r.notice.starts} – {r.notice.ends}")
        )
    if r.committee_result:
        found.append((("评审委员会表决", "the committee's vote"), r.committee_result))
    if r.published_on is not None:
        found.append(
            (("发布", "published"), f"{r.published_on} · {r.published_channel}".strip(" ·"))
        )
    return found


def policy(request: Request) -> ReadPolicy:
    return context_of(request).app.read_policy


def readable_round(request: Request, round_key: str, me: SignedIn) -> RoundView:
    """The round, if the signed-in person may read it (else 404, as a missing one)."""
    return policy(request).check_round(me.actor_id, readers(request).round(round_key))


def refused_view(
    request: Request, reason: str, status: int, page: Callable[[], Response]
) -> Response:
    """A refused act shown on its page; to someone who may not read the page, the
    refusal alone (as the wage and congress pages do)."""
    try:
        return page()
    except NotFound:
        return render(request, "refused.html", {"reason": reason}, status_code=status)


@router.get("/awards")
async def round_list(request: Request, me: Me) -> Response:
    """The rounds the person may read (``award rounds``), and the others' public notices
    while a name is in one (a notice is every signed-in person's)."""
    facade = readers(request)
    every = facade.rounds()
    mine = policy(request).rounds(me.actor_id, every)
    kept = {r.key for r in mine}
    noticed = [
        r
        for r in every
        if r.key not in kept
        and any(running_notice(n) is not None for n in facade.nominations(r.key))
    ]
    return render(request, "awards/list.html", {"rounds": mine, "noticed": noticed, **LABELS})


@router.get("/awards/{round_key}")
async def round_page(request: Request, round_key: RecordKey, me: Me) -> Response:
    done = request.query_params.get("done", "")
    notice = ROUND_LABELS.get(done)
    return round_view(request, round_key, me, notice=notice)


def round_view(
    request: Request,
    round_key: str,
    me: SignedIn,
    *,
    notice: tuple[str, str] | None = None,
    refusal: str | None = None,
    status_code: int = 200,
) -> Response:
    """The round's dashboard (``award show``): places, proportions, nominations by stage,
    open objections, the timeline and the round steps the signed-in cadre may take."""
    facade = readers(request)
    r = readable_round(request, round_key, me)
    board = facade.dashboard(round_key)
    # The places and proportions count every nomination; the lists name only readable ones.
    noms = policy(request).nominations(me.actor_id, facade.nominations(round_key), r)
    rows = nominee_rows(facade, r, noms)
    by_stage = [
        (stage, [row for row in rows if row.stage is stage])
        for stage in NOMINATION_STAGE_LABELS
        if any(row.stage is stage for row in rows)
    ]
    row_of = {row.key: row for row in rows}
    objections = [(row_of[n.key], o) for n in noms for o in n.open_objections()]
    names = Names(facade.directory)
    values: dict[str, Any] = {
        "board": board,
        "r": r,
        "by_stage": by_stage,
        "objections": objections,
        "dates": round_dates(r),
        "steps": facade.round_steps(me.actor_id, r),
        "nominates": facade.may_nominate(me.actor_id, r),
        "reads_history": context_of(request).app.read_policy.may_read_history(me.actor_id),
        "places": [(names.org(p.sub_union), p) for p in board.places],
        "federation": names.org(r.federation_org),
        "departments": [
            (
                next((pick((c.zh, c.en)) for c in r.definition.clearances if c.key == k), k),
                names.person(actor),
            )
            for k, actor in r.departments.items()
        ],
        "command_id": new_command_id(),
        "today": china_today(),
        "notice": notice,
        "refusal": refusal,
        **LABELS,
    }
    return render(request, "awards/round.html", values, status_code=status_code)


@router.post("/awards/{round_key}/steps/{step}")
async def round_step(request: Request, round_key: RecordKey, step: RoundStep, me: Me) -> Response:
    """A federation cadre's round step: start the notice, record the committee's poll, or
    publish the list (``award notice|committee|publish``)."""
    form = await request.form()
    try:
        comment, command_id = comment_and_id(form.get("comment"), form.get("command_id"))
        facade = (await context_of(request).facades()).awards
        ids: dict[str, Any] = {"comment": comment, "command_id": command_id}
        if step == "start_notice":
            starts = form_date(form.get("starts"), ("公示开始", "notice starts"))
            await facade.start_notice(me.actor_id, round_key, starts, **ids)
        elif step == "record_committee":
            poll = text_field(Key, form.get("poll"))
            await facade.record_committee(me.actor_id, round_key, poll, **ids)
        else:
            channel = text_field(ShortText, form.get("channel"))
            decision = text_field(Name, form.get("decision"))
            await facade.publish(me.actor_id, round_key, channel, decision, **ids)
    except (DomainError, TemporalUnavailable) as e:
        if isinstance(e, NotFound):
            raise
        reason, status = refusal_of(e)
        return refused_view(
            request,
            reason,
            status,
            lambda: round_view(request, round_key, me, refusal=reason, status_code=status),
        )
    return RedirectResponse(f"/awards/{round_key}?done={step}", status_code=303)


def text_field(kind: Any, value: object) -> str:
    """One text field checked as the domain's type (``Key``, ``ShortText``, ``Name``…)."""
    try:
        checked: str = TypeAdapter(kind).validate_python(str(value or ""))
    except ValidationError as e:
        raise invalid_input(e) from None
    return checked


@router.get("/awards/{round_key}/lists/{file}")
async def list_file(request: Request, round_key: RecordKey, file: ListFile, me: Me) -> Response:
    """The notice's list or the final list (``award export``): XLSX, or PDF/A with the
    Chinese fonts embedded and the committed hash printed."""
    from application.award_exports import as_pdf, as_xlsx, award_list

    which, suffix = file.split(".")
    r = readers(request).round(round_key)
    if which == "final" and r.published_on is None:
        # The notice's list is public; the final list is the round's until published.
        policy(request).check_round(me.actor_id, r)
    found = award_list(
        readers(request).awards, round_key, "notice" if which == "notice" else "final"
    )
    if suffix == "xlsx":
        data = as_xlsx(found)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        data, media = as_pdf(found), "application/pdf"
    name = f"{round_key}-{which}.{suffix}"
    return Response(
        data,
        media_type=media,
        headers={
            "content-disposition": f'attachment; filename="{name}"',
            "x-list-hash": found.committed_hash,
        },
    )
