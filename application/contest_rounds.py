"""A contest round's own steps, as its workflow takes them: the round's steps with the meta
the workflow gives (the engine's at a date, or an organiser's update), reminders to the
units that have not self-assessed (a page at a time, one ledger event per unit) and the
judging tally (how many sheets are committed or counted) the workflow's reveal phase
waits on; after the ranking, the public notice's engine steps (post it, close it after its
last day) and the titles of the closed round.

People's acts on entries and sheets never pass through here: they go straight to the
ledger through ``ContestService`` (high fan-in input).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel

from application.contest_notice import ContestNotices, TitlesGranted
from application.contests import ContestService
from domain.actors import CommandMeta, system_acting
from domain.contest.aggregate import ContestEntry, ContestRound
from domain.contest.values import (
    EntryStatus,
    Phase,
    RoundView,
    SheetStatus,
    entry_ledger_id,
    round_ledger_id,
)
from domain.errors import InvalidInput, InvalidState


class RemindPage(BaseModel):
    reminded: int
    last: str
    more: bool


class JudgingTally(BaseModel):
    """Sheets of the round's assigned judges: owed, committed (hash only) and counted."""

    owed: int
    committed: int
    submitted: int

    @property
    def all_committed(self) -> bool:
        return self.committed + self.submitted >= self.owed

    @property
    def all_in(self) -> bool:
        return self.submitted >= self.owed


class ContestRoundSteps:
    """The round's steps with a given meta, over the contest service's ledger."""

    def __init__(self, contests: ContestService, notices: ContestNotices) -> None:
        self.contests = contests
        self.notices = notices

    def step(self, round_key: str, kind: str, meta: CommandMeta) -> RoundView:
        """One round step (``close_registration``, ``start_judging``, ``rank``); the
        aggregate checks who may take it and when (``check_round_step``)."""
        c = self.contests
        c.round(round_key)
        if kind == "close_registration":
            act = ContestRound.close_registration
        elif kind == "start_judging":
            act = ContestRound.start_judging
        elif kind == "rank":
            ranking = c.compute(round_key, meta.occurred_at)
            result = c.ledger.execute(
                round_ledger_id(round_key), meta, lambda a: a.record_ranking(ranking, meta)
            )
            ranked: RoundView = result.aggregate.view()
            return ranked
        else:
            raise InvalidInput(f"没有轮次步骤 {kind}", f"no round step {kind}")
        result = c.ledger.execute(round_ledger_id(round_key), meta, lambda a: act(a, meta))
        view: RoundView = result.aggregate.view()
        return view

    def notice_step(self, round_key: str, kind: str, meta: CommandMeta) -> RoundView:
        """The engine posts the ranked round's notice from today (its working days on the
        statutory calendar), or closes it: refused before its last day has passed and
        while an objection is open (``domain.contest.notice``)."""
        if kind == "post_notice":
            return self.notices.engine_post(round_key, meta)
        if kind == "close_notice":
            return self.notices.engine_close(round_key, meta)
        raise InvalidInput(f"没有公示步骤 {kind}", f"no notice step {kind}")

    def grant_titles(self, round_key: str, now: datetime) -> TitlesGranted:
        """The closed round's titles not yet granted (each once, however often asked)."""
        return self.notices.resume_titles(round_key, now)

    def remind(
        self, round_key: str, step_id: str, now: datetime, *, after: str = "", page: int = 500
    ) -> RemindPage:
        """One page of reminders to the units still without a self-assessment (entry keys
        after ``after``). Each entry's event has the command id ``step_id:ENTRY``, so a
        retried page reminds nobody twice."""
        c = self.contests
        r = c.round(round_key)
        if r.phase is not Phase.SELF_ASSESSMENT:
            return RemindPage(reminded=0, last=after, more=False)
        todo = sorted((e for e in c.laggards(round_key) if e.key > after), key=lambda e: e.key)
        batch = todo[:page]
        acting = system_acting(r.organiser_org)
        done = 0
        for e in batch:
            meta = CommandMeta(command_id=f"{step_id}:{e.key}", acting=acting, occurred_at=now)
            # A unit that self-assessed since the page was read is passed over.
            with contextlib.suppress(InvalidState):
                result = c.ledger.execute(entry_ledger_id(e.key), meta, _reminding(r, meta))
                done += int(result.applied)
        return RemindPage(
            reminded=done, last=batch[-1].key if batch else after, more=len(todo) > page
        )

    def tally(self, round_key: str) -> JudgingTally:
        c = self.contests
        owed = sum(len(e.judges) for e in c.entries(round_key) if e.status is EntryStatus.ADMITTED)
        sheets = c.sheets(round_key)
        return JudgingTally(
            owed=owed,
            committed=sum(s.status is SheetStatus.COMMITTED for s in sheets),
            submitted=sum(s.status is SheetStatus.SUBMITTED for s in sheets),
        )


def _reminding(r: RoundView, meta: CommandMeta) -> Callable[[ContestEntry], None]:
    """The reminder of one entry, bound to its own meta."""
    return lambda entry: entry.remind(r, meta)
