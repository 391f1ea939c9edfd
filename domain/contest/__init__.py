"""Contests as data (安康杯, skills contests, the "六好" assessment): definitions, scoring,
and the round, entry and score-sheet aggregates."""

from domain.contest.aggregate import ContestEntry, ContestRound, ScoreSheet
from domain.contest.definition import ContestDefinition
from domain.contest.values import EntryView, Phase, RoundView, SheetView

__all__ = [
    "ContestDefinition",
    "ContestEntry",
    "ContestRound",
    "EntryView",
    "Phase",
    "RoundView",
    "ScoreSheet",
    "SheetView",
]
