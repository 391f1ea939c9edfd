"""The wage contract aggregate (``WageContract``) and its events.

Event classes keep the topics they were first stored under (``TOPIC``): the ledger
resolves and hashes stored events by topic, and they live forever.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from domain.actors import CommandMeta
from domain.base import ChangesView, CreatesView, LedgerAggregate, ViewState
from domain.calendar import Calendar
from domain.errors import InvalidInput
from domain.policies import check_unit_cadre
from domain.profiles import RuleProfile
from domain.wage_contract.commands import OpenCase, WageCommand
from domain.wage_contract.handlers import HANDLERS
from domain.wage_contract.permissions import COMMAND_LABELS, precheck_command
from domain.wage_contract.values import (
    AdoptionVote,
    DataRequest,
    Draft,
    EmployeeRequest,
    FilingPackage,
    Negotiator,
    ReviewComment,
    ReviewRound,
    Side,
    Stage,
    VoteCount,
    WageContractView,
    wage_contract_id,
)


class WageContract(ViewState[WageContractView], LedgerAggregate):
    """A wage special collective contract case (工资专项集体合同)."""

    TOPIC = "domain.wage_contract:WageContract"
    VIEW = WageContractView

    class Created(CreatesView, LedgerAggregate.Created):
        """The offer to bargain was sent (要约已发出)."""

        TOPIC = "domain.wage_contract:WageContract.Created"

        state: dict[str, Any]
        profile: dict[str, Any]

        def apply(self, aggregate: WageContract) -> None:
            super().apply(aggregate)
            aggregate.profile_data = self.profile

    class Changed(ChangesView, LedgerAggregate.Event):
        """Base of the events below: each carries only its own facts."""

        TOPIC = "domain.wage_contract:WageContract.Changed"

    class ReplyReceived(Changed):
        TOPIC = "domain.wage_contract:WageContract.ReplyReceived"
        class_version = 2
        replied_on: date
        content: str
        talks_start_due: date
        talks_start_due_provisional: bool
        talks_start_reminder_on: date | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["talks_start_reminder_on"] = None  # replies recorded before the reminder

        def evolve(self, s: WageContractView) -> None:
            s.replied_on = self.replied_on
            s.talks_start_due = self.talks_start_due
            s.talks_start_due_provisional = self.talks_start_due_provisional
            s.talks_start_reminder_on = self.talks_start_reminder_on
            s.stage = Stage.IN_TALKS

    class TalksStartReminded(Changed):
        """The unit was reminded that talks must start by ``talks_start_due``."""

        TOPIC = "domain.wage_contract:WageContract.TalksStartReminded"
        due: date

        def evolve(self, s: WageContractView) -> None:
            s.talks_start_reminded = True

    class TalksStartOverdue(Changed):
        """No talks round was held within the period after the reply."""

        TOPIC = "domain.wage_contract:WageContract.TalksStartOverdue"
        due: date

        def evolve(self, s: WageContractView) -> None:
            s.talks_start_overdue = True

    class ReplyOverdue(Changed):
        TOPIC = "domain.wage_contract:WageContract.ReplyOverdue"
        escalated_to: str | None

        def evolve(self, s: WageContractView) -> None:
            s.reply_overdue = True
            s.reply_escalated_to = self.escalated_to

    class NegotiatorsAppointed(Changed):
        TOPIC = "domain.wage_contract:WageContract.NegotiatorsAppointed"
        negotiators: list[dict[str, Any]]

        def evolve(self, s: WageContractView) -> None:
            s.negotiators = [Negotiator.model_validate(n) for n in self.negotiators]

    class TalksRoundHeld(Changed):
        TOPIC = "domain.wage_contract:WageContract.TalksRoundHeld"
        round: int
        minutes: str
        deadlocked: bool

        def evolve(self, s: WageContractView) -> None:
            s.rounds_held = self.round

    class TalksDataRequested(Changed):
        """One side asked the other for data needed for talks (WCN §18)."""

        TOPIC = "domain.wage_contract:WageContract.TalksDataRequested"
        no: int
        requested_from: str
        items: list[str]
        requested_on: date

        def evolve(self, s: WageContractView) -> None:
            s.data_requests.append(
                DataRequest(
                    no=self.no,
                    requested_from=Side(self.requested_from),
                    items=list(self.items),
                    requested_on=self.requested_on,
                )
            )

    class TalksDataProvided(Changed):
        """The data of request ``no`` was provided."""

        TOPIC = "domain.wage_contract:WageContract.TalksDataProvided"
        no: int
        provided_on: date

        def evolve(self, s: WageContractView) -> None:
            s.data_requests[self.no - 1].provided_on = self.provided_on

    class TalksSuspended(Changed):
        TOPIC = "domain.wage_contract:WageContract.TalksSuspended"
        until: date
        days: int
        reason: str

        def evolve(self, s: WageContractView) -> None:
            s.stage = Stage.SUSPENDED
            s.suspended_until = self.until
            s.suspended_days_total += self.days

    class TalksResumed(Changed):
        TOPIC = "domain.wage_contract:WageContract.TalksResumed"
        resumed_on: date

        def evolve(self, s: WageContractView) -> None:
            s.stage = Stage.IN_TALKS
            s.suspended_until = None

    class DraftSigned(Changed):
        TOPIC = "domain.wage_contract:WageContract.DraftSigned"
        draft: dict[str, Any]

        def evolve(self, s: WageContractView) -> None:
            s.draft = Draft.model_validate(self.draft)
            s.stage = Stage.DRAFTED

    class DraftRevised(DraftSigned):
        TOPIC = "domain.wage_contract:WageContract.DraftRevised"
        pass

    class SubmittedForReview(Changed):
        TOPIC = "domain.wage_contract:WageContract.SubmittedForReview"
        review: dict[str, Any]

        def evolve(self, s: WageContractView) -> None:
            s.reviews.append(ReviewRound.model_validate(self.review))
            s.stage = Stage.UNDER_REVIEW

    class ReviewerReminded(Changed):
        TOPIC = "domain.wage_contract:WageContract.ReviewerReminded"
        round: int

        def evolve(self, s: WageContractView) -> None:
            s.reviews[-1].reminded = True

    class ReviewEscalated(Changed):
        TOPIC = "domain.wage_contract:WageContract.ReviewEscalated"
        round: int
        to_org: str | None
        due: date | None
        due_provisional: bool
        reminder_on: date | None
        due_from: date | None = None

        def evolve(self, s: WageContractView) -> None:
            review = s.reviews[-1]
            if self.to_org is None or self.due is None:
                review.overdue_at_top = True
                return
            review.escalations.append(review.reviewer_org)
            review.reviewer_org = self.to_org
            review.level += 1
            review.due = self.due
            review.due_provisional = self.due_provisional
            review.due_from = self.due_from
            review.reminder_on = self.reminder_on
            review.reminded = False

    class DeadlinesCorrected(Changed):
        """Provisional deadlines recomputed once their year's schedule was published."""

        TOPIC = "domain.wage_contract:WageContract.DeadlinesCorrected"
        class_version = 2

        talks_start_due: date | None
        talks_start_due_provisional: bool
        review_round: int | None
        review_due: date | None
        review_due_provisional: bool
        review_reminder_on: date | None
        talks_start_reminder_on: date | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["talks_start_reminder_on"] = None

        def evolve(self, s: WageContractView) -> None:
            if self.talks_start_due is not None:
                s.talks_start_due = self.talks_start_due
                s.talks_start_due_provisional = self.talks_start_due_provisional
                if self.talks_start_reminder_on is not None:
                    s.talks_start_reminder_on = self.talks_start_reminder_on
            if self.review_round is not None and self.review_due is not None:
                review = s.reviews[self.review_round - 1]
                review.due = self.review_due
                review.due_provisional = self.review_due_provisional
                review.reminder_on = self.review_reminder_on

    class ReviewTakenOver(Changed):
        """An ancestor union took over a round that was not escalated to it, with a reason."""

        TOPIC = "domain.wage_contract:WageContract.ReviewTakenOver"
        round: int
        from_org: str
        to_org: str
        reason: str

        def evolve(self, s: WageContractView) -> None:
            review = s.reviews[-1]
            review.escalations.append(self.from_org)
            review.reviewer_org = self.to_org
            review.taken_over_from = self.from_org
            review.takeover_reason = self.reason

    class PreReviewApproved(Changed):
        TOPIC = "domain.wage_contract:WageContract.PreReviewApproved"
        round: int
        decided_on: date
        override_reason: str | None
        failed_hard_checks: list[str]

        def evolve(self, s: WageContractView) -> None:
            review = s.reviews[-1]
            review.outcome = "approved"
            review.decided_by = self.actor["id"]
            review.decided_on = self.decided_on
            review.override_reason = self.override_reason
            s.stage = Stage.APPROVED

    class PreReviewReturned(Changed):
        TOPIC = "domain.wage_contract:WageContract.PreReviewReturned"
        round: int
        decided_on: date
        comments: list[dict[str, str]]

        def evolve(self, s: WageContractView) -> None:
            review = s.reviews[-1]
            review.outcome = "returned"
            review.decided_by = self.actor["id"]
            review.decided_on = self.decided_on
            review.comments = [ReviewComment.model_validate(c) for c in self.comments]
            s.stage = Stage.RETURNED

    class AdoptionPollRequested(Changed):
        TOPIC = "domain.wage_contract:WageContract.AdoptionPollRequested"
        session_id: str
        item_no: int
        poll_key: str

        def evolve(self, s: WageContractView) -> None:
            s.adoption_poll = self.poll_key

    class AdoptionVoteRecorded(Changed):
        TOPIC = "domain.wage_contract:WageContract.AdoptionVoteRecorded"
        count: dict[str, int]
        quorum_met: bool
        passed: bool
        recorded_on: date
        source: str = ""  # "poll:<key>", or the two tellers of a paper meeting

        def evolve(self, s: WageContractView) -> None:
            s.adoption_votes.append(
                AdoptionVote(
                    count=VoteCount.model_validate(self.count),
                    quorum_met=self.quorum_met,
                    passed=self.passed,
                    recorded_on=self.recorded_on,
                    source=self.source,
                )
            )
            s.adoption_poll = None
            s.stage = Stage.ADOPTED if self.passed else Stage.IN_TALKS

    class ContractSigned(Changed):
        TOPIC = "domain.wage_contract:WageContract.ContractSigned"
        signed_on: date
        filing_due: date
        filing_reminder_on: date | None

        def evolve(self, s: WageContractView) -> None:
            s.signed_on = self.signed_on
            s.filing_due = self.filing_due
            s.filing_reminder_on = self.filing_reminder_on
            s.filing_reminded = False
            s.filing_overdue = False
            s.stage = Stage.SIGNED

    class FilingReminded(Changed):
        TOPIC = "domain.wage_contract:WageContract.FilingReminded"

        def evolve(self, s: WageContractView) -> None:
            s.filing_reminded = True

    class FilingOverdue(Changed):
        TOPIC = "domain.wage_contract:WageContract.FilingOverdue"

        def evolve(self, s: WageContractView) -> None:
            s.filing_overdue = True

    class Filed(Changed):
        """Filed with the labour administration: copies, and the adoption resolution as
        the ledger recorded it (attendance and counts of the vote that passed)."""

        TOPIC = "domain.wage_contract:WageContract.Filed"
        class_version = 2
        filed_on: date
        copies: int
        office: str
        review_window_until: date
        adopted_on: date | None
        delegates_total: int
        delegates_present: int
        votes_for: int
        votes_against: int
        abstentions: int
        vote_source: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # Filed before the package carried the resolution: nothing of it was recorded.
            state.update(
                adopted_on=None,
                delegates_total=0,
                delegates_present=0,
                votes_for=0,
                votes_against=0,
                abstentions=0,
                vote_source="",
            )

        def evolve(self, s: WageContractView) -> None:
            s.filed_on = self.filed_on
            s.review_window_until = self.review_window_until
            s.filing_package = FilingPackage(
                copies=self.copies,
                office=self.office,
                adopted_on=self.adopted_on,
                delegates_total=self.delegates_total,
                delegates_present=self.delegates_present,
                votes_for=self.votes_for,
                votes_against=self.votes_against,
                abstentions=self.abstentions,
                vote_source=self.vote_source,
            )
            s.filing_missing = []
            s.filing_fix_due = None
            s.stage = Stage.FILED

    class FilingReturnedIncomplete(Changed):
        """The labour administration found the package incomplete: fix and refile by
        ``fix_due`` (the filing deadline becomes the fix period)."""

        TOPIC = "domain.wage_contract:WageContract.FilingReturnedIncomplete"
        missing: list[str]
        fix_due: date

        def evolve(self, s: WageContractView) -> None:
            s.filing_missing = list(self.missing)
            s.filing_fix_due = self.fix_due
            s.filing_due = self.fix_due
            s.filing_reminder_on = None
            s.filing_reminded = False
            s.filing_overdue = False
            s.review_window_until = None
            s.stage = Stage.SIGNED

    class ObjectionRaised(Changed):
        TOPIC = "domain.wage_contract:WageContract.ObjectionRaised"
        text: str

        def evolve(self, s: WageContractView) -> None:
            s.objections.append(self.text)
            s.stage = Stage.IN_TALKS

    class TookEffect(Changed):
        TOPIC = "domain.wage_contract:WageContract.TookEffect"
        class_version = 2
        effective_on: date
        expires_on: date
        publication_due: date
        renewal_on: date
        higher_union_report_due: date | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["higher_union_report_due"] = None  # took effect before the report was due

        def evolve(self, s: WageContractView) -> None:
            s.effective_on = self.effective_on
            s.expires_on = self.expires_on
            s.publication_due = self.publication_due
            s.renewal_on = self.renewal_on
            s.higher_union_report_due = self.higher_union_report_due
            s.stage = Stage.EFFECTIVE

    class HigherUnionReportOverdue(Changed):
        """The report to the higher union was not made by its due date."""

        TOPIC = "domain.wage_contract:WageContract.HigherUnionReportOverdue"
        due: date

        def evolve(self, s: WageContractView) -> None:
            s.higher_union_report_overdue = True

    class ReportedToHigherUnion(Changed):
        """The effective contract was reported to the higher union (报上级工会)."""

        TOPIC = "domain.wage_contract:WageContract.ReportedToHigherUnion"
        reported_on: date
        to_org: str
        reference: str

        def evolve(self, s: WageContractView) -> None:
            s.higher_union_reported_on = self.reported_on

    class PublicationOverdue(Changed):
        TOPIC = "domain.wage_contract:WageContract.PublicationOverdue"

        def evolve(self, s: WageContractView) -> None:
            s.publication_overdue = True

    class Published(Changed):
        TOPIC = "domain.wage_contract:WageContract.Published"
        published_on: date
        channel: str

        def evolve(self, s: WageContractView) -> None:
            s.published_on = self.published_on
            s.stage = Stage.PUBLISHED

    class RenewalOpened(Changed):
        TOPIC = "domain.wage_contract:WageContract.RenewalOpened"
        opened_on: date

        def evolve(self, s: WageContractView) -> None:
            s.stage = Stage.RENEWAL_DUE

    def __init__(self, state: dict[str, Any], profile: dict[str, Any]) -> None:
        super().__init__()
        # Declared, not assigned: Created.apply sets them from the stored event.
        self.s: WageContractView
        self.profile_data: dict[str, Any]

    # -- creation ----------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        command: OpenCase,
        meta: CommandMeta,
        *,
        unit_path: list[str],
        wage_area_class: int,
        profile: RuleProfile,
        today: date,
        requested_by_employees: EmployeeRequest | None = None,
    ) -> WageContract:
        """Send the offer (要约) and open the case; the profile in force is recorded."""
        check_unit_cadre(meta.acting, command.unit_org, COMMAND_LABELS["open"])
        if len(unit_path) < 2:
            raise InvalidInput(
                f"{command.unit_org} 没有上级工会，无法预审",
                f"{command.unit_org} has no higher union to pre-review",
            )
        try:
            profile.wage_contract.minimum_wage.for_area(wage_area_class)
        except KeyError:
            raise InvalidInput(
                f"规则配置 {profile.name} 没有{wage_area_class}类工资区",
                f"profile {profile.name} has no wage area class {wage_area_class}",
            ) from None
        state = WageContractView(
            case_id=command.case_id,
            unit_org=command.unit_org,
            unit_path=unit_path,
            wage_area_class=wage_area_class,
            employer=command.employer,
            year=command.year,
            stage=Stage.OFFERED,
            version=1,
            profile_name=profile.name,
            profile_fingerprint=profile.fingerprint(),
            opened_by=meta.acting.actor_id,
            offer_on=today,
            offer_place=command.offer_place,
            offer_content=command.offer_content,
            reply_due=today + timedelta(days=profile.wage_contract.reply_days),
            requested_by_employees=requested_by_employees,
        )
        return cls._new(
            wage_contract_id(command.case_id),
            meta,
            state=state.model_dump(mode="json"),
            profile=profile.model_dump(mode="json"),
        )

    # -- reading -----------------------------------------------------------------------

    @property
    def rule_profile(self) -> RuleProfile:
        """The profile recorded when the case opened."""
        return RuleProfile.model_validate(self.profile_data)

    # -- commands ----------------------------------------------------------------------

    def handle(
        self, command: WageCommand, meta: CommandMeta, *, today: date, calendar: Calendar
    ) -> None:
        """Run one command after the stage and authorisation rules allow it."""
        precheck_command(command, meta.acting, self.s)
        HANDLERS[type(command)](self, command, meta, today, calendar)
