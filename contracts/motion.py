"""Inputs of the motion activities: one pydantic model each (pure: no I/O)."""

from __future__ import annotations

from pydantic import BaseModel

from domain.actors import CommandMeta
from domain.motion import FileMotion, MotionCommand


class FileMotionRequest(BaseModel):
    """File a motion under a call for motions."""

    motion_id: str
    call_key: str
    command: FileMotion
    meta: CommandMeta


class MotionCommandRequest(BaseModel):
    """Run one command on a motion."""

    motion_id: str
    command: MotionCommand
    meta: CommandMeta


class MotionRef(BaseModel):
    """A motion by id."""

    motion_id: str
