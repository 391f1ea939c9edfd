"""Score sheets the definition asks for: commit-then-reveal in the "六好" assessment (a
reveal waits for every judge's commitment and must match it) and two-person entry of paper
sheets in the skills contest (a second, different clerk must enter the same marks), then a
preliminary whose top entrants alone may register for the final."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest

from application.contests import OpenContestRound, Registration
from domain.actors import CHINA_TZ
from domain.contest.scoring import sheet_commitment
from domain.contest.values import SheetStatus
from domain.errors import InvalidInput, InvalidState, NotAuthorised
from tests.contest.support import World, full, marks, shipped

START = datetime(2027, 3, 1, 9, tzinfo=CHINA_TZ)
SIX = shipped("six-good-union")
THREE = ["judge.city1", "judge.textile", "judge.agri"]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path, START)
    yield w
    w.close()


def open_round(w: World, definition: str, key: str, stage: str, previous: str | None = None) -> str:
    c = OpenContestRound(
        round_key=key,
        title=key,
        definition=definition,
        stage=stage,
        year=2027,
        registration_closes=date(2027, 4, 30),
        previous_round=previous,
    )
    return w.contests.open_round("sun.lihua", c).key


def test_a_reveal_waits_for_every_commitment_and_must_match_it(world: World):
    key = open_round(world, "six-good-union", "six-2027", "assessment")
    world.contests.register("wang.li", key, Registration(entrant="dl-bearing"))
    entry = f"{key}:dl-bearing"
    world.contests.self_assess("wang.li", entry, full(SIX, 0.9))
    world.contests.close_registration("sun.lihua", key)
    world.contests.start_judging("sun.lihua", key)
    world.contests.assign_judges("sun.lihua", entry, THREE)
    sheets = {j: full(SIX, share) for j, share in zip(THREE, (0.9, 0.85, 0.95), strict=True)}
    nonces = {j: secrets.token_hex(8) for j in THREE}
    with pytest.raises(InvalidState, match="commits a hash first"):
        world.contests.score("judge.city1", entry, sheets["judge.city1"])
    for j in THREE[:2]:
        world.contests.commit(j, entry, sheet_commitment(sheets[j], nonces[j]))
    before = world.events()
    with pytest.raises(InvalidState, match="every judge"):
        world.contests.reveal("judge.city1", entry, sheets["judge.city1"], nonces["judge.city1"])
    world.contests.commit(
        "judge.agri", entry, sheet_commitment(sheets["judge.agri"], nonces["judge.agri"])
    )
    before = world.events()
    changed = {**sheets["judge.city1"], "election": sheets["judge.city1"]["election"] - 1}
    with pytest.raises(InvalidInput, match="do not match"):
        world.contests.reveal("judge.city1", entry, changed, nonces["judge.city1"])
    with pytest.raises(InvalidInput, match="do not match"):  # another judge's marks
        world.contests.reveal("judge.textile", entry, sheets["judge.city1"], nonces["judge.city1"])
    assert world.events() == before
    for j in THREE:
        shown = world.contests.reveal(j, entry, sheets[j], nonces[j])
        assert shown.status is SheetStatus.SUBMITTED and shown.marks == sheets[j]
    world.clock.later(days=1)
    ranking = world.contests.rank("sun.lihua", key).ranking
    assert ranking is not None
    # No wage contract in the ledger: the veto names the unit's record of its absence.
    row = ranking.rows[0]
    assert row.rank is None and row.vetoes[0].key == "wage_contract"
    assert row.vetoes[0].rests_on.record == "dl-bearing" and row.sheets == 3


def skills_ready(w: World, key: str, people: list[tuple[str, str, str, str]]) -> None:
    for cadre, person, name, unit in people:
        w.contests.register(cadre, key, Registration(entrant=person, name=name, unit_org=unit))
    w.contests.close_registration("sun.lihua", key)  # no self-assessment: judging at once


FIVE = ["judge.city1", "judge.city2", "judge.textile", "judge.agri", "judge.gjz"]


def test_a_paper_sheet_counts_once_a_second_clerk_entered_the_same_marks(world: World):
    key = open_round(world, "skills-contest", "skills-2027-pre", "preliminary")
    skills_ready(world, key, [("wang.li", "P001", "张伟", "dl-bearing")])
    entry = f"{key}:P001"
    world.contests.assign_judges("sun.lihua", entry, FIVE)
    sheet = marks(exam=88, procedure=27, quality=44, safety=19)
    first = world.contests.enter_paper("sun.lihua", entry, "judge.city1", sheet)
    assert first.status is SheetStatus.AWAITING_SECOND_ENTRY and first.entered_by == "sun.lihua"
    before = world.events()
    with pytest.raises(NotAuthorised, match="另一人"):
        world.contests.confirm_paper("sun.lihua", entry, "judge.city1", sheet)
    with pytest.raises(InvalidInput, match="quality"):
        world.contests.confirm_paper(
            "qian.clerk", entry, "judge.city1", {**sheet, "quality": marks(q=41)["q"]}
        )
    assert world.events() == before
    done = world.contests.confirm_paper("qian.clerk", entry, "judge.city1", sheet)
    assert done.status is SheetStatus.SUBMITTED and done.confirmed_by == "qian.clerk"
    # A blind judge knows the entry by its code only, and scores it by that.
    rows = world.contests.assigned("judge.city2", key)
    code = world.contests.entry(entry).code
    assert rows[0].name == "" and rows[0].entry == f"{key}:{code}" and "P001" not in rows[0].entry
    world.contests.enter_paper("sun.lihua", rows[0].entry, "judge.city2", sheet)
    second = world.contests.confirm_paper("qian.clerk", rows[0].entry, "judge.city2", sheet)
    assert second.entry == entry and second.status is SheetStatus.SUBMITTED


def test_only_the_entrants_a_preliminary_sends_on_register_for_the_final(world: World):
    d = shipped("skills-contest")
    assert d.stage("preliminary") is not None and d.stage("preliminary").advance == 10
    key = open_round(world, "skills-contest", "skills-2027-pre", "preliminary")
    people = [("wang.li", f"P{i:03d}", f"选手{i}", "dl-bearing") for i in range(1, 12)]
    skills_ready(world, key, people)
    for i, (_, person, _, _) in enumerate(people):
        entry = f"{key}:{person}"
        world.contests.assign_judges("sun.lihua", entry, FIVE)
        for j in FIVE:
            s = marks(exam=90 - i, procedure=25, quality=40, safety=15)
            world.contests.enter_paper("sun.lihua", entry, j, s)
            world.contests.confirm_paper("qian.clerk", entry, j, s)
    with pytest.raises(InvalidInput, match="follows"):
        open_round(world, "skills-contest", "skills-2027-final", "final", previous=key)
    world.clock.later(days=1)
    ranked = world.contests.rank("sun.lihua", key).ranking
    assert ranked is not None and sum(r.advances for r in ranked.rows) == 10
    final = open_round(world, "skills-contest", "skills-2027-final", "final", previous=key)
    world.contests.register(
        "wang.li", final, Registration(entrant="P001", name="选手1", unit_org="dl-bearing")
    )
    with pytest.raises(InvalidState, match=r"晋级|advance"):
        world.contests.register(
            "wang.li", final, Registration(entrant="P011", name="选手11", unit_org="dl-bearing")
        )
