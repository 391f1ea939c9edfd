"""Award selection (劳动模范, 五一劳动奖章, 工人先锋号): "two reviews, three public notices".

``definition`` (a title as data), ``values`` (state and stages), ``commands``,
``permissions`` (who may do what, when), ``checks`` (places, proportions, disqualifiers,
honours), ``handlers`` and ``aggregate`` (``AwardRound``, ``Nomination``, ``Honours``).
"""

from domain.award.aggregate import AwardRound, Honours, Nomination
from domain.award.definition import AwardDefinition, FactKind, Level, Subject
from domain.award.values import (
    NominationStage,
    NominationView,
    Nominee,
    NoticeLevel,
    RoundStage,
    RoundView,
)

__all__ = [
    "AwardDefinition",
    "AwardRound",
    "FactKind",
    "Honours",
    "Level",
    "Nomination",
    "NominationStage",
    "NominationView",
    "Nominee",
    "NoticeLevel",
    "RoundStage",
    "RoundView",
    "Subject",
]
