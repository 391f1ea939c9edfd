"""The motion aggregate (``Motion``) and its events.

Event classes keep the topics they were first stored under (``TOPIC``): the ledger
resolves and hashes stored events by topic, and they live forever.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.actors import CommandMeta, Role
from domain.base import ChangesView, CreatesView, LedgerAggregate, ViewState
from domain.errors import NotAuthorised
from domain.motion.commands import FileMotion, MotionCommand
from domain.motion.handlers import HANDLERS
from domain.motion.permissions import (
    MotionFacts,
    check_call_open,
    check_command,
    check_motion_id,
    check_one_matter,
    precheck,
)
from domain.motion.values import (
    Answer,
    Decision,
    MotionCallView,
    MotionRules,
    MotionView,
    Rating,
    Stage,
    motion_ledger_id,
)
from domain.profiles import RuleProfile


class Motion(ViewState[MotionView], LedgerAggregate):
    """One motion (提案) of a delegate to the workers' congress."""

    TOPIC = "domain.motion:Motion"
    VIEW = MotionView

    class Created(CreatesView, LedgerAggregate.Created):
        """A delegate filed the motion (提出提案)."""

        TOPIC = "domain.motion:Motion.Created"

        state: dict[str, Any]

    class Changed(ChangesView, LedgerAggregate.Event):
        """Base of the events below: each carries only its own facts."""

        TOPIC = "domain.motion:Motion.Changed"

    class Seconded(Changed):
        """Another delegate seconded it (附议)."""

        TOPIC = "domain.motion:Motion.Seconded"

        seconder: str

        def evolve(self, s: MotionView) -> None:
            s.seconders.append(self.seconder)

    class SecondingClosed(Changed):
        """The window closed with enough seconders: it goes to the committee."""

        TOPIC = "domain.motion:Motion.SecondingClosed"

        seconders: int

        def evolve(self, s: MotionView) -> None:
            s.stage = Stage.AWAITING_DECISION

    class Lapsed(Changed):
        """The window closed with too few seconders (附议人数不足)."""

        TOPIC = "domain.motion:Motion.Lapsed"

        seconders: int
        required: int

        def evolve(self, s: MotionView) -> None:
            s.stage = Stage.LAPSED

    class Registered(Changed):
        """The motions committee filed it (立案)."""

        TOPIC = "domain.motion:Motion.Registered"

        reasons: str
        decided_on: date

        def evolve(self, s: MotionView) -> None:
            s.decision = Decision.FILE
            s.decision_reasons = self.reasons
            s.decided_by = self.actor["id"]
            s.decided_on = self.decided_on
            s.stage = Stage.REGISTERED

    class Rejected(Changed):
        """The motions committee did not file it (不予立案), with written reasons."""

        TOPIC = "domain.motion:Motion.Rejected"

        reasons: str
        decided_on: date

        def evolve(self, s: MotionView) -> None:
            s.decision = Decision.REJECT
            s.decision_reasons = self.reasons
            s.decided_by = self.actor["id"]
            s.decided_on = self.decided_on
            s.stage = Stage.REJECTED

    class Assigned(Changed):
        """Assigned to a lead department (交办); the answer falls due."""

        TOPIC = "domain.motion:Motion.Assigned"

        lead: str
        supporting: list[str]
        assigned_on: date
        due: date
        reminder_on: date | None

        def evolve(self, s: MotionView) -> None:
            s.lead_department = self.lead
            s.supporting_departments = list(self.supporting)
            s.assigned_on = self.assigned_on
            s.handling_round = 1
            _new_due(s, self.due, self.reminder_on)
            s.stage = Stage.IN_HANDLING

    class AnswerReminded(Changed):
        """The lead department was reminded that the answer falls due soon."""

        TOPIC = "domain.motion:Motion.AnswerReminded"

        due: date

        def evolve(self, s: MotionView) -> None:
            s.reminded = True

    class AnswerOverdue(Changed):
        """No answer by the due date: escalated to the union chair (督办); the case stays open."""

        TOPIC = "domain.motion:Motion.AnswerOverdue"

        due: date
        escalated_to: str

        def evolve(self, s: MotionView) -> None:
            s.overdue = True
            s.escalated_to = self.escalated_to

    class AnswerExtended(Changed):
        """The lead department got its one extension (延期答复)."""

        TOPIC = "domain.motion:Motion.AnswerExtended"

        reason: str
        due: date
        reminder_on: date | None

        def evolve(self, s: MotionView) -> None:
            s.extended = True
            s.extension_reason = self.reason
            _new_due(s, self.due, self.reminder_on)

    class Answered(Changed):
        """The lead department answered in writing (书面答复)."""

        TOPIC = "domain.motion:Motion.Answered"

        text: str
        answered_on: date
        late: bool

        def evolve(self, s: MotionView) -> None:
            s.answers.append(
                Answer(
                    round=s.handling_round,
                    text=self.text,
                    answered_by=self.actor["id"],
                    answered_on=self.answered_on,
                    late=self.late,
                )
            )
            s.stage = Stage.ANSWERED

    class AnswerRated(Changed):
        """The proposer rated the answer; 满意 or 基本满意 closes the motion (办结)."""

        TOPIC = "domain.motion:Motion.AnswerRated"

        rating: str
        opinion: str
        rated_on: date

        def evolve(self, s: MotionView) -> None:
            answer = s.answers[-1]
            answer.rating = Rating(self.rating)
            answer.opinion = self.opinion
            answer.rated_on = self.rated_on
            if answer.rating is not Rating.DISSATISFIED:
                s.stage = Stage.CLOSED
                s.closed_on = self.rated_on

    class HandlingReopened(Changed):
        """Rated 不满意: the lead department handles it again (重新办理), with a new due date."""

        TOPIC = "domain.motion:Motion.HandlingReopened"

        round: int
        due: date
        reminder_on: date | None

        def evolve(self, s: MotionView) -> None:
            s.handling_round = self.round
            _new_due(s, self.due, self.reminder_on)
            s.stage = Stage.IN_HANDLING

    def __init__(self, state: dict[str, Any]) -> None:
        super().__init__()
        # Declared, not assigned: Created.apply sets it from the stored event.
        self.s: MotionView

    # -- creation ----------------------------------------------------------------------

    @classmethod
    def file(
        cls,
        motion_id: str,
        command: FileMotion,
        meta: CommandMeta,
        *,
        call: MotionCallView,
        is_delegate: bool,
        profile: RuleProfile,
    ) -> Motion:
        """A delegate in office files a motion inside the call's window."""
        acting = meta.acting
        if acting.role is not Role.DELEGATE or acting.org_id != call.unit_org or not is_delegate:
            raise NotAuthorised(
                f"只有本届职代会（{call.congress_key}）的在任代表可以提出提案",
                f"only a delegate in office of congress {call.congress_key} may file a motion",
            )
        check_motion_id(motion_id)
        check_call_open(call, meta.today())
        check_one_matter(command)
        state = MotionView(
            motion_id=motion_id,
            call_key=call.call_key,
            congress_key=call.congress_key,
            unit_org=call.unit_org,
            unit_path=call.unit_path,
            chair=call.opened_by,
            proposer=acting.actor_id,
            title=command.title.strip(),
            reasons=command.reasons.strip(),
            proposal=command.proposal.strip(),
            filed_on=meta.today(),
            closes_on=call.closes_on,
            rules=MotionRules.of(profile),
            profile_name=profile.name,
            profile_fingerprint=profile.fingerprint(),
            stage=Stage.SECONDING,
            version=1,
        )
        return cls._new(motion_ledger_id(motion_id), meta, state=state.model_dump(mode="json"))

    # -- reading -----------------------------------------------------------------------

    # -- commands ----------------------------------------------------------------------

    def handle(
        self,
        command: MotionCommand,
        meta: CommandMeta,
        *,
        today: date,
        facts: MotionFacts | None = None,
    ) -> None:
        """Run one command after the stage, authorisation and input rules allow it."""
        precheck(command.kind, meta.acting, self.s, today=today)
        check_command(command, self.s)
        HANDLERS[type(command)](self, command, meta, today, facts or MotionFacts())


def _new_due(s: MotionView, due: date, reminder_on: date | None) -> None:
    """A fresh answer period: reminder and escalation start over."""
    s.due = due
    s.reminder_on = reminder_on
    s.reminded = False
    s.overdue = False
    s.escalated_to = None
