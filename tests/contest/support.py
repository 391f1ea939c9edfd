"""Shared by the contest tests: the shipped definitions, variants of them, marks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from application.award_facts import AwardFacts
from application.contest_definitions import CONTEST_DATA_DIR, read_definition
from application.contests import ContestService
from application.safety import SafetyService
from bootstrap import build_app
from domain.contest.definition import ContestDefinition
from domain.contest.values import Marks
from settings import Settings
from tests.conftest import EXAMPLE_DIRECTORY


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


# -- a world on a real SQLite ledger ------------------------------------------------------

JUDGES = {  # judge -> org
    "judge.city1": "dl-city",
    "judge.city2": "dl-city",
    "judge.textile": "dl-textile",
    "judge.agri": "dl-agri",
    "judge.gjz": "dl-ganjingzi",
    "judge.bearing": "dl-bearing",
    "judge.seed": "dl-seed",
}
EXTRA_ACTORS = [
    {"id": j, "name": f"评委{i}", "org": org, "roles": ["judge"]}
    for i, (j, org) in enumerate(JUDGES.items(), start=1)
] + [{"id": "qian.clerk", "name": "钱录入", "org": "dl-city", "roles": ["cadre"]}]


def directory_with_judges(tmp_path: Path) -> Path:
    """The example directory plus seven judges and a second clerk of the city federation."""
    data = yaml.safe_load(EXAMPLE_DIRECTORY.read_text(encoding="utf-8"))
    data["actors"] = [*data["actors"], *EXTRA_ACTORS]
    path = tmp_path / "directory.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now.astimezone(UTC)

    def later(self, **delta: float) -> None:
        self.now = self.now + timedelta(**delta)


class World:
    """An App on a temporary ledger, a ContestService on a settable clock."""

    def __init__(self, tmp_path: Path, start: datetime) -> None:
        self.app = build_app(Settings(data_dir=tmp_path / "var"))
        directory = self.app.directory
        directory.load(directory.parse(directory_with_judges(tmp_path)), operator="ops.admin")
        self.clock = Clock(start)
        self.safety = SafetyService(self.app.ledger, directory, clock=self.clock)
        facts = AwardFacts(self.app.ledger, self.app.congresses, self.app.polls, self.app.settings)
        self.contests = ContestService(
            self.app.ledger, directory, self.safety, facts, self.app.settings, clock=self.clock
        )

    def events(self) -> int:
        return self.app.ledger.max_notification_id()

    def close(self) -> None:
        self.app.close()
