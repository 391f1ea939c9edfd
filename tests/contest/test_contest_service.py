"""A 安康杯 round through the application layer on a real SQLite ledger (no Temporal):
registration, self-assessment against the entry conditions, judges from a pool with
recusal by unit and by the organiser's conflict list, one sheet per judge and entry, a
veto resting on an accident recorded through the safety service, the ranking with the
hash of its inputs, and ``recompute``. Refusals say why and write nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from application.contests import OpenContestRound, Registration
from domain.actors import CHINA_TZ
from domain.contest.definition import Conflict, Severity
from domain.contest.values import EntryStatus, Phase
from domain.errors import InvalidInput, InvalidState, NotAuthorised
from domain.safety import AccidentReport
from tests.contest.support import World, full, shipped

ANKANG = shipped("ankang-cup")
START = datetime(2027, 3, 1, 9, tzinfo=CHINA_TZ)
POOL = [
    "judge.bearing",
    "judge.city1",
    "judge.city2",
    "judge.textile",
    "judge.agri",
    "judge.gjz",
    "judge.seed",
]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path, START)
    yield w
    w.close()


def open_ankang(w: World) -> str:
    c = OpenContestRound(
        round_key="ankang-2027",
        title="2027年大连市“安康杯”竞赛",
        definition="ankang-cup",
        stage="review",
        year=2027,
        registration_closes=date(2027, 4, 30),
    )
    return w.contests.open_round("sun.lihua", c).key


def registered(w: World) -> str:
    key = open_ankang(w)
    for cadre, unit in (
        ("wang.li", "dl-bearing"),
        ("zhao.min", "dl-garment"),
        ("he.jun", "dl-seed"),
    ):
        w.contests.register(cadre, key, Registration(entrant=unit, category="enterprise"))
    w.contests.self_assess("wang.li", f"{key}:dl-bearing", full(ANKANG, 0.92))
    w.contests.self_assess(
        "zhao.min", f"{key}:dl-garment", full(ANKANG, 0.95, teams=4, inspectors=7)
    )
    w.contests.self_assess("he.jun", f"{key}:dl-seed", full(ANKANG, 0.9))
    return key


def judging(w: World) -> str:
    key = registered(w)
    w.contests.close_registration("sun.lihua", key)
    w.contests.start_judging("sun.lihua", key)
    return key


def test_self_assessment_admits_by_the_entry_conditions(world: World):
    key = registered(world)
    bearing = world.contests.entry(f"{key}:dl-bearing")
    garment = world.contests.entry(f"{key}:dl-garment")
    assert bearing.status is EntryStatus.ADMITTED and bearing.self_total == Decimal("92.00")
    assert garment.status is EntryStatus.NOT_ADMITTED and "班组安全建设" in garment.admission[0]
    assert bearing.name == "大连轴承制造有限公司工会"


def test_registration_refusals_write_nothing(world: World):
    key = open_ankang(world)
    before = world.events()
    with pytest.raises(NotAuthorised):  # a cadre of another unit
        world.contests.register(
            "zhao.min", key, Registration(entrant="dl-bearing", category="enterprise")
        )
    with pytest.raises(InvalidInput, match=r"category|类别"):
        world.contests.register(
            "wang.li", key, Registration(entrant="dl-bearing", category="galaxy")
        )
    world.clock.now = datetime(2027, 5, 1, 9, tzinfo=CHINA_TZ)
    with pytest.raises(InvalidState, match="截止"):
        world.contests.register(
            "wang.li", key, Registration(entrant="dl-bearing", category="enterprise")
        )
    assert world.events() == before


def test_a_unit_registers_once_and_is_a_laggard_until_it_self_assesses(world: World):
    key = open_ankang(world)
    world.contests.register(
        "wang.li", key, Registration(entrant="dl-bearing", category="enterprise")
    )
    assert [e.entrant for e in world.contests.laggards(key)] == ["dl-bearing"]
    world.contests.self_assess("wang.li", f"{key}:dl-bearing", full(ANKANG, 0.9))
    assert world.contests.laggards(key) == []
    with pytest.raises(InvalidState, match="已报名"):
        world.contests.register(
            "wang.li", key, Registration(entrant="dl-bearing", category="enterprise")
        )


def test_pool_assignment_recuses_own_unit_and_the_organisers_conflicts(world: World):
    key = judging(world)
    world.contests.declare_conflict(
        "sun.lihua",
        key,
        Conflict(judge="judge.city2", entrant="dl-seed", reason="近亲属任该单位负责人"),
    )
    report = world.contests.assign_pool("sun.lihua", key, POOL)
    assert report.entries == 2 and report.short == []  # garment is not admitted
    bearing = world.contests.entry(f"{key}:dl-bearing")
    seed = world.contests.entry(f"{key}:dl-seed")
    assert "judge.bearing" not in bearing.judges and len(bearing.judges) == 5
    assert {"judge.seed", "judge.city2"}.isdisjoint(seed.judges) and len(seed.judges) == 5
    reasons = {(e.split(":")[-1], j): why for e, j, why in report.recusals}
    assert "同属" in reasons[("dl-bearing", "judge.bearing")]
    assert "近亲属" in reasons[("dl-seed", "judge.city2")]
    # Named explicitly, a judge who must recuse refuses the assignment and writes nothing.
    before = world.events()
    with pytest.raises(NotAuthorised, match="回避"):
        world.contests.assign_judges("sun.lihua", f"{key}:dl-seed", ["judge.seed"])
    with pytest.raises(NotAuthorised):  # only the organiser assigns
        world.contests.assign_judges("wang.li", f"{key}:dl-seed", ["judge.agri"])
    assert world.events() == before


def test_a_judge_scores_once_and_never_an_entrant_of_their_own_unit(world: World):
    key = judging(world)
    world.contests.assign_pool("sun.lihua", key, POOL)
    entry = f"{key}:dl-bearing"
    before = world.events()
    with pytest.raises(NotAuthorised, match="同属"):
        world.contests.score("judge.bearing", entry, full(ANKANG, 0.9))
    with pytest.raises(NotAuthorised, match="不是"):  # not assigned
        world.contests.score("judge.seed", f"{key}:dl-garment", full(ANKANG, 0.9))
    assert world.events() == before
    world.contests.score("judge.city1", entry, full(ANKANG, 0.9), command_id="s1")
    again = world.contests.score("judge.city1", entry, full(ANKANG, 0.9), command_id="s1")
    assert again.status.value == "submitted"  # the same command: its recorded result
    with pytest.raises(InvalidState, match="只能评分一次"):
        world.contests.score("judge.city1", entry, full(ANKANG, 0.5))
    rows = world.contests.assigned("judge.city1", key)
    assert {r.entry for r in rows} == {entry, f"{key}:dl-seed"} and rows[0].name


def test_a_conflict_declared_after_assignment_stops_the_judge(world: World):
    key = judging(world)
    world.contests.assign_pool("sun.lihua", key, POOL)
    entry = f"{key}:dl-seed"
    judge = world.contests.entry(entry).judges[0]
    world.contests.declare_conflict(
        "sun.lihua", key, Conflict(judge=judge, entrant="dl-seed", reason="曾任该单位顾问")
    )
    with pytest.raises(NotAuthorised, match="顾问"):
        world.contests.score(judge, entry, full(ANKANG, 0.9))
    assert entry not in {r.entry for r in world.contests.assigned(judge, key)}


def score_all(w: World, key: str, shares: dict[str, list[float]]) -> None:
    for unit, values in shares.items():
        entry = f"{key}:{unit}"
        for judge, share in zip(w.contests.entry(entry).judges, values, strict=False):
            w.contests.score(judge, entry, full(ANKANG, share, innovation=3, honours=2))


def test_the_ranking_vetoes_from_a_recorded_accident_and_recompute_agrees(world: World):
    key = judging(world)
    world.contests.assign_pool("sun.lihua", key, POOL)
    score_all(world, key, {"dl-bearing": [0.95, 0.93, 0.99, 0.9, 0.94], "dl-seed": [0.97] * 5})
    with pytest.raises(NotAuthorised):  # the accident is not the bearing works' safety dept's
        world.safety.record_accident(
            "safety.dept",
            AccidentReport(
                unit_org="dl-seed",
                on=date(2027, 2, 10),
                severity=Severity.SERIOUS,
                description="叉车伤人",
            ),
        )
    world.safety.record_accident(
        "emergency.dept",
        AccidentReport(
            unit_org="dl-seed",
            on=date(2027, 2, 10),
            severity=Severity.SERIOUS,
            description="叉车伤人",
        ),
    )
    world.clock.later(days=1)
    with pytest.raises(NotAuthorised):
        world.contests.rank("wang.li", key)
    ranked = world.contests.rank("sun.lihua", key)
    assert ranked.phase is Phase.RANKED and ranked.ranking is not None
    first, vetoed = ranked.ranking.rows
    assert first.entrant == "dl-bearing" and first.rank == 1 and len(first.dropped) == 2
    assert first.committee == Decimal("98.00")  # 93, 94, 95 kept (+4 capped bonus): 94 + 4
    assert first.award == "winner_enterprise"
    assert vetoed.rank is None and vetoed.vetoes[0].key == "accident"
    assert (
        vetoed.vetoes[0].rests_on.event == "SafetyRecord.AccidentRecorded v2"
    )  # v1 created the record
    assert vetoed.vetoes[0].rests_on.record == "dl-seed"
    # A later fact does not change what was published; recompute reads the ledger as it was.
    world.clock.later(days=1)
    world.safety.record_accident(
        "wang.li",
        AccidentReport(
            unit_org="dl-bearing", on=date(2027, 3, 1), severity=Severity.FATAL, description="触电"
        ),
    )
    again = world.contests.recompute(key)
    assert again.matches and again.ranking.inputs_hash == ranked.ranking.inputs_hash
    with pytest.raises(InvalidState):  # ranked: no more sheets
        world.contests.score(first_judge(world, key), f"{key}:dl-bearing", full(ANKANG, 0.1))


def first_judge(w: World, key: str) -> str:
    return w.contests.entry(f"{key}:dl-bearing").judges[0]


def test_the_awards_read_the_accident_as_a_disqualifier(world: World):
    world.safety.record_accident(
        "emergency.dept",
        AccidentReport(
            unit_org="dl-seed", on=date(2026, 6, 1), severity=Severity.FATAL, description="坍塌"
        ),
    )
    facts = world.contests.facts.unit("dl-seed", date(2027, 3, 1))
    assert [a.event for a in facts.accidents] == ["SafetyRecord.AccidentRecorded v2"]
    assert facts.accidents[0].detail == "死亡事故"
