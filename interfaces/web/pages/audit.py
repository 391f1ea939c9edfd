"""The auditor's pages (审计): any record's timeline, its state at an instant, the ledger's
verification, and the seals with their export.

As ``unionflow history [--at]`` and ``unionflow audit verify|export-seal|export-witness``,
from the ledger alone: no Temporal server is needed. Only auditors and operators read them
(``application.read_policy``); to anyone else they are not there (404).
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from domain.actors import CHINA_TZ
from domain.errors import InvalidState
from domain.wage_contract import STAGE_LABELS
from interfaces.web.app import context_of
from interfaces.web.auth import Me, RecordKey, SignedIn
from interfaces.web.history import History, history, parse_at, verify
from interfaces.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/records/{key}")
async def record_page(
    request: Request,
    key: RecordKey,
    me: Me,
    kind: Annotated[str | None, Query(max_length=40)] = None,
    at: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """Every event of the record, with who, in which role and org, why, and its hash."""
    ctx = context_of(request)
    ctx.app.read_policy.check_history(me.actor_id, key)
    found: History = history(ctx.app, key, kind, parse_at(at))
    stage = None
    if found.kind == "case" and found.state is not None:
        from domain.wage_contract import Stage

        stage = STAGE_LABELS[Stage(found.state["stage"])]
    return render(
        request,
        "record.html",
        {
            "history": found,
            "stage": stage,
            "at_value": found.at.astimezone(CHINA_TZ).strftime("%Y-%m-%dT%H:%M:%S")
            if found.at
            else "",
            "state_json": json.dumps(found.state, ensure_ascii=False, indent=2)
            if found.state
            else "",
            "tz": CHINA_TZ,
        },
    )


@router.get("/audit")
async def audit_page(request: Request, me: Me) -> Response:
    _check_auditor(request, me)
    return _audit(request, None)


@router.get("/audit/verify")
async def audit_verify(request: Request, me: Me) -> Response:
    """Verify the whole ledger against the witness, as ``unionflow audit verify``."""
    _check_auditor(request, me)
    ctx = context_of(request)
    return _audit(request, await run_in_threadpool(verify, ctx.app))


@router.get("/audit/export/seal")
async def export_seal(request: Request, me: Me) -> Response:
    """The last seal, to keep outside the database (``unionflow audit export-seal``)."""
    _check_auditor(request, me)
    data = context_of(request).app.audit().export_seal()
    if data is None:
        raise InvalidState("账本尚无封印", "the ledger holds no seal yet")
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    return _download(text, "seal.json", "application/json")


@router.get("/audit/export/witness")
async def export_witness(request: Request, me: Me) -> Response:
    """The witnessed seals, for a higher union to keep (``unionflow audit export-witness``)."""
    _check_auditor(request, me)
    text = context_of(request).app.audit().export_witness()
    if not text:
        raise InvalidState("见证中尚无封印", "the witness holds no seal yet")
    return _download(text, "witness.jsonl", "application/jsonl")


def _check_auditor(request: Request, me: SignedIn) -> None:
    context_of(request).app.read_policy.check_history(me.actor_id)


def _download(text: str, name: str, media_type: str) -> Response:
    return Response(
        text.encode("utf-8"),
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _audit(request: Request, verification: object | None) -> Response:
    audit = context_of(request).app.audit()
    seals = list(reversed(audit.seals()))
    return render(
        request,
        "audit.html",
        {"verification": verification, "seals": seals, "tz": CHINA_TZ},
    )
