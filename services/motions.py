"""The motions facade (提案): open a call, file and second motions, decide, assign, answer,
rate, and report every motion of a congress for its next session.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from typing import Any

from pydantic import BaseModel
from temporalio.client import Client, WorkflowHandle

from activities.errors import domain_error
from application.congress import CongressService
from application.facts import Facts
from domain.actors import CommandMeta, Role, check_command_id, china_date, fingerprinted
from domain.errors import InvalidState, NotFound
from domain.motion import (
    ROLE_FOR,
    RULES,
    AnswerMotion,
    AssignMotion,
    DecideMotion,
    Decision,
    ExtendAnswer,
    FileMotion,
    Motion,
    MotionCall,
    MotionCallView,
    MotionView,
    RateAnswer,
    Rating,
    SecondMotion,
    Stage,
    call_key_for,
    motion_call_id,
    motion_ledger_id,
)
from domain.policies import check_unit_cadre
from projections.views import ViewIndex
from services.errors import raise_domain_error
from services.workflows import Clock, start_once, wall_clock
from settings import Settings
from workflows.motion import (
    MotionActRequest,
    MotionInput,
    MotionStatus,
    MotionWorkflow,
    motion_workflow_id,
)


class MotionReportLine(BaseModel):
    """One motion as the report to the next session lists it."""

    motion_id: str
    title: str
    proposer: str
    seconders: int
    stage: Stage
    decision_reasons: str = ""
    lead_department: str | None = None
    supporting_departments: list[str] = []
    due: date | None = None
    overdue: bool = False
    extended: bool = False
    answers: int = 0
    rating: Rating | None = None


class MotionReport(BaseModel):
    """How the motions of a congress were handled (提案办理情况), for its next session."""

    congress_key: str
    motions: list[MotionReportLine]
    by_stage: dict[Stage, int]


class MotionService:
    """Calls for motions and the motions themselves, for every role that touches them."""

    def __init__(
        self,
        client: Client | None,
        congresses: CongressService,
        settings: Settings,
        task_queue: str | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.client = client
        self.congresses = congresses
        self.ledger = congresses.ledger
        self.directory = congresses.directory
        self.facts = Facts(congresses, congresses.directory)
        self.settings = settings
        self.task_queue = task_queue or settings.task_queue
        self.clock = clock or wall_clock
        stores = settings.projection_dir
        self._calls = ViewIndex(
            self.ledger, MotionCall, MotionCallView, store=stores / "motion_calls.db"
        )
        self._motions = ViewIndex(self.ledger, Motion, MotionView, store=stores / "motions.db")

    # -- the call (a plain ledger write: it has no clock of its own) -------------------

    async def open_call(
        self,
        actor: str,
        congress_key: str,
        session_on: date,
        *,
        comment: str = "",
        command_id: str | None = None,
    ) -> MotionCallView:
        """Open the call for motions before the session on ``session_on``. A caller's
        ``command_id`` (a form's) makes the same call posted twice open once."""
        key = call_key_for(congress_key, session_on)
        bound = fingerprinted(command_id, [actor, congress_key, session_on]) if command_id else None
        found = self.ledger.find(motion_call_id(key))
        if found is not None and bound is not None:
            check_command_id(bound, found.commands)
            if found.has_applied(bound):
                return found.view()
        acting = self.directory.acting(actor, Role.CADRE)
        congress = self.congresses.view(congress_key)
        check_unit_cadre(acting, congress.unit_org, ("发起提案征集", "open a call for motions"))
        meta = CommandMeta(
            command_id=bound or f"motion-call:{uuid.uuid4()}",
            acting=acting,
            occurred_at=await self.clock(),
            comment=comment,
        )
        if found is not None:
            raise InvalidState(f"提案征集 {key} 已存在", f"call for motions {key} exists")
        today = meta.today()
        running = [c for c in self.calls(congress_key) if c.is_open(today)]
        if running:
            raise InvalidState(
                f"职代会 {congress_key} 已有提案征集（截至 {running[0].closes_on}）",
                f"congress {congress_key} already has a call open until {running[0].closes_on}",
            )
        profile = self.congresses.profiles.load(congress.profile_name)
        result = self.ledger.execute(
            motion_call_id(key),
            meta,
            create=lambda: MotionCall.open(
                key,
                meta,
                congress_key=congress_key,
                unit_org=congress.unit_org,
                unit_path=congress.unit_path,
                session_on=session_on,
                profile=profile,
            ),
        )
        return result.aggregate.view()

    # -- delegates -------------------------------------------------------------------

    async def file(
        self,
        actor: str,
        congress_key: str,
        motion: FileMotion,
        *,
        motion_id: str | None = None,
        comment: str = "",
    ) -> MotionView:
        """File a motion under the congress's open call and start its workflow."""
        acting = self.directory.acting(actor, Role.DELEGATE)
        congress = self.congresses.view(congress_key)
        now = await self.clock()
        call = self._open_call_of(congress_key, china_date(now))
        motion_id = motion_id or f"{congress_key}-{uuid.uuid4().hex[:6]}"
        if self.ledger.find(motion_ledger_id(motion_id)) is not None:
            raise InvalidState(f"提案 {motion_id} 已存在", f"motion {motion_id} exists")
        meta = CommandMeta(
            command_id=f"{motion_workflow_id(motion_id)}:file",
            acting=acting,
            occurred_at=now,
            comment=comment,
        )
        # A dry run with the very meta the workflow will use: a refusal never starts one.
        Motion.file(
            motion_id,
            motion,
            meta,
            call=call,
            is_delegate=congress.delegate(actor) is not None,
            profile=self.congresses.profiles.load(congress.profile_name),
        )
        inp = MotionInput(
            motion_id=motion_id,
            call_key=call.call_key,
            command=motion,
            meta=meta,
            activity_timeout_seconds=self.settings.activity_timeout_seconds,
        )
        handle = await start_once(
            self._client(),
            MotionWorkflow.run,
            inp,
            workflow_id=motion_workflow_id(motion_id),
            task_queue=self.task_queue,
            exists=(f"提案 {motion_id} 已存在", f"motion {motion_id} exists"),
        )
        return await self._wait_filed(handle)

    async def _wait_filed(self, handle: WorkflowHandle[Any, Any]) -> MotionView:
        for _ in range(600):
            status: MotionStatus = await handle.query(MotionWorkflow.status)
            if status.view is not None:
                return status.view
            if status.refusal is not None:
                refused = status.refusal
                raise domain_error(refused.code, refused.message_zh, refused.message_en)
            await asyncio.sleep(0.1)
        raise TimeoutError("the motion was not filed in time (is a worker running?)")

    async def second(
        self, motion_id: str, actor: str, *, comment: str = "", command_id: str | None = None
    ) -> MotionView:
        """Second a motion (附议): another delegate of the congress, once, inside the window."""
        return await self._act(motion_id, actor, SecondMotion(), comment, command_id)

    async def rate(
        self,
        motion_id: str,
        actor: str,
        rating: Rating,
        opinion: str = "",
        *,
        comment: str = "",
        command_id: str | None = None,
    ) -> MotionView:
        """The proposer rates the answer; 不满意 sends it back for re-handling."""
        command = RateAnswer(rating=rating, opinion=opinion)
        return await self._act(motion_id, actor, command, comment, command_id)

    # -- the motions committee -------------------------------------------------------

    async def decide(
        self,
        motion_id: str,
        actor: str,
        decision: Decision,
        reasons: str = "",
        *,
        comment: str = "",
        command_id: str | None = None,
    ) -> MotionView:
        """File (立案) or reject (不予立案, reasons required) a motion that was seconded enough."""
        command = DecideMotion(decision=decision, reasons=reasons)
        return await self._act(motion_id, actor, command, comment, command_id)

    async def assign(
        self,
        motion_id: str,
        actor: str,
        lead: str,
        supporting: list[str] | None = None,
        *,
        comment: str = "",
        command_id: str | None = None,
    ) -> MotionView:
        """Assign a filed motion to a lead department; the answer falls due."""
        command = AssignMotion(lead=lead, supporting=supporting or [])
        return await self._act(motion_id, actor, command, comment, command_id)

    # -- the lead department ---------------------------------------------------------

    async def answer(
        self,
        motion_id: str,
        actor: str,
        text: str,
        *,
        comment: str = "",
        command_id: str | None = None,
    ) -> MotionView:
        """The lead department's written answer."""
        return await self._act(motion_id, actor, AnswerMotion(text=text), comment, command_id)

    async def extend(
        self,
        motion_id: str,
        actor: str,
        reason: str,
        *,
        comment: str = "",
        command_id: str | None = None,
    ) -> MotionView:
        """The lead department's one request for more time."""
        return await self._act(motion_id, actor, ExtendAnswer(reason=reason), comment, command_id)

    # -- reads -----------------------------------------------------------------------

    def view(self, motion_id: str) -> MotionView:
        """A motion from the ledger."""
        aggregate = self.ledger.find(motion_ledger_id(motion_id))
        if aggregate is None:
            raise NotFound(f"提案 {motion_id} 不存在", f"no motion {motion_id}")
        return aggregate.view()

    async def status(self, motion_id: str) -> MotionStatus:
        """The workflow's own view: what it waits for, and until when."""
        handle = self._client().get_workflow_handle(motion_workflow_id(motion_id))
        return await handle.query(MotionWorkflow.status)

    def call(self, call_key: str) -> MotionCallView:
        """A call for motions from the ledger."""
        aggregate = self.ledger.find(motion_call_id(call_key))
        if aggregate is None:
            raise NotFound(f"提案征集 {call_key} 不存在", f"no call for motions {call_key}")
        return aggregate.view()

    def calls(self, congress_key: str) -> list[MotionCallView]:
        """Every call for motions of a congress, oldest first."""
        views = self._calls.views()
        return [v for v in views if v.congress_key == congress_key]

    def motions(self, congress_key: str | None = None) -> list[MotionView]:
        """Every motion (of one congress when given), in filing order."""
        views = self._motions.views()
        return [v for v in views if congress_key is None or v.congress_key == congress_key]

    def report(self, congress_key: str) -> MotionReport:
        """Every motion of the congress with its stage, departments and rating."""
        self.congresses.view(congress_key)  # an unknown congress is refused, not reported empty
        lines = [
            MotionReportLine(
                motion_id=v.motion_id,
                title=v.title,
                proposer=v.proposer,
                seconders=len(v.seconders),
                stage=v.stage,
                decision_reasons=v.decision_reasons,
                lead_department=v.lead_department,
                supporting_departments=v.supporting_departments,
                due=v.due if v.stage is Stage.IN_HANDLING else None,
                overdue=v.overdue and v.stage is Stage.IN_HANDLING,
                extended=v.extended,
                answers=len(v.answers),
                rating=v.rating,
            )
            for v in self.motions(congress_key)
        ]
        counts = {stage: sum(line.stage is stage for line in lines) for stage in Stage}
        return MotionReport(
            congress_key=congress_key,
            motions=lines,
            by_stage={stage: n for stage, n in counts.items() if n},
        )

    def tasks(self, actor: str) -> list[tuple[MotionView, str]]:
        """What waits for this actor: a department's answers, a proposer's ratings, the
        committee's decisions and assignments."""
        record = self.directory.actor(actor)
        roles = set(record.spec.roles)
        out: list[tuple[MotionView, str]] = []
        for view in self.motions():
            if view.stage is Stage.IN_HANDLING and Role.DEPARTMENT in roles:
                if view.lead_department == actor:
                    out.append((view, "answer"))
            elif view.stage is Stage.ANSWERED and view.proposer == actor:
                out.append((view, "rate"))
            elif (
                view.stage in (Stage.AWAITING_DECISION, Stage.REGISTERED)
                and Role.CADRE in roles
                and record.spec.org == view.unit_org
            ):
                todo = "decide" if view.stage is Stage.AWAITING_DECISION else "assign"
                out.append((view, todo))
        return out

    # -- plumbing --------------------------------------------------------------------

    def _open_call_of(self, congress_key: str, today: date) -> MotionCallView:
        running = [c for c in self.calls(congress_key) if c.is_open(today)]
        if not running:
            raise InvalidState(
                f"职代会 {congress_key} 目前没有进行中的提案征集",
                f"congress {congress_key} has no call for motions open now",
            )
        return min(running, key=lambda c: c.closes_on)

    async def _act(
        self, motion_id: str, actor: str, command: Any, comment: str, command_id: str | None
    ) -> MotionView:
        who, _ = RULES[command.kind]
        acting = self.directory.acting(actor, ROLE_FOR[who])
        aggregate = self.ledger.find(motion_ledger_id(motion_id))
        if aggregate is None:
            raise NotFound(f"提案 {motion_id} 不存在", f"no motion {motion_id}")
        workflow_id = motion_workflow_id(motion_id)
        if command_id is not None:
            command_id = fingerprinted(
                command_id, [command.model_dump(mode="json"), actor, acting.role.value, comment]
            )
            check_command_id(f"{workflow_id}:{command_id}", aggregate.commands)
        # A retried command the ledger already holds is answered by the workflow (the
        # update id dedupes it); the motion has moved on, so a dry run would refuse it.
        if command_id is None or not aggregate.has_applied(f"{workflow_id}:{command_id}"):
            now = await self.clock()
            meta = CommandMeta(command_id="dry-run", acting=acting, occurred_at=now)
            facts = self.facts.for_motion(command, actor, aggregate.view().congress_key)
            # The aggregate is a fresh copy and is not saved: this only explains a refusal
            # even when the process is not running.
            aggregate.handle(command, meta, today=meta.today(), facts=facts)
        handle = self._client().get_workflow_handle(workflow_id)
        try:
            return await handle.execute_update(
                MotionWorkflow.act,
                MotionActRequest(command=command, acting=acting, comment=comment),
                id=command_id or str(uuid.uuid4()),
            )
        except Exception as e:
            raise_domain_error(e)
            raise

    def _client(self) -> Client:
        if self.client is None:
            raise InvalidState("未连接 Temporal 服务", "not connected to a Temporal server")
        return self.client


__all__ = ["MotionReport", "MotionReportLine", "MotionService", "wall_clock"]
