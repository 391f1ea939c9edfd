"""Shared by the contest tests: the shipped definitions, variants of them, marks."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from application.contest_definitions import CONTEST_DATA_DIR, read_definition
from domain.contest.definition import ContestDefinition
from domain.contest.values import Marks


def shipped(key: str) -> ContestDefinition:
    return read_definition(CONTEST_DATA_DIR / f"{key}.yaml")


def variant(definition: ContestDefinition, **parts: dict[str, Any]) -> ContestDefinition:
    """The definition with some of its parts changed (validated again)."""
    data = definition.model_dump(mode="json")
    for name, changes in parts.items():
        data[name] = {**data[name], **changes} if isinstance(data[name], dict) else changes
    return ContestDefinition.model_validate(data)


def marks(**values: float | str) -> Marks:
    return {k: Decimal(str(v)) for k, v in values.items()}


def full(definition: ContestDefinition, share: float = 1.0, **override: float | str) -> Marks:
    """Every section item at ``share`` of its points (rounded to cents), then overrides."""
    found = {
        i.key: (i.points * Decimal(str(share))).quantize(Decimal("0.01"))
        for s in definition.table.sections
        for i in s.items
    }
    found.update(marks(**override))
    return found
