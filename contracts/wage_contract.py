"""Inputs of the wage-contract activities: one pydantic model each (pure: no I/O)."""

from __future__ import annotations

from pydantic import BaseModel

from domain.actors import CommandMeta
from domain.wage_contract import OpenCase, WageCommand


class OpenCaseRequest(BaseModel):
    """Open a case: the offer, who sends it, and the rule profile in force."""

    command: OpenCase
    meta: CommandMeta
    profile: str


class WageCommandRequest(BaseModel):
    """Run one command on a case."""

    case_id: str
    command: WageCommand
    meta: CommandMeta


class CaseRef(BaseModel):
    """A case by id."""

    case_id: str
