"""Contest pages (竞赛评比: 安康杯, skills contests, the "六好" assessment): the rounds, the
organiser's round dashboard, the public ranking and its files.

Every read is the one ``unionflow contest show|rank`` makes (``interfaces/cli/contest.py``)
through ``ContestService`` (straight to the ledger, no Temporal server needed). Who reads
what is ``ReadPolicy``'s: a round the reader may not read is refused as missing (404). The
judge's scoring form and the entrant's self-assessment are ``contests_forms``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from application.contests import ContestService
from application.read_policy import ReadPolicy, may_read_entry, runs_contest
from domain.actors import Role
from domain.contest.definition import ContestDefinition
from domain.contest.values import (
    ENTRY_STATUS_LABELS,
    PHASE_LABELS,
    SHEET_STATUS_LABELS,
    EntryStatus,
    Ranking,
    RoundView,
    VetoHit,
)
from domain.errors import DomainError
from i18n import Lang
from interfaces.text import Names
from interfaces.web.app import context_of
from interfaces.web.auth import Me, RecordKey, SignedIn
from interfaces.web.pages import new_command_id
from interfaces.web.templating import render

router = APIRouter(include_in_schema=False)

ContestFile = Annotated[
    str, Path(pattern=r"^(ranking\.xlsx|awards\.xlsx|notice\.pdf|sections\.png)$")
]

LABELS: dict[str, Any] = {
    "phases": PHASE_LABELS,
    "entry_labels": ENTRY_STATUS_LABELS,
    "sheet_labels": SHEET_STATUS_LABELS,
}
FILES = [
    ("notice.pdf", ("排名公示（PDF）", "Ranking notice (PDF)")),
    ("ranking.xlsx", ("排名（XLSX）", "Ranking (XLSX)")),
    ("awards.xlsx", ("获奖名单（XLSX）", "Awards (XLSX)")),
    ("sections.png", ("各分项得分分布图（PNG）", "Scores per section (PNG)")),
]


def contests(request: Request) -> ContestService:
    return context_of(request).app.contests


def policy(request: Request) -> ReadPolicy:
    return context_of(request).app.read_policy


def readable_contest(request: Request, round_key: str, me: SignedIn) -> RoundView:
    """The round, if the signed-in person may read it (else 404, as a missing one)."""
    service = contests(request)
    r = service.round(round_key)
    return policy(request).check_contest(me.actor_id, r, service.entries(round_key))


def award_name(d: ContestDefinition, key: str) -> tuple[str, str] | None:
    found = next((a for a in d.awards if a.key == key), None)
    return (found.zh, found.en) if found else None


def stage_name(r: RoundView) -> tuple[str, str]:
    stage = r.definition.stage(r.stage)
    return (stage.zh, stage.en) if stage else (r.stage, r.stage)


def live_vetoes(service: ContestService, r: RoundView) -> tuple[list[tuple[str, VetoHit]], str]:
    """The vetoes that apply now (from the recorded ranking once ranked), each with the
    fact it rests on; or why they cannot be computed yet."""
    ranking: Ranking | None = r.ranking
    if ranking is None:
        try:
            ranking = service.compute(r.key)
        except DomainError as e:
            return [], e.message(Lang.code)
    return [(row.name, v) for row in ranking.rows for v in row.vetoes], ""


@router.get("/contests")
async def round_list(request: Request, me: Me) -> Response:
    """The rounds the person may read, and every round's published ranking."""
    service = contests(request)
    every = service.rounds()
    mine = policy(request).contests(me.actor_id, [(r, service.entries(r.key)) for r in every])
    kept = {r.key for r in mine}
    ranked = [r for r in every if r.ranking is not None and r.key not in kept]
    return list_view(request, me, mine, ranked)


def list_view(
    request: Request,
    me: SignedIn,
    mine: list[RoundView] | None = None,
    ranked: list[RoundView] | None = None,
    *,
    refusal: str | None = None,
    status_code: int = 200,
) -> Response:
    """The rounds' list; for a union cadre the form that opens a round."""
    from interfaces.web.pages.contests_steps import opening_choices

    if mine is None or ranked is None:
        service = contests(request)
        every = service.rounds()
        mine = policy(request).contests(me.actor_id, [(r, service.entries(r.key)) for r in every])
        kept = {r.key for r in mine}
        ranked = [r for r in every if r.ranking is not None and r.key not in kept]
    values = {
        "rounds": mine,
        "ranked": ranked,
        "stage_name": stage_name,
        "opening": opening_choices(request, me.actor_id),
        "command_id": new_command_id(),
        "refusal": refusal,
        "notice": None,
        **LABELS,
    }
    return render(request, "contests/list.html", values, status_code=status_code)


@router.get("/contests/{round_key}")
async def round_page(request: Request, round_key: RecordKey, me: Me) -> Response:
    """The round: for its organiser the dashboard (``contest show``): entries with their
    self-scores, judging progress per judge, laggards, vetoes with the fact they rest on,
    the ranking with its inputs' hash; for a judge the entries to score; for an entrant
    unit's cadre its entries and their self-assessment."""
    return round_view(request, round_key, me, done=request.query_params.get("done"))


def round_view(
    request: Request,
    round_key: str,
    me: SignedIn,
    *,
    done: str | None = None,
    refusal: str | None = None,
    status_code: int = 200,
) -> Response:
    """The round's page, with the outcome of an organiser's step (``done``) or its refusal."""
    from interfaces.web.pages.contests_steps import DONE, round_step

    service = contests(request)
    r = readable_contest(request, round_key, me)
    reader = policy(request).reader(me.actor_id)
    entries = service.entries(round_key)
    names = Names(service.directory)
    board = runs_contest(reader, r)
    values: dict[str, Any] = {
        "r": r,
        "stage": stage_name(r),
        "board": board,
        "names": names,
        "own": [e for e in entries if not board and may_read_entry(reader, r, e)],
        "judges": Role.JUDGE in reader.roles and any(me.actor_id in e.judges for e in entries),
        "files": FILES,
        "award_name": lambda key: award_name(r.definition, key),
        "step": round_step(request, r, me.actor_id) if board else None,
        "command_id": new_command_id(),
        "notice": DONE.get(done or ""),
        "refusal": refusal,
        **LABELS,
    }
    if board:
        vetoes, pending = live_vetoes(service, r)
        values |= {
            "entries": entries,
            "progress": service.progress(round_key),
            "laggards": service.laggards(round_key) if r.definition.entry.self_assessment else [],
            "vetoes": vetoes,
            "vetoes_pending": pending,
            "admitted": sum(e.status is EntryStatus.ADMITTED for e in entries),
        }
    return render(request, "contests/round.html", values, status_code=status_code)


@router.get("/contests/{round_key}/files/{file}")
async def ranking_file(
    request: Request, round_key: RecordKey, file: ContestFile, me: Me
) -> Response:
    """The published ranking as a file (``contest export``): the notice as PDF/A with its
    Chinese fonts embedded, the ranking and the awards as XLSX, the chart as PNG; each
    carries the inputs' hash."""
    from application import contest_exports as x

    found = x.contest_notice(contests(request), round_key)
    media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    if file == "ranking.xlsx":
        data = x.ranking_xlsx(found)
    elif file == "awards.xlsx":
        data = x.awards_xlsx(found)
    elif file == "notice.pdf":
        data, media = x.notice_pdf(found), "application/pdf"
    else:
        data, media = x.sections_png(found).png, "image/png"
    return Response(
        data,
        media_type=media,
        headers={
            "content-disposition": f'attachment; filename="{round_key}-{file}"',
            "x-inputs-hash": found.inputs_hash,
        },
    )
