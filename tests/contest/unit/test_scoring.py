"""The contest's arithmetic on the shipped definitions: a sheet's total with the bonus cap
and section minimums, weights, entry conditions, drop high/low (and too few judges, as the
definition decides), per-judge normalisation, tie-breaks, awards and ties at a quota's
boundary, vetoes resting on ledger facts, and commit-then-reveal hashes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import yaml

from domain.contest.definition import Severity
from domain.contest.scoring import (
    AccidentFact,
    EntrantFacts,
    EntryInput,
    SheetInput,
    admission,
    check_marks,
    combine,
    normalise,
    rank,
    sheet_commitment,
    sheet_total,
    veto_hits,
)
from domain.contest.values import FactRef
from domain.errors import InvalidInput, InvalidState
from tests.conftest import ROOT
from tests.contest.support import full, marks, shipped, variant

ANKANG = shipped("ankang-cup")
SKILLS = shipped("skills-contest")
SIX = shipped("six-good-union")
JUDGES = ["j1", "j2", "j3", "j4", "j5"]


def entry(name: str, category: str = "enterprise", self_marks=None) -> EntryInput:
    return EntryInput(
        entry=f"r:{name}",
        entrant=name,
        name=name,
        unit_org=name,
        category=category,
        self_marks=self_marks,
    )


def sheets(e: EntryInput, definition, shares: list[float], **override) -> list[SheetInput]:
    return [
        SheetInput(entry=e.entry, judge=j, marks=full(definition, s, **override))
        for j, s in zip(JUDGES, shares, strict=False)
    ]


def test_a_section_just_under_its_minimum_is_named_and_at_its_minimum_is_not():
    under = full(ANKANG, responsibility=10, hazards=13.5, drills="0.49")  # 23.99 of 35
    assert sheet_total(ANKANG.table, under).below_minimum == ["management"]
    at = full(ANKANG, responsibility=10, hazards=13.5, drills="0.5")  # 24, the minimum
    assert sheet_total(ANKANG.table, at).below_minimum == []


def test_an_entry_under_a_section_minimum_is_ranked_but_wins_nothing():
    cheap = variant(ANKANG, awards=[{"key": "win", "zh": "优胜", "en": "win", "quota": 1}])
    a, b = entry("a"), entry("b")
    low_section = sheets(a, cheap, [1] * 5, responsibility=10, hazards=13.5, drills="0.49")
    ranking = rank(cheap, "review", [a, b], low_section + sheets(b, cheap, [0.7] * 5), {})
    first, second = ranking.rows
    assert first.entry == a.entry and first.rank == 1 and first.below_minimum == ["management"]
    assert first.award == "" and second.award == "win"


def test_the_bonus_counts_up_to_its_cap():
    sheet = full(ANKANG, 0.9, innovation=3, honours=3)
    score = sheet_total(ANKANG.table, sheet)
    assert score.bonus_raw == 6 and score.bonus == 4
    assert score.total == Decimal("90.00") + 4
    assert sheet_total(ANKANG.table, full(ANKANG, 0.9, innovation=1)).total == Decimal("91.00")


def test_marks_outside_an_items_points_or_missing_are_refused():
    with pytest.raises(InvalidInput, match="committee"):
        check_marks(ANKANG.table, full(ANKANG, committee=7))  # of 6
    incomplete = full(ANKANG)
    del incomplete["plan"]
    with pytest.raises(InvalidInput, match="plan"):
        check_marks(ANKANG.table, incomplete)
    with pytest.raises(InvalidInput, match="unknown"):
        check_marks(ANKANG.table, full(ANKANG, bribe=1))


def test_theory_counts_30_and_practice_70_percent():
    sheet = marks(exam=80, procedure=27, quality=45, safety=18)  # practice 90 of 100
    assert sheet_total(SKILLS.table, sheet).total == Decimal("87.0")


def test_entry_conditions_need_80_and_every_section_at_80_percent():
    good = sheet_total(ANKANG.table, full(ANKANG, 0.85))
    assert admission(ANKANG, good) == []
    weak = sheet_total(ANKANG.table, full(ANKANG, 0.95, teams=4, inspectors=7))  # 11 of 15
    reasons = admission(ANKANG, weak)
    assert len(reasons) == 1 and "班组安全建设" in reasons[0] and "grassroots" in reasons[0]
    low = sheet_total(ANKANG.table, full(ANKANG, 0.7))
    assert any("低于 80" in r for r in admission(ANKANG, low))


def test_the_highest_and_lowest_sheet_are_dropped():
    c = combine(dict(zip(JUDGES, map(Decimal, [90, 80, 85, 99, 70]), strict=True)), ANKANG.judging)
    assert c.dropped == ["j4", "j5"] and c.mean == Decimal(85) and c.note == ""


def test_too_few_sheets_keep_all_when_the_definition_says_keep_all():
    assert ANKANG.judging.short == "keep_all"
    a = entry("a")
    ranking = rank(ANKANG, "review", [a], sheets(a, ANKANG, [0.9, 0.8]), {})
    row = ranking.rows[0]
    assert row.dropped == [] and row.sheets == 2 and "only 2 sheets" in row.note
    assert row.committee == Decimal("85.00")


def test_too_few_sheets_refuse_the_ranking_when_the_definition_says_refuse():
    assert SKILLS.judging.short == "refuse"
    a, b = entry("a", ""), entry("b", "")
    four = sheets(a, SKILLS, [0.9] * 4) + sheets(b, SKILLS, [0.9] * 5)
    with pytest.raises(InvalidState, match="r:a"):
        rank(SKILLS, "final", [a, b], four, {})


def test_normalisation_evens_out_a_lenient_and_a_severe_judge():
    lenient = {"a": Decimal(95), "b": Decimal(90), "c": Decimal(85)}
    severe = {"d": Decimal(75), "e": Decimal(70), "f": Decimal(65)}
    out = normalise({"j1": lenient, "j2": severe})
    assert out["j1"]["a"] == out["j2"]["d"] and out["j1"]["c"] == out["j2"]["f"]
    every = [v for t in out.values() for v in t.values()]
    assert sum(every) / 6 == Decimal(80)
    # A judge who gave everyone the same is only shifted to the common mean.
    flat = normalise({"j1": lenient, "j3": {"g": Decimal(60), "h": Decimal(60)}})
    assert flat["j3"]["g"] == flat["j3"]["h"] == Decimal(78)  # (95+90+85+60+60) / 5


def test_normalised_ranking_rewards_the_best_of_a_severe_judge():
    d = variant(SIX, judging={"judges_per_entry": 1, "tie_breaks": []})
    units = [entry(n, "") for n in "abcd"]
    s = [
        SheetInput(entry="r:a", judge="j1", marks=full(d, 0.95)),
        SheetInput(entry="r:b", judge="j1", marks=full(d, 0.93)),
        SheetInput(entry="r:c", judge="j2", marks=full(d, 0.80)),
        SheetInput(entry="r:d", judge="j2", marks=full(d, 0.70)),
    ]
    rows = {r.entrant: r for r in rank(d, "assessment", units, s, {}).rows}
    assert rows["c"].score == rows["a"].score and rows["c"].rank == rows["a"].rank == 1
    plain = variant(d, judging={"normalise": False})
    raw = {r.entrant: r.rank for r in rank(plain, "assessment", units, s, {}).rows}
    assert raw == {"a": 1, "b": 2, "c": 3, "d": 4}


def test_ties_break_by_practice_then_theory_and_equal_entries_share_a_place():
    d = SKILLS
    people = [entry(n, "") for n in "abc"]
    # a: theory 90, practice 80 -> 83; b: theory 76, practice 86 -> 83; c as b.
    a = marks(exam=90, procedure=24, quality=40, safety=16)
    b = marks(exam=76, procedure=26, quality=43, safety=17)
    s = [
        SheetInput(entry=p.entry, judge=j, marks=a if p.entrant == "a" else b)
        for p in people
        for j in JUDGES
    ]
    rows = rank(d, "final", people, s, {}).rows
    assert [r.score for r in rows] == [Decimal("83.00")] * 3
    assert [(r.entrant, r.rank) for r in rows] == [("b", 1), ("c", 1), ("a", 3)]
    # First prize has one place and excludes a tie at its boundary; second prize takes both.
    assert [r.award for r in rows] == ["second", "second", "third"]


@pytest.mark.parametrize(("ties", "winners"), [("include_all", 4), ("exclude_all", 1)])
def test_entries_tied_at_the_last_place_of_a_quota(ties: str, winners: int):
    award = {"key": "win", "zh": "优胜", "en": "win", "quota": 2, "threshold": 90, "ties": ties}
    d = variant(ANKANG, awards=[award], judging={"tie_breaks": []})
    units = [entry(n) for n in "abcd"]
    shares = {"a": 1.0, "b": 0.95, "c": 0.95, "d": 0.95}
    s = [x for u in units for x in sheets(u, d, [shares[u.entrant]] * 5)]
    rows = rank(d, "review", units, s, {}).rows
    assert [r.rank for r in rows] == [1, 2, 2, 2]
    assert sum(1 for r in rows if r.award == "win") == winners


def test_a_veto_rests_on_the_accident_recorded_in_the_contest_year():
    ref = FactRef(record="dl-bearing", event="SafetyRecord.AccidentRecorded v2", detail="高处坠落")
    facts = EntrantFacts(
        unit_org="dl-bearing",
        accidents=[
            AccidentFact(ref=ref, severity=Severity.SERIOUS, on=date(2027, 5, 3)),
            AccidentFact(ref=ref, severity=Severity.FATAL, on=date(2026, 12, 30)),
        ],
    )
    hits = veto_hits(ANKANG, facts, 2027, date(2027, 11, 1))
    assert [h.key for h in hits] == ["accident"]
    assert hits[0].rests_on.event == "SafetyRecord.AccidentRecorded v2"
    assert "重伤事故" in hits[0].rests_on.detail
    assert veto_hits(ANKANG, facts, 2028, date(2028, 11, 1)) == []
    minor = EntrantFacts(
        unit_org="x",
        accidents=[AccidentFact(ref=ref, severity=Severity.MINOR, on=date(2027, 5, 3))],
    )
    assert veto_hits(ANKANG, minor, 2027, date(2027, 11, 1)) == []


def test_a_vetoed_entry_has_no_rank_and_the_next_one_moves_up():
    a, b = entry("a"), entry("b")
    ref = FactRef(record="a", event="SafetyRecord.AccidentRecorded v1")
    facts = EntrantFacts(
        unit_org="a",
        accidents=[AccidentFact(ref=ref, severity=Severity.FATAL, on=date(2027, 3, 1))],
    )
    vetoes = {a.entry: veto_hits(ANKANG, facts, 2027, date(2027, 11, 1))}
    rows = rank(
        ANKANG, "review", [a, b], sheets(a, ANKANG, [1] * 5) + sheets(b, ANKANG, [0.96] * 5), vetoes
    ).rows
    assert (rows[0].entrant, rows[0].rank, rows[0].award) == ("b", 1, "winner_enterprise")
    assert (
        rows[1].entrant == "a"
        and rows[1].rank is None
        and rows[1].vetoes[0].rests_on.event == ref.event
    )


def test_no_wage_contract_vetoes_naming_the_last_case_or_the_unit():
    none = veto_hits(SIX, EntrantFacts(unit_org="dl-seed"), 2027, date(2027, 11, 1))
    assert [h.key for h in none] == ["wage_contract"] and none[0].rests_on.record == "dl-seed"
    last = FactRef(record="case-7", event="WageContract.Created", detail="当前阶段：drafting")
    found = veto_hits(
        SIX, EntrantFacts(unit_org="u", last_wage_contract=last), 2027, date(2027, 11, 1)
    )
    assert found[0].rests_on == last
    in_force = FactRef(record="case-8", event="WageContract.TookEffect")
    assert (
        veto_hits(
            SIX,
            EntrantFacts(unit_org="u", wage_contract_in_force=in_force),
            2027,
            date(2027, 11, 1),
        )
        == []
    )


def test_a_commitment_binds_the_marks_not_their_spelling():
    m = marks(exam=80, procedure=27, quality=45, safety=18)
    spelled = {k: Decimal(f"{v}.00") for k, v in m.items()}
    assert sheet_commitment(m, "n1") == sheet_commitment(spelled, "n1")
    assert sheet_commitment(m, "n1") != sheet_commitment(m, "n2")
    assert sheet_commitment(m, "n1") != sheet_commitment({**m, "exam": Decimal(81)}, "n1")


def test_the_inputs_hash_does_not_depend_on_the_order_the_ledger_returns_them():
    units = [entry(n) for n in "abc"]
    s = [x for u in units for x in sheets(u, ANKANG, [0.9, 0.92, 0.94, 0.96, 0.98])]
    one = rank(ANKANG, "review", units, s, {})
    other = rank(ANKANG, "review", units[::-1], s[::-1], {})
    assert one == other and len(one.inputs_hash) == 64
    changed = [*s[:-1], s[-1].model_copy(update={"marks": full(ANKANG, 0.5)})]
    assert rank(ANKANG, "review", units, changed, {}).inputs_hash != one.inputs_hash


def test_the_example_sheet_of_the_readme_is_a_valid_ankang_sheet():
    raw = yaml.safe_load((ROOT / "examples" / "ankang-sheet.yaml").read_text(encoding="utf-8"))
    sheet = {k: Decimal(str(v)) for k, v in raw.items()}
    check_marks(ANKANG.table, sheet)
    assert sheet_total(ANKANG.table, sheet).bonus == 2


def test_a_self_assessment_weight_blends_the_units_own_score_in():
    d = variant(ANKANG, judging={"self_weight": "0.2"})
    a = entry("a", self_marks=full(ANKANG, 1.0))
    row = rank(d, "review", [a], sheets(a, d, [0.9] * 5), {}).rows[0]
    assert row.committee == Decimal("90.00") and row.self_total == Decimal("100.00")
    assert row.score == Decimal("92.00")  # 0.8 × 90 + 0.2 × 100


def test_an_entry_removed_by_an_upheld_objection_leaves_the_places_and_awards():
    a, b = entry("a"), entry("b")
    sheet_list = sheets(a, ANKANG, [1] * 5) + sheets(b, ANKANG, [0.96] * 5)
    before = rank(ANKANG, "review", [a, b], sheet_list, {})
    after = rank(ANKANG, "review", [a, b], sheet_list, {}, {a.entry: "瞒报事故属实"})
    assert [(r.entrant, r.rank) for r in before.rows] == [("a", 1), ("b", 2)]
    assert [(r.entrant, r.rank, r.award, r.removed) for r in after.rows] == [
        ("b", 1, "winner_enterprise", ""),
        ("a", None, "", "瞒报事故属实"),
    ]
    assert after.rows[1].score == before.rows[0].score  # its scores stay on record
    assert after.inputs_hash != before.inputs_hash  # the removal is an input
    assert rank(ANKANG, "review", [a, b], sheet_list, {}, {}).inputs_hash == before.inputs_hash


def test_a_title_already_held_at_its_level_passes_to_the_next_entry():
    a, b = entry("a"), entry("b")
    a.held = ["ankang-cup-winner@city"]
    sheet_list = sheets(a, ANKANG, [1] * 5) + sheets(b, ANKANG, [0.99] * 5)
    rows = rank(ANKANG, "review", [a, b], sheet_list, {}).rows
    assert [(r.entrant, r.rank, r.award) for r in rows] == [
        ("a", 1, "commended"),
        ("b", 2, "winner_enterprise"),
    ]
    assert rows[0].held == ["winner_enterprise", "winner_institution"] and rows[1].held == []
    a.held = ["ankang-cup-winner@provincial"]  # another level: granted
    assert rank(ANKANG, "review", [a, b], sheet_list, {}).rows[0].award == "winner_enterprise"


def test_an_award_title_needs_its_level():
    awards = [{**ANKANG.awards[0].model_dump(mode="json"), "level": None}]
    with pytest.raises(ValueError, match="级别"):
        variant(ANKANG, awards=awards)  # type: ignore[arg-type]
