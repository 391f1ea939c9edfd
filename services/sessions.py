"""The congress session facade: convene and chair a session, check in, vote, count paper.

Chair steps are updates to the session's workflow; check-ins and ballots go straight to
the ledger through ``PollService`` (fan-in) and need no Temporal server. The ballot that
completes the roll tells the workflow when a server is at hand (a hint naming only the
poll, which the workflow checks against the ledger); when none is, the workers' roll
watcher (``wake_complete_rolls``) tells it once the server is back.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import structlog
from pydantic import BaseModel
from temporalio.client import Client, WorkflowHandle

from application.congress import CongressService
from application.polls import CastResult, PollService, ReceiptCheck
from domain.actors import CommandMeta, Role, fingerprinted
from domain.congress import check_session_dates
from domain.errors import DomainError, InvalidState
from domain.policies import check_unit_cadre, is_unit_cadre
from domain.poll import PollView, quorum_met
from domain.session import (
    DESK,
    AgendaItem,
    Session,
    SessionKind,
    SessionStatus,
    SessionView,
    check_set_aside,
    session_id_for,
)
from services.errors import raise_domain_error
from services.workflows import Clock, first_view, start_once, wall_clock
from settings import Settings
from workflows.congress_session import (
    ChairRequest,
    ClosePollCommand,
    CongressSessionWorkflow,
    OpenPollCommand,
    PollProgress,
    SessionInput,
    SessionStatusView,
    SetAsideCommand,
    session_workflow_id,
)

log = structlog.get_logger(__name__)
SIGNAL_TIMEOUT = timedelta(seconds=5)
# The watcher tells a workflow again only after this long (each hint is a history event).
RESIGNAL_SECONDS = 60.0


class Attendance(BaseModel):
    """Who is in the hall: 已签到 N / 应到 M, and the quorum of all delegates."""

    session_id: str
    present: int
    total: int  # all delegates in office: the quorum's denominator
    quorum_num: int
    quorum_den: int
    quorum_needed: int
    quorum_met: bool


class DeskCheckIn(BaseModel):
    """One line of a check-in at the door: new, already checked in, or refused."""

    delegate: str
    new: bool = False
    refusal_zh: str | None = None
    refusal_en: str | None = None


class SessionService:
    """Run sessions of the workers' congress."""

    def __init__(
        self,
        client: Client | None,
        congresses: CongressService,
        polls: PollService,
        settings: Settings,
        task_queue: str | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.client = client
        self.congresses = congresses
        self.polls = polls
        self.clock = clock or wall_clock
        self.directory = congresses.directory
        self.settings = settings
        self.task_queue = task_queue or settings.task_queue

    # -- the chair ---------------------------------------------------------------------

    async def convene(
        self,
        actor: str,
        congress_key: str,
        label: str,
        agenda: list[AgendaItem],
        *,
        papers_sent_on: date,
        opens_on: date,
        kind: SessionKind = SessionKind.REGULAR,
        requested_by: list[str] | None = None,
    ) -> SessionView:
        """Convene a session: agenda, papers sent, opening date."""
        acting = self.directory.acting(actor, Role.CADRE)
        congress = self.congresses.view(congress_key)
        check_session_dates(congress, opens_on, requested_by or [])
        state = SessionView(
            session_id=session_id_for(congress_key, label),
            congress_key=congress_key,
            unit_org=congress.unit_org,
            unit_path=congress.unit_path,
            kind=kind,
            agenda=agenda,
            papers_sent_on=papers_sent_on,
            opens_on=opens_on,
            requested_by=requested_by or [],
            status=SessionStatus.CONVENED,
        )
        # Refuse here, before anything reaches Temporal or the ledger (papers, agenda, 1/3 rule).
        profile = self.congresses.profiles.load(congress.profile_name)
        Session.convene(
            state,
            CommandMeta(command_id="precheck", acting=acting, occurred_at=await self.clock()),
            profile=profile,
            total_delegates=congress.total(),
        )
        inp = SessionInput(
            state=state,
            convened_by=acting,
            activity_timeout_seconds=self.settings.activity_timeout_seconds,
        )
        handle = await start_once(
            self._client(),
            CongressSessionWorkflow.run,
            inp,
            workflow_id=session_workflow_id(state.session_id),
            task_queue=self.task_queue,
            exists=(f"会议 {state.session_id} 已存在", f"session {state.session_id} exists"),
        )
        return await first_view(handle, CongressSessionWorkflow.status, "session")

    async def open_session(
        self, session_id: str, actor: str, comment: str = "", *, command_id: str | None = None
    ) -> SessionView:
        """Open the session on its day."""
        step = CongressSessionWorkflow.open_session
        return await self._update(session_id, step, self._chair(actor, comment), command_id)

    async def open_poll(
        self,
        session_id: str,
        actor: str,
        item_no: int,
        *,
        minutes: float | None = None,
        paper: bool = False,
        tellers: list[str] | None = None,
        command_id: str | None = None,
    ) -> PollView:
        """Put an item to the vote; bad tellers are refused before the workflow sees them."""
        view = self.polls.session(session_id)
        spec = view.poll_spec(item_no, paper=paper, tellers=tellers)
        self.congresses.check_tellers(view.congress_key, spec.tellers)
        cmd = OpenPollCommand(
            acting=self.directory.acting(actor, Role.CADRE),
            item_no=item_no,
            minutes=minutes,
            paper=paper,
            tellers=tellers or [],
        )
        return await self._update(session_id, CongressSessionWorkflow.open_poll, cmd, command_id)

    async def close_poll(
        self, session_id: str, actor: str, item_no: int, *, command_id: str | None = None
    ) -> PollProgress:
        """End voting on an item and wait until it is closed."""
        cmd = ClosePollCommand(acting=self.directory.acting(actor, Role.CADRE), item_no=item_no)
        return await self._update(session_id, CongressSessionWorkflow.close_poll, cmd, command_id)

    async def set_aside(
        self,
        session_id: str,
        actor: str,
        item_no: int,
        reason: str,
        *,
        command_id: str | None = None,
    ) -> SessionView:
        """Set an item aside with a reason (搁置): a stuck count never blocks the close."""
        view = self.polls.session(session_id)
        retried = command_id is not None and any(
            o.item_no == item_no and o.set_aside and o.reason == reason.strip()
            for o in view.outcomes
        )
        if not retried:  # a retry goes on to the update, which answers it by its id
            check_set_aside(view, item_no, reason)
        cmd = SetAsideCommand(
            acting=self.directory.acting(actor, Role.CADRE), item_no=item_no, reason=reason
        )
        return await self._update(
            session_id, CongressSessionWorkflow.set_aside_item, cmd, command_id
        )

    async def close_session(
        self, session_id: str, actor: str, comment: str = "", *, command_id: str | None = None
    ) -> SessionView:
        """Close the session."""
        step = CongressSessionWorkflow.close_session
        return await self._update(session_id, step, self._chair(actor, comment), command_id)

    async def publish_results(
        self, session_id: str, actor: str, comment: str = "", *, command_id: str | None = None
    ) -> SessionView:
        """Publish the results to all employees."""
        step = CongressSessionWorkflow.publish_results
        return await self._update(session_id, step, self._chair(actor, comment), command_id)

    async def report(
        self, session_id: str, actor: str, comment: str = "", *, command_id: str | None = None
    ) -> SessionView:
        """Report the session to the higher union."""
        step = CongressSessionWorkflow.report
        return await self._update(session_id, step, self._chair(actor, comment), command_id)

    # -- delegates (fan-in) ------------------------------------------------------------

    async def check_in(self, session_id: str, delegate: str) -> bool:
        """Check a delegate in (idempotent)."""
        key = self.polls.congress_key(session_id)
        return await asyncio.to_thread(
            self.polls.check_in, session_id, delegate, is_delegate=self._is_delegate(key)
        )

    def _is_delegate(self, congress_key: str) -> Callable[[str], bool]:
        # Asked by ``check_in`` right after its catch-up with the log: the congress as
        # fresh as that, kept between check-ins instead of replayed for each.
        return lambda d: (
            self.congresses.delegate(congress_key, d, find=self.polls.current) is not None
        )

    async def check_in_at_desk(
        self, session_id: str, clerk: str, delegates: list[str]
    ) -> list[DeskCheckIn]:
        """A cadre of the unit checks delegates in at the door (one, or a signed sheet's
        list): the acts are the clerk's. A refusal of the clerk or of the session refuses
        the whole list; a line that is not a delegate is refused on its own."""
        view = self.polls.session(session_id)
        check_unit_cadre(self.directory.acting(clerk, Role.CADRE), view.unit_org, DESK)
        if view.status is not SessionStatus.OPEN:
            raise InvalidState("会议未在进行中，不能签到", "the session is not open for check-in")
        key = view.congress_key

        def one(delegate: str) -> DeskCheckIn:
            try:
                new = self.polls.check_in(
                    session_id,
                    delegate,
                    is_delegate=self._is_delegate(key),
                    desk=clerk,
                )
            except DomainError as e:
                return DeskCheckIn(
                    delegate=delegate, refusal_zh=e.message_zh, refusal_en=e.message_en
                )
            return DeskCheckIn(delegate=delegate, new=new)

        return await asyncio.to_thread(lambda: [one(d) for d in dict.fromkeys(delegates)])

    async def cast(
        self, session_id: str, item_no: int, voter: str, choices: list[str]
    ) -> CastResult:
        """Cast a ballot; the ballot that completes the roll tells the workflow."""
        key = self.polls.poll_key(session_id, item_no)
        result = await self.polls.cast_async(key, voter, choices)
        if result.roll_complete and self.client is not None:
            await self._hint_roll_complete(session_id, key)
        return result

    async def _hint_roll_complete(self, session_id: str, poll_key: str) -> bool:
        """Tell the session's workflow the roll may be complete; the ballot stands anyway."""
        try:
            await self._handle(session_id).signal(
                CongressSessionWorkflow.roll_completed, poll_key, rpc_timeout=SIGNAL_TIMEOUT
            )
        except Exception as e:  # noqa: BLE001 - the roll watcher tells it later
            log.warning("roll_hint_not_delivered", poll_key=poll_key, error=type(e).__name__)
            return False
        return True

    async def wake_complete_rolls(self, told: dict[str, float] | None = None) -> list[str]:
        """Tell every session whose open poll's roll is complete (the workers run this
        periodically): a ballot cast while Temporal was down still closes its poll.
        ``told`` remembers when each poll was last told, so a hint is repeated only
        after ``RESIGNAL_SECONDS``. Returns the polls told now."""
        told = told if told is not None else {}
        sent = []
        now = time.monotonic()
        for poll in await asyncio.to_thread(self.polls.complete_rolls):
            key = poll.spec.poll_key
            if now - told.get(key, -RESIGNAL_SECONDS) < RESIGNAL_SECONDS:
                continue
            if await self._hint_roll_complete(poll.spec.session_id, key):
                told[key] = now
                sent.append(key)
        return sent

    async def enter_paper_count(
        self,
        session_id: str,
        item_no: int,
        teller: str,
        counts: dict[str, int],
        ballots: int,
        *,
        command_id: str | None = None,
    ) -> PollView:
        """A teller's count; when both agree, counting proceeds. A caller's ``command_id``
        (a form's) makes a double submit of the same count apply once."""
        key = self.polls.session(session_id).poll_key(item_no)
        entry = (
            fingerprinted(command_id, [teller, counts, ballots])
            if command_id
            else str(uuid.uuid4())
        )
        view = await asyncio.to_thread(
            self.polls.enter_paper_count, key, teller, counts, ballots, f"paper:{key}:{entry}"
        )
        if len(view.paper_counts) == 2 and not view.paper_mismatch and self.client is not None:
            await self._handle(session_id).signal(CongressSessionWorkflow.paper_count_agreed, key)
        return view

    def verify_receipt(self, session_id: str, item_no: int, receipt: str) -> ReceiptCheck:
        """Whether a secret ballot with this receipt was counted (never what it chose)."""
        key = self.polls.session(session_id).poll_key(item_no)
        return self.polls.verify_receipt(key, receipt)

    # -- reads -------------------------------------------------------------------------

    def view(self, session_id: str) -> SessionView:
        """A session from the ledger."""
        return self.polls.session(session_id)

    def attendance(self, session_id: str) -> Attendance:
        """Delegates checked in against all delegates in office and the quorum (≥2/3)."""
        view = self.polls.session(session_id)  # caught up with the log: so is ``current``
        congress = self.congresses.state(view.congress_key, find=self.polls.current)
        quorum = self.congresses.profiles.load(congress.profile_name).congress.quorum
        total, present = congress.total(), self.polls.present(session_id)
        return Attendance(
            session_id=session_id,
            present=present,
            total=total,
            quorum_num=quorum.num,
            quorum_den=quorum.den,
            quorum_needed=quorum.least(total),
            quorum_met=quorum_met(present, total, quorum),
        )

    def may_chair(self, session_id: str, actor: str) -> bool:
        """Whether this actor may chair the session (to show or hide the chair's buttons;
        every step is still checked when it is taken)."""
        try:
            acting = self.directory.acting(actor, Role.CADRE)
        except DomainError:
            return False
        return is_unit_cadre(acting, self.polls.session(session_id).unit_org)

    async def status(self, session_id: str) -> SessionStatusView:
        """The workflow's own view, with its polls."""
        return await self._handle(session_id).query(CongressSessionWorkflow.status)

    # -- plumbing ----------------------------------------------------------------------

    def _chair(self, actor: str, comment: str) -> ChairRequest:
        return ChairRequest(acting=self.directory.acting(actor, Role.CADRE), comment=comment)

    def _handle(self, session_id: str) -> WorkflowHandle[Any, Any]:
        return self._client().get_workflow_handle(session_workflow_id(session_id))

    async def _update(
        self, session_id: str, update: Any, arg: Any, command_id: str | None = None
    ) -> Any:
        # A caller's command id (a form's) becomes the update id, bound to this step and
        # its input: a double submit is answered once, by the first result.
        update_id = (
            fingerprinted(command_id, [update.__name__, arg.model_dump(mode="json")])
            if command_id
            else str(uuid.uuid4())
        )
        try:
            return await self._handle(session_id).execute_update(update, arg, id=update_id)
        except Exception as e:
            raise_domain_error(e)
            raise

    def _client(self) -> Client:
        if self.client is None:
            raise InvalidState("未连接 Temporal 服务", "not connected to a Temporal server")
        return self.client
