"""The public notice (公示) of a ranked round through the application layer: its working
days on the statutory calendar, objections named or anonymous, the organiser's reviewer
dismissing or upholding (the entry out of the places and awards, the ranking recomputed
without it with a new inputs hash that ``recompute`` reproduces), and the notice that
never closes with an objection open. Refusals say why and write nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from application import contest_notice
from application.contest_notice import ContestNotices
from application.contests import OpenContestRound, Registration
from domain.actors import CHINA_TZ
from domain.award.commands import FileObjection, ResolveObjection
from domain.contest.values import Phase, RoundView
from domain.errors import InvalidInput, InvalidState, NotAuthorised
from domain.objections import ObjectionStatus
from tests.contest.support import World, full
from tests.contest.test_contest_service import ANKANG, POOL, START, judging, score_all


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path, START)
    yield w
    w.close()


def notices(w: World) -> ContestNotices:
    return ContestNotices(w.contests, w.app.calendar)


def ranked(w: World) -> str:
    key = judging(w)
    w.contests.assign_pool("sun.lihua", key, POOL)
    score_all(w, key, {"dl-bearing": [0.97] * 5, "dl-seed": [0.96] * 5})
    w.contests.rank("sun.lihua", key)
    return key


NAMED = FileObjection(substance="该单位去年瞒报一起工伤事故", name="李群", contact="13900000000")
ANON = FileObjection(substance="自评材料与实际不符", anonymous=True, name="x", contact="y")


def rows(r: RoundView) -> dict[str, tuple[int | None, str, str]]:
    assert r.ranking is not None
    return {x.entrant: (x.rank, x.award, x.removed) for x in r.ranking.rows}


def test_the_notice_runs_the_definitions_working_days(world: World):
    key = ranked(world)
    n = notices(world)
    before = world.events()
    with pytest.raises(NotAuthorised):  # only the organiser posts it
        n.post("wang.li", key)
    with pytest.raises(InvalidInput, match="过去"):
        n.post("sun.lihua", key, starts=date(2027, 2, 1))
    assert world.events() == before
    r = n.post("sun.lihua", key)  # Monday 1 March 2027: five working days
    assert r.phase is Phase.NOTICE and r.notice is not None
    assert (r.notice.starts, r.notice.ends) == (date(2027, 3, 1), date(2027, 3, 5))
    with pytest.raises(InvalidState, match="阶段"):  # posted once
        n.post("sun.lihua", key)


def test_objections_are_named_or_anonymous_and_name_an_entry(world: World):
    key = ranked(world)
    n = notices(world)
    with pytest.raises(InvalidState, match="公示期"):  # no notice yet
        n.file_objection("liu.qiang", key, f"{key}:dl-seed", NAMED)
    n.post("sun.lihua", key)
    with pytest.raises(ValidationError, match="联系方式"):
        FileObjection(substance="无名", name="李群")
    before = world.events()
    with pytest.raises(InvalidInput, match="排名"):
        n.file_objection("liu.qiang", key, f"{key}:dl-nowhere", NAMED)
    assert world.events() == before
    n.file_objection("liu.qiang", key, f"{key}:dl-seed", NAMED, command_id="o1")
    r = n.file_objection("liu.qiang", key, f"{key}:dl-seed", NAMED, command_id="o1")
    assert len(r.objections) == 1  # a double submit files one
    r = n.file_objection("zhao.min", key, f"{key}:dl-bearing", ANON)
    named, anon = r.objections
    assert (named.name, named.contact, named.anonymous) == ("李群", "13900000000", False)
    assert (anon.name, anon.contact, anon.anonymous) == ("", "", True)
    assert anon.status is ObjectionStatus.OPEN and anon.filed_on == date(2027, 3, 1)
    world.clock.now = datetime(2027, 3, 6, 9, tzinfo=CHINA_TZ)
    with pytest.raises(InvalidState, match="公示期"):  # after its last day
        n.file_objection("liu.qiang", key, f"{key}:dl-seed", NAMED)


def test_upheld_removes_the_entry_and_recomputes_the_ranking_dismissed_keeps_it(world: World):
    key = ranked(world)
    n = notices(world)
    first = world.contests.round(key).ranking
    assert first is not None
    assert rows(world.contests.round(key)) == {
        "dl-bearing": (1, "winner_enterprise", ""),
        "dl-seed": (2, "winner_enterprise", ""),
    }
    n.post("sun.lihua", key)
    n.file_objection("liu.qiang", key, f"{key}:dl-bearing", NAMED)
    n.file_objection("zhao.min", key, f"{key}:dl-seed", ANON)
    before = world.events()
    with pytest.raises(NotAuthorised):  # the organiser's reviewer resolves
        n.resolve("wang.li", key, ResolveObjection(no=1, upheld=True, findings="属实"))
    with pytest.raises(InvalidState, match="第 9 号"):
        n.resolve("sun.lihua", key, ResolveObjection(no=9, upheld=True, findings="属实"))
    assert world.events() == before
    r = n.resolve("sun.lihua", key, ResolveObjection(no=2, upheld=False, findings="经核查不属实"))
    assert r.objections[1].status is ObjectionStatus.DISMISSED and r.removed == {}
    assert r.ranking == first
    r = n.resolve(
        "sun.lihua", key, ResolveObjection(no=1, upheld=True, findings="经核查瞒报工伤属实")
    )
    assert r.objections[0].status is ObjectionStatus.UPHELD
    assert r.objections[0].investigator == "sun.lihua"
    assert r.removed == {f"{key}:dl-bearing": "经核查瞒报工伤属实"}
    assert rows(r) == {
        "dl-seed": (1, "winner_enterprise", ""),
        "dl-bearing": (None, "", "经核查瞒报工伤属实"),
    }
    assert r.ranking is not None and r.ranking.inputs_hash != first.inputs_hash
    again = world.contests.recompute(key)
    assert again.matches and again.published_hash == r.ranking.inputs_hash
    with pytest.raises(InvalidState, match="不是待处理"):  # resolved once
        n.resolve("sun.lihua", key, ResolveObjection(no=1, upheld=False, findings="再议"))
    with pytest.raises(InvalidState, match="已因异议成立"):
        n.file_objection("liu.qiang", key, f"{key}:dl-bearing", NAMED)


def test_the_notice_closes_after_its_last_day_and_never_with_an_objection_open(world: World):
    key = ranked(world)
    n = notices(world)
    n.post("sun.lihua", key)
    n.file_objection("liu.qiang", key, f"{key}:dl-seed", NAMED)
    before = world.events()
    with pytest.raises(InvalidState, match="尚未期满"):
        n.close("sun.lihua", key)
    world.clock.now = datetime(2027, 3, 8, 9, tzinfo=CHINA_TZ)
    with pytest.raises(InvalidState, match=r"第 1 号.*不能结束"):
        n.close("sun.lihua", key)
    with pytest.raises(NotAuthorised):
        n.close("wang.li", key)
    assert world.events() == before
    n.resolve("sun.lihua", key, ResolveObjection(no=1, upheld=False, findings="不属实"))
    r = n.close("sun.lihua", key)
    assert r.phase is Phase.CLOSED and r.notice is not None and r.notice.closed
    assert rows(r)["dl-seed"][1] == "winner_enterprise"  # the awards stand
    with pytest.raises(InvalidState):
        n.file_objection("liu.qiang", key, f"{key}:dl-seed", NAMED)


def test_closing_grants_titles_and_a_title_held_at_its_level_is_not_granted_again(world: World):
    key = ranked(world)
    n = notices(world)
    n.post("sun.lihua", key)
    world.clock.now = datetime(2027, 3, 8, 9, tzinfo=CHINA_TZ)
    r = n.close("sun.lihua", key)
    assert rows(r)["dl-bearing"][1] == "winner_enterprise"
    for unit in ("dl-bearing", "dl-seed"):  # both won 优胜企业
        held = world.app.awards.facts.honours(unit)
        assert [(h.title, h.level.value, h.round_key) for h in held] == [
            ("ankang-cup-winner", "city", key)
        ]
    assert world.contests.recompute(key).matches  # its own grants are not read back
    # The next year's round: the bearing works holds the title at city level already.
    world.clock.now = datetime(2028, 3, 1, 9, tzinfo=CHINA_TZ)
    c = OpenContestRound(
        round_key="ankang-2028",
        title="2028年大连市“安康杯”竞赛",
        definition="ankang-cup",
        stage="review",
        year=2028,
        registration_closes=date(2028, 4, 30),
    )
    nxt = world.contests.open_round("sun.lihua", c).key
    for cadre, unit in (("wang.li", "dl-bearing"), ("he.jun", "dl-seed")):
        world.contests.register(cadre, nxt, Registration(entrant=unit, category="enterprise"))
        world.contests.self_assess(cadre, f"{nxt}:{unit}", full(ANKANG, 0.92))
    world.contests.close_registration("sun.lihua", nxt)
    world.contests.start_judging("sun.lihua", nxt)
    world.contests.assign_pool("sun.lihua", nxt, POOL)
    score_all(world, nxt, {"dl-bearing": [0.97] * 5, "dl-seed": [0.96] * 5})
    again = world.contests.rank("sun.lihua", nxt)
    assert again.ranking is not None
    bearing = next(x for x in again.ranking.rows if x.entrant == "dl-bearing")
    assert (bearing.rank, bearing.award, bearing.held) == (
        1,
        "commended",
        ["winner_enterprise", "winner_institution"],  # both grant the city title
    )
    seed = next(x for x in again.ranking.rows if x.entrant == "dl-seed")  # a 2027 winner too
    assert (seed.rank, seed.award) == (2, "commended") and seed.held == bearing.held


def test_a_crash_between_title_grants_resumes_without_granting_twice(
    world: World, monkeypatch: pytest.MonkeyPatch
):
    key = ranked(world)
    n = notices(world)
    n.post("sun.lihua", key)
    world.clock.now = datetime(2027, 3, 8, 9, tzinfo=CHINA_TZ)
    real = contest_notice.record_honour
    granted: list[str] = []

    def dies_after_one(ledger: Any, holder: str, grant: Any, meta: Any) -> None:
        if granted:
            raise RuntimeError("the worker died")
        real(ledger, holder, grant, meta)
        granted.append(holder)

    monkeypatch.setattr(contest_notice, "record_honour", dies_after_one)
    with pytest.raises(RuntimeError, match="died"):
        n.close("sun.lihua", key, command_id="close-1")
    assert world.contests.round(key).phase is Phase.CLOSED  # closed, one title of two in
    assert [u for u in ("dl-bearing", "dl-seed") if world.app.awards.facts.honours(u)] == granted
    monkeypatch.setattr(contest_notice, "record_honour", real)
    # The workflow's step after the close grants the rest, and only the rest.
    done = n.resume_titles(key, world.clock())
    assert (done.granted, done.already, done.held) == (1, 1, 0)
    # The organiser's retry of the close (same command id) and another resume: nothing more.
    before = world.events()
    assert n.close("sun.lihua", key, command_id="close-1").phase is Phase.CLOSED
    assert n.resume_titles(key, world.clock()).model_dump() == {
        "granted": 0,
        "already": 2,
        "held": 0,
    }
    assert world.events() == before
    for unit in ("dl-bearing", "dl-seed"):
        held = world.app.awards.facts.honours(unit)
        assert [(h.title, h.round_key) for h in held] == [("ankang-cup-winner", key)]


def test_titles_are_granted_only_once_the_notice_has_closed(world: World):
    key = ranked(world)
    n = notices(world)
    n.post("sun.lihua", key)
    before = world.events()
    with pytest.raises(InvalidState, match="尚未结束"):
        n.resume_titles(key, world.clock())
    assert world.events() == before
