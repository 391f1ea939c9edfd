"""Safety facts through the service on a real ledger: who may record them, a retried
command recorded once, a date in the future refused, inspections kept beside accidents,
and only fatal or serious accidents reaching the awards' disqualifier."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest

from domain.actors import CHINA_TZ
from domain.contest.definition import Severity
from domain.errors import InvalidInput, NotAuthorised
from domain.safety import AccidentReport, InspectionReport
from tests.contest.support import World

START = datetime(2027, 3, 1, 9, tzinfo=CHINA_TZ)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path, START)
    yield w
    w.close()


def accident(severity: Severity, on: date = date(2027, 2, 1)) -> AccidentReport:
    return AccidentReport(unit_org="dl-bearing", on=on, severity=severity, description="机械伤害")


def test_a_retried_accident_is_recorded_once_and_the_future_is_refused(world: World):
    first = world.safety.record_accident("wang.li", accident(Severity.MINOR), command_id="a1")
    again = world.safety.record_accident("wang.li", accident(Severity.MINOR), command_id="a1")
    assert first == again and len(world.safety.accidents("dl-bearing")) == 1
    before = world.events()
    with pytest.raises(InvalidInput, match="future"):
        world.safety.record_accident("wang.li", accident(Severity.FATAL, date(2027, 3, 2)))
    with pytest.raises(NotAuthorised):  # a delegate records no safety facts
        world.safety.record_accident("liu.qiang", accident(Severity.FATAL))
    with pytest.raises(NotAuthorised):  # nor a cadre of another unit
        world.safety.record_accident("zhao.min", accident(Severity.FATAL))
    assert world.events() == before


def test_inspections_sit_beside_accidents_and_only_serious_ones_bar_awards(world: World):
    world.safety.record_inspection(
        "safety.dept",
        InspectionReport(unit_org="dl-bearing", on=date(2027, 2, 20), inspector="安全环保部",
                         hazards=3, findings="消防通道堵塞"),
    )  # fmt: skip
    world.safety.record_accident("wang.li", accident(Severity.MINOR))
    assert [i.hazards for i in world.safety.inspections("dl-bearing")] == [3]
    assert world.contests.facts.unit("dl-bearing", date(2027, 3, 1)).accidents == []
    world.safety.record_accident("sun.lihua", accident(Severity.SERIOUS, date(2025, 5, 5)))
    facts = world.contests.facts.unit("dl-bearing", date(2027, 3, 1))
    assert [(a.on, a.detail, a.event) for a in facts.accidents] == [
        (date(2025, 5, 5), "重伤事故", "SafetyRecord.AccidentRecorded v4")
    ]
