"""Every kind of record a user names by key: which ledger aggregate a key is, and its view.

``unionflow status`` and ``unionflow history`` take the key a user types elsewhere in the
CLI (a case id, a congress key, a session id, a poll key, a motion id, a call key) and
``resolve`` finds which kind of record it names by trying each kind's ledger id.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from domain.award.values import nomination_ledger_id, round_ledger_id
from domain.campaign.values import campaign_ledger_id, unit_ledger_id
from domain.congress import congress_id
from domain.contest.values import entry_ledger_id, sheet_ledger_id
from domain.contest.values import round_ledger_id as contest_round_ledger_id
from domain.errors import InvalidInput, NotFound
from domain.motion import motion_call_id, motion_ledger_id
from domain.poll import poll_id
from domain.safety import safety_ledger_id
from domain.session import session_ledger_id
from domain.wage_contract import wage_contract_id
from ledger.app import Ledger


def _current_view(aggregate: Any) -> BaseModel:
    return aggregate.view()


@dataclass(frozen=True)
class RecordKind:
    """One kind of record: its name for ``--kind``, its label, its ledger id and its view."""

    name: str
    label: tuple[str, str]  # (Chinese, English)
    ledger_id: Callable[[str], uuid.UUID]
    view: Callable[[Any], BaseModel] = _current_view  # the aggregate's state as a view

    def not_found(self, key: str) -> NotFound:
        """The refusal for a key that names no record of this kind."""
        return NotFound(f"{self.label[0]} {key} 不存在", f"no {self.label[1]} {key}")


def _campaign_unit(key: str) -> uuid.UUID:
    """A campaign unit's record, named ``campaign:unit`` (``wage-bargaining-2026:dl-bearing``;
    a unit's code holds no colon)."""
    campaign, _, code = key.rpartition(":")
    return unit_ledger_id(campaign, code)


# The order is the order of the refusal messages and of ``--kind``'s help.
KINDS: tuple[RecordKind, ...] = (
    RecordKind("case", ("案件", "case"), wage_contract_id),
    RecordKind("congress", ("职代会届次", "congress term"), congress_id),
    RecordKind("session", ("职代会会议", "congress session"), session_ledger_id),
    RecordKind("poll", ("表决", "poll"), poll_id),
    RecordKind("motion", ("提案", "motion"), motion_ledger_id),
    RecordKind("call", ("提案征集", "call for motions"), motion_call_id),
    RecordKind("round", ("评选", "selection round"), round_ledger_id),
    RecordKind("nomination", ("推荐", "nomination"), nomination_ledger_id),
    RecordKind("contest", ("竞赛轮次", "contest round"), contest_round_ledger_id),
    RecordKind("entry", ("参评对象", "contest entry"), entry_ledger_id),
    RecordKind("sheet", ("评分表", "score sheet"), sheet_ledger_id),
    RecordKind("safety", ("安全生产记录", "safety record"), safety_ledger_id),
    RecordKind("campaign", ("集中行动", "campaign"), campaign_ledger_id),
    RecordKind("campaign_unit", ("集中行动单位", "campaign unit"), _campaign_unit),
)
BY_NAME: dict[str, RecordKind] = {k.name: k for k in KINDS}


@dataclass(frozen=True)
class Record:
    """A key resolved to one record of the ledger."""

    kind: RecordKind
    key: str
    ledger_id: uuid.UUID
    aggregate: Any  # the current aggregate, as ``resolve`` found it

    def view(self, ledger: Ledger | None = None, *, at: datetime | None = None) -> BaseModel:
        """The record's state now, or as it was at ``at`` (then ``ledger`` is needed)."""
        if at is None:
            return self.kind.view(self.aggregate)
        if ledger is None:
            raise ValueError("a point-in-time view needs the ledger")
        return self.kind.view(ledger.get(self.ledger_id, at=at))


def kind_named(name: str) -> RecordKind:
    """The kind called ``name`` (its name or either label); refused when there is none."""
    wanted = name.strip().lower()
    for kind in KINDS:
        if wanted in (kind.name, kind.label[0], kind.label[1].lower()):
            return kind
    names = ", ".join(k.name for k in KINDS)
    raise InvalidInput(
        f"记录类型无效：{name}（可选 {names}）", f"unknown record kind: {name} (one of {names})"
    )


def resolve(ledger: Ledger, key: str, kind: str | None = None) -> Record:
    """The record ``key`` names: of ``kind`` when given, else the one kind whose id exists.

    Several kinds with that key are refused, listing them, so the user picks with
    ``--kind``; no record at all is a NotFound naming the key.
    """
    kinds = (kind_named(kind),) if kind is not None else KINDS
    found = []
    for k in kinds:
        aggregate_id = k.ledger_id(key)
        aggregate = ledger.find(aggregate_id)
        if aggregate is not None:
            found.append(Record(k, key, aggregate_id, aggregate))
    if len(found) == 1:
        return found[0]
    if not found:
        if kind is not None:
            raise kinds[0].not_found(key)
        zh = "、".join(k.label[0] for k in KINDS)
        en = ", ".join(k.label[1] for k in KINDS)
        raise NotFound(f"记录 {key} 不存在（已查找：{zh}）", f"no record {key} (looked for: {en})")
    zh = "、".join(f"{r.kind.label[0]}（--kind {r.kind.name}）" for r in found)
    en = ", ".join(f"{r.kind.label[1]} (--kind {r.kind.name})" for r in found)
    raise InvalidInput(
        f"编号 {key} 对应多种记录：{zh}；请用 --kind 指明",
        f"{key} names several records: {en}; choose one with --kind",
    )
