"""Thin activities of the motion workflow: each runs one ledger command on a motion."""

from __future__ import annotations

from typing import TYPE_CHECKING

from temporalio import activity

from activities.errors import domain_errors_not_retried
from activities.log import log_step
from contracts.motion import FileMotionRequest, MotionCommandRequest, MotionRef
from domain.errors import NotFound
from domain.motion import (
    Motion,
    MotionView,
    motion_call_id,
    motion_ledger_id,
)

if TYPE_CHECKING:  # types only: injected by the composition root (workflows import this module)
    from application.congress import CongressService
    from application.facts import Facts
    from ledger.app import Ledger


class MotionActivities:
    """Activities with their dependencies, built once by the composition root."""

    def __init__(self, ledger: Ledger, congresses: CongressService, facts: Facts) -> None:
        self.ledger = ledger
        self.congresses = congresses
        self.facts = facts

    @activity.defn(name="motion.file")
    @domain_errors_not_retried
    def file(self, req: FileMotionRequest) -> MotionView:
        """Record the motion with the rules of its congress's profile; a retry meets it."""
        call_aggregate = self.ledger.find(motion_call_id(req.call_key))
        if call_aggregate is None:
            raise NotFound(f"提案征集 {req.call_key} 不存在", f"no call for motions {req.call_key}")
        call = call_aggregate.view()
        congress = self.congresses.view(call.congress_key)
        profile = self.congresses.profiles.load(congress.profile_name)
        actor = req.meta.acting.actor_id
        result = self.ledger.execute(
            motion_ledger_id(req.motion_id),
            req.meta,
            create=lambda: Motion.file(
                req.motion_id,
                req.command,
                req.meta,
                call=call,
                is_delegate=congress.delegate(actor) is not None,
                profile=profile,
            ),
        )
        log_step("motion_filed", req.motion_id, actor, result.applied)
        return result.aggregate.view()

    @activity.defn(name="motion.command")
    @domain_errors_not_retried
    def command(self, req: MotionCommandRequest) -> MotionView:
        """Run one command on the motion, exactly once per command id."""
        meta = req.meta
        current = self._motion(req.motion_id)
        facts = self.facts.for_motion(req.command, meta.acting.actor_id, current.congress_key)
        result = self.ledger.execute(
            motion_ledger_id(req.motion_id),
            meta,
            lambda m: m.handle(req.command, meta, today=meta.today(), facts=facts),
        )
        log_step(req.command.kind, req.motion_id, meta.acting.actor_id, result.applied)
        return result.aggregate.view()

    @activity.defn(name="motion.view")
    @domain_errors_not_retried
    def view(self, ref: MotionRef) -> MotionView:
        """The motion as the ledger has it now."""
        return self._motion(ref.motion_id)

    def _motion(self, motion_id: str) -> MotionView:
        aggregate = self.ledger.find(motion_ledger_id(motion_id))
        if aggregate is None:
            raise NotFound(f"提案 {motion_id} 不存在", f"no motion {motion_id}")
        return aggregate.view()
