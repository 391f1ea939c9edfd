"""``/api/v1/motions``: motions of the congress as JSON: list, view, file, second.

The same ``MotionService`` calls as ``unionflow motion`` and the motion pages; the actor is
the signed-in person, and a ``command_id`` makes a retried request apply once.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from domain.motion import FileMotion, MotionView
from domain.text import Key, OptionalLongText
from interfaces.web.app import context_of
from interfaces.web.auth import SignedIn, signed_in
from interfaces.web.problem import responses

router = APIRouter(prefix="/api/v1/motions", tags=["motions 提案"], responses=responses())


class FileRequest(FileMotion):
    """A motion to file under the congress's open call (one matter, reasons, proposal)."""

    congress_key: Key
    motion_id: Key | None = None  # default: a new id; the same id twice is refused


class SecondRequest(BaseModel):
    """A seconding (附议); a retried request with the same ``command_id`` applies once."""

    comment: OptionalLongText = ""
    command_id: Key | None = Field(default=None, max_length=100)


@router.get("", response_model=list[MotionView])
async def motions(
    request: Request, congress: Key | None = None, me: SignedIn = Depends(signed_in)
) -> list[MotionView]:
    """Every motion the signed-in person may read, in filing order (of one congress when
    given)."""
    ctx = context_of(request)
    return ctx.app.read_policy.motions(me.actor_id, ctx.readers().motions.motions(congress))


@router.get("/{motion_id}", response_model=MotionView)
async def motion(request: Request, motion_id: str, me: SignedIn = Depends(signed_in)) -> MotionView:
    """One motion and how it was handled (404 to whoever may not read it)."""
    ctx = context_of(request)
    return ctx.app.read_policy.check_motion(me.actor_id, ctx.readers().motions.view(motion_id))


@router.post("", response_model=MotionView, status_code=201)
async def file(
    request: Request, body: FileRequest, me: SignedIn = Depends(signed_in)
) -> MotionView:
    """File a motion (``motion file``) as the signed-in delegate."""
    svc = (await context_of(request).facades()).motions
    motion = FileMotion(title=body.title, reasons=body.reasons, proposal=body.proposal)
    return await svc.file(me.actor_id, body.congress_key, motion, motion_id=body.motion_id)


@router.post("/{motion_id}/seconds", response_model=MotionView)
async def second(
    request: Request, motion_id: str, body: SecondRequest, me: SignedIn = Depends(signed_in)
) -> MotionView:
    """Second a motion (``motion second``) as the signed-in delegate."""
    svc = (await context_of(request).facades()).motions
    return await svc.second(
        motion_id, me.actor_id, comment=body.comment, command_id=body.command_id
    )
