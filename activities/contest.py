"""Activities of the contest round's workflow: the round's steps, reminders in pages, the
judging tally, the public notice's steps and the closed round's titles.

Entries, self-assessments and score sheets never pass through here: they go to the ledger
through ``application.contests`` (high fan-in input). Results are small (``ContestBrief``,
``RemindResult``, ``TallyResult``): they are written into the workflow's history.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from temporalio import activity

from activities.errors import domain_errors_not_retried
from activities.log import log_step
from contracts.contest import (
    ContestBrief,
    ContestRoundRef,
    ContestStepRequest,
    NoticeStepRequest,
    RemindRequest,
    RemindResult,
    TallyResult,
    TitlesRequest,
    TitlesResult,
)
from domain.contest.values import RoundView

if TYPE_CHECKING:  # injected by the composition root (workflows import this module)
    from application.contest_rounds import ContestRoundSteps

PAGE = 500


def contest_brief(view: RoundView) -> ContestBrief:
    return ContestBrief(
        round_key=view.key,
        title=view.title,
        organiser_org=view.organiser_org,
        phase=view.phase.value,
        version=view.version,
        registration_closes=view.registration_closes,
        self_assessment_closes=view.self_assessment_closes,
        ranks_on=view.ranks_on,
        remind_every_days=view.definition.entry.remind_every_days,
        commit_reveal=view.definition.judging.commit_reveal,
        notice_ends=view.notice.ends if view.notice is not None else None,
    )


class ContestActivities:
    """The round's ledger steps, with the round steps' service injected."""

    def __init__(self, steps: ContestRoundSteps) -> None:
        self.steps = steps

    @activity.defn(name="contest.round")
    @domain_errors_not_retried
    def round(self, ref: ContestRoundRef) -> ContestBrief:
        return contest_brief(self.steps.contests.round(ref.round_key))

    @activity.defn(name="contest.round_step")
    @domain_errors_not_retried
    def round_step(self, req: ContestStepRequest) -> ContestBrief:
        """One step of the round (the engine's at a date, or an organiser's update)."""
        view = self.steps.step(req.round_key, req.kind, req.meta)
        log_step(req.kind, req.round_key, req.meta.acting.actor_id, True)
        return contest_brief(view)

    @activity.defn(name="contest.remind")
    @domain_errors_not_retried
    def remind(self, req: RemindRequest) -> RemindResult:
        """One page of reminders to units that have not self-assessed."""
        page = self.steps.remind(req.round_key, req.step, req.now, after=req.after, page=PAGE)
        return RemindResult(reminded=page.reminded, last=page.last, more=page.more)

    @activity.defn(name="contest.tally")
    @domain_errors_not_retried
    def tally(self, ref: ContestRoundRef) -> TallyResult:
        t = self.steps.tally(ref.round_key)
        return TallyResult(owed=t.owed, committed=t.committed, submitted=t.submitted)

    @activity.defn(name="contest.notice_step")
    @domain_errors_not_retried
    def notice_step(self, req: NoticeStepRequest) -> ContestBrief:
        """The engine posts the ranking's notice, or closes it after its last day."""
        view = self.steps.notice_step(req.round_key, req.kind, req.meta)
        log_step(req.kind, req.round_key, req.meta.acting.actor_id, True)
        return contest_brief(view)

    @activity.defn(name="contest.grant_titles")
    @domain_errors_not_retried
    def grant_titles(self, req: TitlesRequest) -> TitlesResult:
        """The closed round's titles not yet in their registers; a retry after a crash
        half way grants only the rest."""
        done = self.steps.grant_titles(req.round_key, req.now)
        return TitlesResult(granted=done.granted, already=done.already, held=done.held)
