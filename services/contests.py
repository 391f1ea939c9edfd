"""The contest facade: the one entry point of the CLI, web, demo and tests that needs Temporal.

Opening a round records it in the ledger and starts its workflow; the organiser's round
steps (close registration early, start judging, rank) are updates of that workflow, with
the caller's command id as the update id. Entries, self-assessments and score sheets go to
the ledger through the service layer, not through the workflow: a round has thousands.
"""

from __future__ import annotations

import contextlib
import uuid
from datetime import date

from temporalio.client import Client, WorkflowHandle

from application.calendar import CalendarSource
from application.contest_inputs import OpenContestRound, Registration
from application.contest_notice import ContestNotices
from application.contests import ContestService
from application.directory import DirectoryService
from contracts.contest import RoundStepKind
from domain.actors import Role
from domain.award.commands import FileObjection, ResolveObjection
from domain.contest.aggregate import conflict_reason
from domain.contest.values import (
    RANKED_OR_LATER,
    EntryStatus,
    EntryView,
    Marks,
    Phase,
    RoundView,
    SheetStatus,
    SheetView,
)
from domain.errors import InvalidState
from domain.objections import ObjectionStatus
from services.errors import raise_domain_error
from services.workflows import Clock, start_once, wall_clock
from settings import Settings
from workflows.contest_round import (
    ContestActRequest,
    ContestRoundInput,
    ContestRoundStatus,
    ContestRoundWorkflow,
    contest_round_workflow_id,
)


class ContestTask:
    """One thing waiting for a person in a round: an entry (or the round) and what."""

    def __init__(
        self, round_view: RoundView, kind: str, entry: EntryView | None = None,
        due: date | None = None,
    ) -> None:  # fmt: skip
        self.round = round_view
        self.kind = kind
        self.entry = entry
        self.due = due


class ContestFacade:
    """Contest rounds for every role that touches them."""

    def __init__(
        self,
        client: Client | None,
        contests: ContestService,
        directory: DirectoryService,
        settings: Settings,
        task_queue: str | None = None,
        clock: Clock | None = None,
        days_per_run: int | None = None,
        notices: ContestNotices | None = None,
    ) -> None:
        self.client = client
        self.contests = contests
        self.notices = notices or ContestNotices(
            contests, CalendarSource(settings.calendar_path, settings.import_limits)
        )
        self.directory = directory
        self.settings = settings
        self.task_queue = task_queue or settings.task_queue
        self.clock = clock or wall_clock
        self.days_per_run = days_per_run

    # -- the organiser -----------------------------------------------------------------

    async def open_round(
        self, actor: str, c: OpenContestRound, *, comment: str = "", command_id: str | None = None
    ) -> RoundView:
        """Record the round, then start its workflow (a retry meets both)."""
        view = self.contests.open_round(
            actor, c, comment=comment, command_id=command_id, now=await self.clock()
        )
        if self.client is not None:
            inp = ContestRoundInput(
                round_key=view.key, activity_timeout_seconds=self.settings.activity_timeout_seconds
            )
            if self.days_per_run is not None:
                inp.days_per_run = self.days_per_run
            with contextlib.suppress(InvalidState):  # a retry meets the workflow running
                await start_once(
                    self.client,
                    ContestRoundWorkflow.run,
                    inp,
                    workflow_id=contest_round_workflow_id(view.key),
                    task_queue=self.task_queue,
                    exists=(f"竞赛轮次 {view.key} 已在进行", f"round {view.key} is running"),
                )
        return view

    async def close_registration(
        self, actor: str, round_key: str, *, comment: str = "", command_id: str | None = None
    ) -> RoundView:
        return await self._update(actor, round_key, "close_registration", comment, command_id)

    async def start_judging(
        self, actor: str, round_key: str, *, comment: str = "", command_id: str | None = None
    ) -> RoundView:
        return await self._update(actor, round_key, "start_judging", comment, command_id)

    async def rank(
        self, actor: str, round_key: str, *, comment: str = "", command_id: str | None = None
    ) -> RoundView:
        return await self._update(actor, round_key, "rank", comment, command_id)

    # -- entrants and judges: straight to the ledger ------------------------------------

    async def register(
        self, actor: str, round_key: str, reg: Registration, *, command_id: str | None = None
    ) -> EntryView:
        now = await self.clock()
        return self.contests.register(actor, round_key, reg, command_id=command_id, now=now)

    async def self_assess(
        self, actor: str, entry: str, marks: Marks, *, command_id: str | None = None
    ) -> EntryView:
        now = await self.clock()
        return self.contests.self_assess(actor, entry, marks, command_id=command_id, now=now)

    async def score(
        self, judge: str, entry: str, marks: Marks, *, command_id: str | None = None
    ) -> SheetView:
        now = await self.clock()
        return self.contests.score(judge, entry, marks, command_id=command_id, now=now)

    # -- the ranking's public notice: straight to the ledger ----------------------------

    async def post_notice(
        self, actor: str, round_key: str, *, starts: date | None = None,
        command_id: str | None = None,
    ) -> RoundView:  # fmt: skip
        now = await self.clock()
        return self.notices.post(actor, round_key, starts=starts, command_id=command_id, now=now)

    async def file_objection(
        self, actor: str, round_key: str, entry: str, c: FileObjection, *,
        command_id: str | None = None,
    ) -> RoundView:  # fmt: skip
        now = await self.clock()
        return self.notices.file_objection(
            actor, round_key, entry, c, command_id=command_id, now=now
        )

    async def resolve(
        self, actor: str, round_key: str, c: ResolveObjection, *, comment: str = "",
        command_id: str | None = None,
    ) -> RoundView:  # fmt: skip
        now = await self.clock()
        return self.notices.resolve(
            actor, round_key, c, comment=comment, command_id=command_id, now=now
        )

    async def close_notice(
        self, actor: str, round_key: str, *, command_id: str | None = None
    ) -> RoundView:
        now = await self.clock()
        return self.notices.close(actor, round_key, command_id=command_id, now=now)

    # -- reading -----------------------------------------------------------------------

    def round(self, key: str) -> RoundView:
        return self.contests.round(key)

    async def status(self, round_key: str) -> ContestRoundStatus | None:
        """The round workflow's status query (None when no client or no workflow)."""
        if self.client is None:
            return None
        try:
            status: ContestRoundStatus = await self._handle(round_key).query(
                ContestRoundWorkflow.status
            )
        except Exception:  # noqa: BLE001 - no workflow (yet, or any more): the ledger answers
            return None
        return status

    def tasks(self, actor: str) -> list[ContestTask]:
        """What waits for ``actor`` in every round not yet ranked: a judge's assigned
        entries without a counted sheet (to score, to commit, to reveal), a unit cadre's
        self-assessment due, and the organiser's round steps."""
        record = self.directory.actor(actor)
        roles, org = record.spec.roles, record.spec.org
        found: list[ContestTask] = []
        for r in self.contests.rounds():
            if r.phase in RANKED_OR_LATER:
                if Role.CADRE in roles and org == r.organiser_org:
                    found.extend(self._notice_tasks(r))
                continue
            if Role.CADRE in roles and org == r.organiser_org:
                found.extend(self._organiser_tasks(r))
            if Role.CADRE in roles and r.phase in (Phase.REGISTRATION, Phase.SELF_ASSESSMENT):
                due = r.self_assessment_closes
                found.extend(
                    ContestTask(r, "self_assess", e, due)
                    for e in self.contests.entries(r.key)
                    if e.unit_org == org and e.status is EntryStatus.REGISTERED
                )
            if Role.JUDGE in roles and r.phase is Phase.JUDGING:
                found.extend(self._judge_tasks(r, actor, org))
        return found

    def _notice_tasks(self, r: RoundView) -> list[ContestTask]:
        """After the ranking, the organiser's: post the notice; while it runs, each open
        objection to investigate, then closing it on its last day."""
        if r.phase is Phase.RANKED:
            return [ContestTask(r, "post_notice")]
        if r.phase is not Phase.NOTICE or r.notice is None:
            return []
        open_ones = [o for o in r.objections if o.status is ObjectionStatus.OPEN]
        if open_ones:
            return [
                ContestTask(r, "resolve_objection", self.contests.entry(o.entry), r.notice.ends)
                for o in open_ones
            ]
        return [ContestTask(r, "close_notice", due=r.notice.ends)]

    def _organiser_tasks(self, r: RoundView) -> list[ContestTask]:
        if r.phase is Phase.REGISTRATION:
            return [ContestTask(r, "close_registration", due=r.registration_closes)]
        if r.phase is Phase.SELF_ASSESSMENT:
            return [ContestTask(r, "start_judging", due=r.self_assessment_closes)]
        need = r.definition.judging.judges_per_entry
        short = any(
            e.status is EntryStatus.ADMITTED and len(e.judges) < need
            for e in self.contests.entries(r.key)
        )
        sheets = self.contests.sheets(r.key)
        second = sorted({s.entry for s in sheets if s.status is SheetStatus.AWAITING_SECOND_ENTRY})
        papers = [ContestTask(r, "second_entry", self.contests.entry(e)) for e in second]
        return [*papers, ContestTask(r, "assign_judges" if short else "rank", due=r.ranks_on)]

    def _judge_tasks(self, r: RoundView, judge: str, org: str) -> list[ContestTask]:
        sheets = {s.entry: s for s in self.contests.sheets(r.key) if s.judge == judge}
        commit_reveal = r.definition.judging.commit_reveal
        out: list[ContestTask] = []
        for e in self.contests.entries(r.key):
            if judge not in e.judges or conflict_reason(r, e, judge, org) is not None:
                continue
            s = sheets.get(e.key)
            if s is None:
                out.append(ContestTask(r, "commit" if commit_reveal else "score", e, r.ranks_on))
            elif s.status is SheetStatus.COMMITTED:
                out.append(ContestTask(r, "reveal", e, r.ranks_on))
        return out

    # -- plumbing --------------------------------------------------------------------------

    def _handle(self, round_key: str) -> WorkflowHandle[ContestRoundWorkflow, object]:
        if self.client is None:
            raise InvalidState("没有连接 Temporal", "not connected to Temporal")
        return self.client.get_workflow_handle(contest_round_workflow_id(round_key))

    async def _update(
        self, actor: str, round_key: str, kind: RoundStepKind, comment: str,
        command_id: str | None,
    ) -> RoundView:  # fmt: skip
        acting = self.directory.acting(actor, Role.CADRE)
        req = ContestActRequest(kind=kind, acting=acting, comment=comment)
        try:
            await self._handle(round_key).execute_update(
                ContestRoundWorkflow.act, req, id=command_id or str(uuid.uuid4())
            )
        except Exception as e:
            raise_domain_error(e)
            raise
        return self.contests.round(round_key)
