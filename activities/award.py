"""Activities of the award round's workflow: round steps and paged steps over nominations.

People's acts on nominations never pass through here: they go to the ledger through
``application.awards`` (high fan-in input). Results are small (``RoundBrief``,
``PageResult``): they are written into the workflow's history.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from temporalio import activity

from activities.errors import domain_errors_not_retried
from activities.log import log_step
from contracts.award import (
    CommitteeRequest,
    PageRequest,
    PageResult,
    RoundBrief,
    RoundRef,
    RoundStepRequest,
)
from domain.actors import CommandMeta, system_acting
from domain.award.commands import ApproveList
from domain.award.values import RoundView

if TYPE_CHECKING:  # injected by the composition root (workflows import this module)
    from application.awards import AwardService

PAGE = 500


def brief(view: RoundView) -> RoundBrief:
    return RoundBrief(
        round_key=view.key,
        title=view.title,
        federation_org=view.federation_org,
        stage=view.stage.value,
        version=view.version,
        nominations_close=view.nominations_close,
        notice_ends=view.notice.ends if view.notice else None,
        final_names=len(view.final_list),
    )


class AwardActivities:
    """The round's ledger steps, with the award service injected."""

    def __init__(self, awards: AwardService) -> None:
        self.awards = awards

    @activity.defn(name="award.round")
    @domain_errors_not_retried
    def round(self, ref: RoundRef) -> RoundBrief:
        return brief(self.awards.round(ref.round_key))

    @activity.defn(name="award.round_step")
    @domain_errors_not_retried
    def round_step(self, req: RoundStepRequest) -> RoundBrief:
        """One command on the round (the engine's, or a federation cadre's update)."""
        meta = req.meta
        view = self.awards.run_round(req.round_key, req.command, meta)
        log_step(req.command.kind, req.round_key, meta.acting.actor_id, True)
        return brief(view)

    @activity.defn(name="award.sweep")
    @domain_errors_not_retried
    def sweep(self, req: PageRequest) -> PageResult:
        """One page of the daily sweep (notices closed, clearances reminded, escalated)."""
        done, last = self.awards.sweep(req.round_key, req.now, after=req.after, page=PAGE)
        return PageResult(
            done=done.examined,
            last=last,
            more=done.more,
            notices_closed=done.notices_closed,
            reminded=done.reminded,
            escalated=done.escalated,
        )

    @activity.defn(name="award.enter_notice")
    @domain_errors_not_retried
    def enter_notice(self, req: PageRequest) -> PageResult:
        done, last, more = self.awards.enter_notice(
            req.round_key, req.now, after=req.after, page=PAGE
        )
        return PageResult(done=done, last=last, more=more)

    @activity.defn(name="award.committee")
    @domain_errors_not_retried
    def committee(self, req: CommitteeRequest) -> RoundBrief:
        """Apply the committee's tallied election poll to each nominee, approve the list
        (refused when it breaks a hard rule) and enter the honours register."""
        now = req.meta.occurred_at
        self.awards.apply_committee_vote(req.round_key, req.poll_key, now)
        result = f"评审委员会表决 {req.poll_key}（登记：{req.meta.acting.name or req.meta.acting.actor_id}）"
        # The list follows from the votes: the engine approves it, the cadre recorded the poll.
        engine = CommandMeta(
            command_id=f"{req.meta.command_id}:approve", acting=system_acting(), occurred_at=now
        )
        view = self.awards.run_round(
            req.round_key, ApproveList(committee_poll=req.poll_key, result=result), engine
        )
        self.awards.grant_honours(req.round_key, now)
        return brief(view)
