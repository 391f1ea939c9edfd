"""The call for motions (提案征集) aggregate.

Its events keep the topics they were first stored under (``TOPIC``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.actors import CommandMeta
from domain.base import CreatesView, LedgerAggregate, ViewState
from domain.errors import InvalidInput
from domain.motion.values import MotionCallView, motion_call_id
from domain.policies import check_unit_cadre
from domain.profiles import RuleProfile


class MotionCall(ViewState[MotionCallView], LedgerAggregate):
    """A call for motions (提案征集) before a session of the workers' congress."""

    TOPIC = "domain.motion:MotionCall"
    VIEW = MotionCallView

    class Created(CreatesView, LedgerAggregate.Created):
        """The call was opened (发出提案征集通知)."""

        TOPIC = "domain.motion:MotionCall.Created"

        state: dict[str, Any]

    def __init__(self, state: dict[str, Any]) -> None:
        super().__init__()
        # Declared, not assigned: Created.apply sets it from the stored event.
        self.s: MotionCallView

    @classmethod
    def open(
        cls,
        call_key: str,
        meta: CommandMeta,
        *,
        congress_key: str,
        unit_org: str,
        unit_path: list[str],
        session_on: date,
        profile: RuleProfile,
    ) -> MotionCall:
        """Open the call; it closes as the session day begins, however late it was opened."""
        check_unit_cadre(meta.acting, unit_org, ("发起提案征集", "open a call for motions"))
        today = meta.today()
        if session_on <= today:
            raise InvalidInput(
                f"会议日期（{session_on}）须晚于今天：提案征集截至会议当日",
                f"the session ({session_on}) must be after today: the call closes on that day",
            )
        state = MotionCallView(
            call_key=call_key,
            congress_key=congress_key,
            unit_org=unit_org,
            unit_path=unit_path,
            session_on=session_on,
            opened_on=today,
            closes_on=session_on,
            opened_by=meta.acting.actor_id,
            notice_days=(session_on - today).days,
            advised_notice_days=profile.congress.motion_call_days_before,
            version=1,
        )
        return cls._new(motion_call_id(call_key), meta, state=state.model_dump(mode="json"))
