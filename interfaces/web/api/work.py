"""``/api/v1``: the inbox and wage contract cases, and a person's step on a case."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from domain.text import Key, OptionalLongText
from domain.wage_contract import WageContractView
from interfaces.web.app import context_of
from interfaces.web.auth import Me, RecordKey
from interfaces.web.paging import PageQuery
from interfaces.web.problem import responses
from interfaces.web.wage_forms import command_from
from interfaces.web.work import CaseDetail, CasePage, InboxPage, case_detail, cases, inbox

CaseId = RecordKey

router = APIRouter(
    prefix="/api/v1",
    tags=["work"],
    responses=responses(),
)


@router.get("/inbox", summary="待办 / what waits for the signed-in person")
async def get_inbox(request: Request, me: Me, paging: PageQuery) -> InboxPage:
    """One page (``?page=&size=``), overdue first, then by due date; with the counts per
    process and the number of pages. A page past the last is a 422 problem."""
    ctx = context_of(request)
    return inbox(ctx.app, ctx.readers(), me.actor_id, paging, ctx.inbox_memo)


@router.get("/cases", summary="工资专项集体合同案件 / wage contract cases")
async def get_cases(request: Request, me: Me, paging: PageQuery) -> CasePage:
    """One page (``?page=&size=``), overdue first, then by the due date of the next step;
    with the counts per stage and the number of pages. A page past the last is a 422."""
    ctx = context_of(request)
    return cases(ctx.app, ctx.readers(), me.actor_id, paging)


@router.get("/cases/{case_id}", summary="案件及本人可办理的步骤 / a case and your steps")
async def get_case(request: Request, case_id: CaseId, me: Me) -> CaseDetail:
    ctx = context_of(request)
    return case_detail(ctx.app, ctx.readers(), case_id, me.actor_id)


class Act(BaseModel):
    """A step on a case: ``kind`` and the fields of that command model (as ``unionflow
    wage`` takes them), the comment recorded with it, and an idempotency key."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {"kind": "approve", "comment": "同意", "command_id": "c1"},
                {
                    "kind": "return_for_revision",
                    "comments": [{"clause": "2", "comment": "增长幅度低于指导线"}],
                },
            ]
        },
    )

    kind: str = Field(max_length=64)
    comment: OptionalLongText = ""
    command_id: Key | None = None


@router.post("/cases/{case_id}/acts", summary="办理一个步骤 / take a step on a case")
async def post_act(request: Request, case_id: CaseId, act: Act, me: Me) -> WageContractView:
    """The step applies once per ``command_id``; a refusal is 403/409/422 with the reason."""
    fields: dict[str, Any] = {"kind": act.kind, **(act.model_extra or {})}
    command = command_from(fields)
    facades = await context_of(request).facades()
    return await facades.wage_contracts.act(
        case_id, me.actor_id, command, comment=act.comment, command_id=act.command_id
    )
