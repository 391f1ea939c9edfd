"""The contest forms: the judge's scoring form and the entrant unit's self-assessment.

A judge sees only the entries assigned to them that they need not recuse from
(``ContestService.assigned``), by code alone where judging is blind; any other entry is
missing to them (404). Where the definition asks for commit then reveal, the judge first
commits: the page takes the marks and a phrase only the judge knows, sends the ledger their
SHA-256 alone (``scoring.sheet_commitment``, as ``unionflow contest commit`` does) and keeps
nothing; after every judge of the entry has committed, the same marks and phrase reveal
the sheet. Every form carries a ``command_id``: a double submit applies once. A refusal is
shown in the domain's words with its status, and nothing is written.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from application.contest_inputs import JudgeRow
from domain.contest.definition import ContestDefinition
from domain.contest.scoring import sheet_commitment
from domain.contest.values import EntryView, Marks, Phase, RoundView, SheetStatus, entry_key
from domain.errors import DomainError, InvalidInput, NotFound
from domain.text import ShortText
from interfaces.web.auth import Me, RecordKey, SignedIn
from interfaces.web.pages import new_command_id
from interfaces.web.pages.awards import refusal_of, refused_view, text_field
from interfaces.web.pages.contests import LABELS, contests, policy, readable_contest, stage_name
from interfaces.web.templating import render
from interfaces.web.wage_forms import comment_and_id

router = APIRouter(include_in_schema=False)

DONE = {
    "score": ("评分表已提交", "The sheet is submitted"),
    "commit": (
        "评分摘要已提交：其他评委都提交后，请用同样的分数和口令揭示",
        "Committed: reveal with the same marks and phrase once every judge has committed",
    ),
    "reveal": ("评分已揭示，与摘要一致", "Revealed: the marks match the commitment"),
    "self": ("自评已记录", "The self-assessment is recorded"),
}


def table_rows(
    d: ContestDefinition,
) -> list[tuple[tuple[str, str], list[Any], Decimal | None, bool]]:
    """The scoring table as the form lists it: each section with its items and minimum,
    then the bonus items (optional: an empty one counts 0)."""
    rows: list[tuple[tuple[str, str], list[Any], Decimal | None, bool]] = [
        ((s.zh, s.en), list(s.items), s.minimum, False) for s in d.table.sections
    ]
    if d.table.bonus is not None:
        rows.append((("加分项", "bonus items"), list(d.table.bonus.items), None, True))
    return rows


def form_marks(d: ContestDefinition, form: FormData) -> Marks:
    """Every item's points from ``mark.<item>`` fields (an empty bonus item is 0)."""
    bonus = {i.key for i in (d.table.bonus.items if d.table.bonus else [])}
    found: Marks = {}
    for key in d.table.item_points():
        raw = str(form.get(f"mark.{key}") or "").strip()
        if not raw and key in bonus:
            continue
        try:
            found[key] = Decimal(raw)
        except InvalidOperation:
            raise InvalidInput(
                f"评分项 {key} 的分值不是数：{raw or '（空）'}",
                f"item {key}: not a number: {raw or '(empty)'}",
            ) from None
    return found


def judge_row(request: Request, round_key: str, code: str, me: SignedIn) -> JudgeRow:
    """The judge's entry by its code, if assigned to them and not conflicting (else 404)."""
    for row in contests(request).assigned(me.actor_id, round_key):
        if row.code == code:
            return row
    raise NotFound(f"参评对象 {code} 不存在", f"no entry {code}")


@router.get("/contests/{round_key}/judge")
async def judge_list(request: Request, round_key: RecordKey, me: Me) -> Response:
    """The judge's entries (``contest assigned``): codes only where judging is blind."""
    r = readable_contest(request, round_key, me)
    rows = contests(request).assigned(me.actor_id, round_key)
    values = {"r": r, "stage": stage_name(r), "rows": rows, **LABELS}
    return render(request, "contests/judge_list.html", values)


@router.get("/contests/{round_key}/judge/{code}")
async def sheet_page(request: Request, round_key: RecordKey, code: RecordKey, me: Me) -> Response:
    done = DONE.get(request.query_params.get("done", ""))
    return sheet_view(request, round_key, code, me, notice=done)


def sheet_view(
    request: Request,
    round_key: str,
    code: str,
    me: SignedIn,
    *,
    notice: tuple[str, str] | None = None,
    refusal: str | None = None,
    status_code: int = 200,
) -> Response:
    """The scoring form of one entry: the table with each item's points; the step the
    sheet is at (score, or commit then reveal)."""
    r = readable_contest(request, round_key, me)
    row = judge_row(request, round_key, code, me)
    step = "done" if row.sheet in (SheetStatus.SUBMITTED, SheetStatus.AWAITING_SECOND_ENTRY) else (
        "reveal" if row.sheet is SheetStatus.COMMITTED else
        "commit" if r.definition.judging.commit_reveal else "score"
    )  # fmt: skip
    values: dict[str, Any] = {
        "r": r,
        "stage": stage_name(r),
        "row": row,
        "step": step,
        "table": table_rows(r.definition),
        "command_id": new_command_id(),
        "notice": notice,
        "refusal": refusal,
        **LABELS,
    }
    return render(request, "contests/sheet.html", values, status_code=status_code)


@router.post("/contests/{round_key}/judge/{code}")
async def submit_sheet(request: Request, round_key: RecordKey, code: RecordKey, me: Me) -> Response:
    """The judge's sheet (``contest score``), commitment (``commit``) or reveal."""
    form = await request.form()
    row = judge_row(request, round_key, code, me)
    service = contests(request)
    act = str(form.get("act") or "score")
    try:
        r = service.round(round_key)
        comment, command_id = comment_and_id(form.get("comment"), form.get("command_id"))
        m = form_marks(r.definition, form)
        if act == "commit" or act == "reveal":
            nonce = text_field(ShortText, form.get("nonce"))
            if act == "commit":
                digest = sheet_commitment(m, nonce)
                service.commit(me.actor_id, row.entry, digest, command_id=command_id)
            else:
                service.reveal(me.actor_id, row.entry, m, nonce, command_id=command_id)
        else:
            act = "score"
            service.score(me.actor_id, row.entry, m, comment=comment, command_id=command_id)
    except DomainError as e:
        if isinstance(e, NotFound):
            raise
        reason, status = refusal_of(e)
        return refused_view(
            request, reason, status,
            lambda: sheet_view(request, round_key, code, me, refusal=reason, status_code=status),
        )  # fmt: skip
    return RedirectResponse(f"/contests/{round_key}/judge/{code}?done={act}", status_code=303)


def readable_entry(
    request: Request, round_key: str, entrant: str, me: SignedIn
) -> tuple[RoundView, EntryView]:
    service = contests(request)
    r = readable_contest(request, round_key, me)
    e = service.entry(entry_key(round_key, entrant))
    return r, policy(request).check_entry(me.actor_id, r, e)


@router.get("/contests/{round_key}/entries/{entrant}/self")
async def self_page(request: Request, round_key: RecordKey, entrant: RecordKey, me: Me) -> Response:
    done = DONE.get(request.query_params.get("done", ""))
    return self_view(request, round_key, entrant, me, notice=done)


def self_view(
    request: Request,
    round_key: str,
    entrant: str,
    me: SignedIn,
    *,
    notice: tuple[str, str] | None = None,
    refusal: str | None = None,
    status_code: int = 200,
) -> Response:
    """The unit's self-assessment against the table, with the entry conditions it must
    meet and, once recorded, its total and why it is not admitted."""
    r, e = readable_entry(request, round_key, entrant, me)
    # Only to hide the form: the entry's own check decides (its unit's cadre, until judging).
    fillable = policy(request).reader(me.actor_id).is_cadre_of(e.unit_org) and r.phase in (
        Phase.REGISTRATION,
        Phase.SELF_ASSESSMENT,
    )
    values: dict[str, Any] = {
        "r": r,
        "e": e,
        "fillable": fillable,
        "stage": stage_name(r),
        "table": table_rows(r.definition),
        "conditions": r.definition.entry,
        "command_id": new_command_id(),
        "notice": notice,
        "refusal": refusal,
        **LABELS,
    }
    return render(request, "contests/self.html", values, status_code=status_code)


@router.post("/contests/{round_key}/entries/{entrant}/self")
async def self_assess(
    request: Request, round_key: RecordKey, entrant: RecordKey, me: Me
) -> Response:
    """The unit's cadre records the self-assessment (``contest self-assess``)."""
    form = await request.form()
    r, e = readable_entry(request, round_key, entrant, me)
    try:
        comment, command_id = comment_and_id(form.get("comment"), form.get("command_id"))
        m = form_marks(r.definition, form)
        contests(request).self_assess(me.actor_id, e.key, m, comment=comment, command_id=command_id)
    except DomainError as err:
        if isinstance(err, NotFound):
            raise
        reason, status = refusal_of(err)
        return refused_view(
            request, reason, status,
            lambda: self_view(request, round_key, entrant, me, refusal=reason, status_code=status),
        )  # fmt: skip
    return RedirectResponse(
        f"/contests/{round_key}/entries/{entrant}/self?done=self", status_code=303
    )
