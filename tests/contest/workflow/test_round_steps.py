"""The round steps the workflow takes, on a real SQLite ledger without a server: the
round's dates in order, the engine (and the organiser, not a unit) closing registration,
reminders only to units that have not self-assessed and at most once a day, and only the
engine sending one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from application.contest_notice import ContestNotices
from application.contest_rounds import ContestRoundSteps
from application.contests import OpenContestRound, Registration
from domain.actors import CHINA_TZ, CommandMeta, Role, system_acting
from domain.contest.aggregate import check_round_step
from domain.contest.values import Phase, entry_ledger_id
from domain.errors import InvalidInput, InvalidState, NotAuthorised
from processes import CONTEST
from services.contests import ContestFacade
from tests.contest.support import World, full, shipped

ANKANG = shipped("ankang-cup")
START = datetime(2027, 3, 1, 9, tzinfo=CHINA_TZ)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path, START)
    yield w
    w.close()


def opening(**dates: date | None) -> OpenContestRound:
    return OpenContestRound(round_key="ankang-steps", title="安康杯", definition="ankang-cup",
                            stage="review", year=2027, **{"registration_closes": date(2027, 3, 10),
                                                          **dates})  # fmt: skip


def engine(step: str, w: World) -> CommandMeta:
    return CommandMeta(command_id=step, acting=system_acting("dl-city"), occurred_at=w.clock())


def test_the_round_dates_go_in_order(world: World):
    before = world.events()
    with pytest.raises(InvalidInput, match="registration close, self-assessment close"):
        world.contests.open_round("sun.lihua", opening(self_assessment_closes=date(2027, 3, 5)))
    with pytest.raises(InvalidInput, match="ranking day"):
        world.contests.open_round(
            "sun.lihua",
            opening(self_assessment_closes=date(2027, 4, 1), ranks_on=date(2027, 3, 20)),
        )
    skills = opening(self_assessment_closes=date(2027, 4, 1)).model_copy(
        update={"definition": "skills-contest", "stage": "preliminary"}
    )
    with pytest.raises(InvalidInput, match="no self-assessment"):
        world.contests.open_round("sun.lihua", skills)
    assert world.events() == before
    r = world.contests.open_round(
        "sun.lihua", opening(self_assessment_closes=date(2027, 4, 1), ranks_on=date(2027, 5, 1))
    )
    assert (r.self_assessment_closes, r.ranks_on) == (date(2027, 4, 1), date(2027, 5, 1))
    assert r.definition.entry.remind_every_days == 7  # the default: weekly


def test_the_engine_or_the_organiser_takes_a_round_step_a_unit_does_not(world: World):
    key = world.contests.open_round("sun.lihua", opening()).key
    r = world.contests.round(key)
    unit = world.app.directory.acting("wang.li", Role.CADRE)
    with pytest.raises(NotAuthorised):
        check_round_step("close_registration", unit, r.organiser_org, r.phase, r.title)
    with pytest.raises(InvalidState, match="cannot start judging"):
        check_round_step("start_judging", system_acting(), r.organiser_org, r.phase, r.title)
    steps = ContestRoundSteps(world.contests, ContestNotices(world.contests, world.app.calendar))
    closed = steps.step(key, "close_registration", engine("close", world))
    assert closed.phase is Phase.SELF_ASSESSMENT
    assert steps.step(key, "close_registration", engine("close", world)).version == closed.version


def test_reminders_reach_laggards_only_once_a_day(world: World):
    key = world.contests.open_round("sun.lihua", opening()).key
    for cadre, unit in (("wang.li", "dl-bearing"), ("he.jun", "dl-seed")):
        world.contests.register(cadre, key, Registration(entrant=unit, category="enterprise"))
    world.contests.self_assess("wang.li", f"{key}:dl-bearing", full(ANKANG, 0.9))
    steps = ContestRoundSteps(world.contests, ContestNotices(world.contests, world.app.calendar))
    assert steps.remind(key, "r1", world.clock()).reminded == 0  # registration: nobody yet
    steps.step(key, "close_registration", engine("close", world))
    page = steps.remind(key, "r1", world.clock())
    assert (page.reminded, page.more) == (1, False)
    assert steps.remind(key, "r1", world.clock()).reminded == 0  # a retried page
    assert steps.remind(key, "r1-again", world.clock()).reminded == 0  # once a day
    seed = world.contests.entry(f"{key}:dl-seed")
    assert (
        seed.reminded == [START.date()] and world.contests.entry(f"{key}:dl-bearing").reminded == []
    )
    world.clock.later(days=7)
    assert steps.remind(key, "r2", world.clock()).reminded == 1
    assert world.contests.entry(f"{key}:dl-seed").reminded == [
        START.date(),
        START.date() + timedelta(days=7),
    ]
    # Only the engine reminds: a person's command is refused and writes nothing.
    before = world.events()
    entry = world.app.ledger.find(entry_ledger_id(seed.key))
    acting = world.app.directory.acting("sun.lihua", Role.CADRE)
    cadre = CommandMeta(command_id="by-hand", acting=acting, occurred_at=world.clock())
    with pytest.raises(NotAuthorised):
        entry.remind(world.contests.round(key), cadre)
    assert world.events() == before


def test_the_inbox_asks_the_organiser_for_a_paper_sheets_second_entry(world: World):
    skills = opening().model_copy(update={"definition": "skills-contest", "stage": "preliminary"})
    key = world.contests.open_round("sun.lihua", skills).key
    reg = Registration(entrant="P001", name="李工", unit_org="dl-bearing")
    entry = world.contests.register("sun.lihua", key, reg).key
    world.contests.close_registration("sun.lihua", key)
    pool = ["judge.city1", "judge.city2", "judge.textile", "judge.agri", "judge.gjz"]
    world.contests.assign_pool("sun.lihua", key, pool)
    contests = ContestFacade(None, world.contests, world.app.directory, world.app.settings)

    def todo(actor: str) -> list[tuple[str, str]]:
        return [(i.key, i.todo[1]) for i in CONTEST.inbox(world.app, contests, actor)]

    code = world.contests.entry(entry).code
    assert todo("judge.city1") == [(f"{key}:{code}", "score the entry")]  # blind: the code
    sheet = {"exam": Decimal(80), "procedure": Decimal(25), "quality": Decimal(40),
             "safety": Decimal(15)}  # fmt: skip
    world.contests.enter_paper("sun.lihua", entry, "judge.city1", sheet)
    assert todo("sun.lihua") == [(entry, "enter a paper sheet again"), (key, "rank the round")]
    assert todo("judge.city1") == []
    world.contests.confirm_paper("qian.clerk", entry, "judge.city1", sheet)
    assert todo("sun.lihua") == [(key, "rank the round")]
