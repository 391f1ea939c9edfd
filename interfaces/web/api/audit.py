"""``/api/v1``: any record's history (at an instant), the ledger's verification, the seals;
for auditors and operators only (404 to anyone else: ``application.read_policy``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from interfaces.web.app import context_of
from interfaces.web.auth import Me, RecordKey
from interfaces.web.history import History, history, parse_at, verify
from interfaces.web.problem import responses
from ledger.seal import SealView
from ledger.verify import VerifyReport

router = APIRouter(
    prefix="/api/v1",
    tags=["audit"],
    responses=responses(),
)


@router.get("/records/{key}/history", summary="记录的时间线 / a record's timeline")
async def get_history(
    request: Request,
    key: RecordKey,
    me: Me,
    kind: Annotated[str | None, Query(max_length=40)] = None,
    at: Annotated[str | None, Query(max_length=40, description="ISO instant")] = None,
) -> History:
    """Every event (actor, role, org, comment, hash); with ``at``, up to then and the
    record's state at that instant (``unionflow history --at``)."""
    app = context_of(request).app
    app.read_policy.check_history(me.actor_id, key)
    return history(app, key, kind, parse_at(at))


@router.post("/audit/verify", summary="校验账本 / verify the ledger")
async def post_verify(request: Request, me: Me) -> VerifyReport:
    """Every hash, chain and seal recomputed against the witness; ``ok`` false names the
    first bad event (``unionflow audit verify --json``)."""
    context_of(request).app.read_policy.check_history(me.actor_id)
    found = await run_in_threadpool(verify, context_of(request).app)
    report: VerifyReport = found.report
    return report


@router.get("/audit/seals", summary="封印 / the ledger's seals")
async def get_seals(request: Request, me: Me) -> list[SealView]:
    app = context_of(request).app
    app.read_policy.check_history(me.actor_id)
    return list(app.audit().seals())
