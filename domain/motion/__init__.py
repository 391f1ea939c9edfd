"""Motions (提案) of the workers' congress: the call for motions before a session, and each
motion from filing through seconding, the committee's decision and handling to the rating.

One module per concern: ``values``, ``commands``, ``permissions`` (who may act when, and the
input guards shared with the workflow's validators), ``call`` (the ``MotionCall``
aggregate), ``aggregate`` (the ``Motion`` aggregate and its events) and ``handlers`` (one
function per command, mapped by command type).
"""

from __future__ import annotations

from domain.motion.aggregate import Motion
from domain.motion.call import MotionCall
from domain.motion.commands import (
    AnswerMotion,
    AssignMotion,
    CloseSeconding,
    DecideMotion,
    ExtendAnswer,
    FileMotion,
    FlagAnswerOverdue,
    HumanCommand,
    MotionCommand,
    RateAnswer,
    RemindAnswer,
    SecondMotion,
    _HumanCommands,
    _SystemCommands,
)
from domain.motion.permissions import (
    COMMAND_LABELS,
    ROLE_FOR,
    RULES,
    MotionFacts,
    answer_dates,
    check_call_open,
    check_command,
    check_motion_id,
    check_one_matter,
    facts_for,
    precheck,
)
from domain.motion.values import (
    MOTION_ID_PATTERN,
    RATING_LABELS,
    STAGE_LABELS,
    TERMINAL_STAGES,
    TITLE_MAX,
    Answer,
    Decision,
    MotionCallView,
    MotionRules,
    MotionView,
    Rating,
    Stage,
    call_key_for,
    motion_call_id,
    motion_ledger_id,
    parse_rating,
)

__all__ = [
    "COMMAND_LABELS",
    "MOTION_ID_PATTERN",
    "RATING_LABELS",
    "ROLE_FOR",
    "RULES",
    "STAGE_LABELS",
    "TERMINAL_STAGES",
    "TITLE_MAX",
    "Answer",
    "AnswerMotion",
    "AssignMotion",
    "CloseSeconding",
    "DecideMotion",
    "Decision",
    "ExtendAnswer",
    "FileMotion",
    "FlagAnswerOverdue",
    "HumanCommand",
    "Motion",
    "MotionCall",
    "MotionCallView",
    "MotionCommand",
    "MotionFacts",
    "MotionRules",
    "MotionView",
    "RateAnswer",
    "Rating",
    "RemindAnswer",
    "SecondMotion",
    "Stage",
    "_HumanCommands",
    "_SystemCommands",
    "answer_dates",
    "call_key_for",
    "check_call_open",
    "check_command",
    "check_motion_id",
    "check_one_matter",
    "facts_for",
    "motion_call_id",
    "motion_ledger_id",
    "parse_rating",
    "precheck",
]
