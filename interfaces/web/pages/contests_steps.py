"""The organiser's round steps on the web: open a round (its registration opens), close
registration, start judging, rank the round (the ranking revealed with its inputs' hash),
then the ranking's notice — posted and closed by the forms of ``contests_notice``.

Each step is the one ``unionflow contest open|close-registration|start-judging|rank``
makes through ``ContestService``, straight to the ledger (the round's workflow, when one
runs, follows the ledger at its next turn). Each form carries a ``command_id``, so a
double submit applies once, and the session's CSRF token; a refusal is shown on the page
in the domain's words with its status and writes nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from application.contest_inputs import OpenContestRound
from domain.actors import Role
from domain.contest.values import Phase, RoundView
from domain.errors import DomainError, InvalidInput, NotFound
from domain.policies import is_unit_cadre
from domain.text import invalid_input
from interfaces.web.app import context_of
from interfaces.web.auth import Me, RecordKey, SignedIn
from interfaces.web.pages.awards import refusal_of, refused_view
from interfaces.web.pages.contests import contests, list_view, readable_contest, round_view
from interfaces.web.wage_forms import comment_and_id

router = APIRouter(include_in_schema=False)

StepKind = Literal["close_registration", "start_judging", "rank"]
Label = tuple[str, str]

DONE: dict[str, Label] = {
    "opened": ("竞赛轮次已开启，开始报名。", "The round is open for registration."),
    "close_registration": ("报名已截止。", "Registration is closed."),
    "start_judging": ("自评已截止，评审开始。", "Self-assessment is closed; judging starts."),
    "rank": ("排名已计算并发布，附输入摘要。", "The round is ranked, with its inputs' hash."),
}

# The organiser's step in each phase: the form's action (under /contests/{round}) and label.
PHASE_STEPS: dict[Phase, tuple[str, Label]] = {
    Phase.REGISTRATION: ("steps/close_registration", ("截止报名", "Close registration")),
    Phase.SELF_ASSESSMENT: (
        "steps/start_judging",
        ("截止自评，开始评审", "Close self-assessment and start judging"),
    ),
    Phase.JUDGING: ("steps/rank", ("计算并发布排名", "Rank the round and publish the ranking")),
    Phase.RANKED: ("notice", ("发布排名公示", "Post the ranking's notice")),
    Phase.NOTICE: (
        "notice/close",
        ("结束公示（公示期满且异议均已处理）", "Close the notice (after its last day, none open)"),
    ),
}


def _is_cadre(request: Request, actor: str) -> bool:
    """Whether ``actor`` is a union cadre (who may open a round of their own union)."""
    try:
        context_of(request).app.directory.acting(actor, Role.CADRE)
    except DomainError:
        return False
    return True


def round_step(request: Request, r: RoundView, actor: str) -> tuple[str, Label] | None:
    """The step the organiser's cadre ``actor`` may take on the round now (to show its form)."""
    try:
        acting = context_of(request).app.directory.acting(actor, Role.CADRE)
    except DomainError:
        return None
    if not is_unit_cadre(acting, r.organiser_org):
        return None
    found = PHASE_STEPS.get(r.phase)
    return (f"/contests/{r.key}/{found[0]}", found[1]) if found else None


def opening_choices(request: Request, actor: str) -> list[tuple[str, Label]] | None:
    """For a union cadre, each definition's stages (``definition/stage``) to open a round
    of; None for anyone else (no form)."""
    if not _is_cadre(request, actor):
        return None
    return [
        (f"{d.key}/{s.key}", (f"{d.zh} · {s.zh}", f"{d.en} · {s.en}"))
        for d in contests(request).definitions.all()
        for s in d.stages
    ]


def _day(raw: Any, required: bool, what: Label) -> date | None:
    text = str(raw or "").strip()
    if not text:
        if required:
            raise InvalidInput(f"请填写{what[0]}", f"give the {what[1]}")
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"{what[0]}不是日期（年-月-日）：{text}", f"{what[1]}: not a date (YYYY-MM-DD): {text}"
        ) from None


@router.post("/contests")
async def open_round(request: Request, me: Me) -> Response:
    """A union cadre opens a round of a definition's stage (``contest open``)."""
    form = await request.form()
    try:
        _, command_id = comment_and_id("", form.get("command_id"))
        definition, _, stage = str(form.get("definition") or "").partition("/")
        year = str(form.get("year") or "").strip()
        if not year.isdigit():
            raise InvalidInput("请填写年度（四位数字）", "give the year (four digits)")
        try:
            c = OpenContestRound(
                round_key=str(form.get("round_key") or "").strip(),
                title=str(form.get("title") or ""),
                definition=definition,
                stage=stage,
                year=int(year),
                registration_closes=_day(
                    form.get("registration_closes"), True, ("报名截止日", "registration close")
                ),
                self_assessment_closes=_day(
                    form.get("self_assessment_closes"),
                    False,
                    ("自评截止日", "self-assessment close"),
                ),
                ranks_on=_day(form.get("ranks_on"), False, ("排名日", "ranking day")),
            )
        except ValidationError as e:
            raise invalid_input(e) from None
        r = contests(request).open_round(me.actor_id, c, command_id=command_id)
    except DomainError as e:
        reason, status = refusal_of(e)
        return list_view(request, me, refusal=reason, status_code=status)
    return RedirectResponse(f"/contests/{r.key}?done=opened", status_code=303)


@router.post("/contests/{round_key}/steps/{kind}")
async def take_step(
    request: Request,
    round_key: RecordKey,
    kind: Annotated[StepKind, Path()],
    me: Me,
) -> Response:
    """The organiser's round step (``contest close-registration|start-judging|rank``)."""
    form = await request.form()
    try:
        readable_contest(request, round_key, me)
        comment, command_id = comment_and_id(form.get("comment"), form.get("command_id"))
        service = contests(request)
        if kind == "close_registration":
            service.close_registration(me.actor_id, round_key, command_id=command_id)
        elif kind == "start_judging":
            service.start_judging(me.actor_id, round_key, command_id=command_id)
        else:
            service.rank(me.actor_id, round_key, comment=comment, command_id=command_id)
    except DomainError as e:
        if isinstance(e, NotFound):
            raise
        reason, status = refusal_of(e)
        return _refused(request, round_key, me, reason, status)
    return RedirectResponse(f"/contests/{round_key}?done={kind}", status_code=303)


def _refused(request: Request, round_key: str, me: SignedIn, reason: str, status: int) -> Response:
    return refused_view(
        request, reason, status,
        lambda: round_view(request, round_key, me, refusal=reason, status_code=status),
    )  # fmt: skip
