"""Properties of the scoring functions over any marks and any judges: a sheet's total stays
within the table's points plus the bonus cap and never falls when a mark rises; dropping
keeps the mean between the kept extremes; normalisation keeps each judge's order and the
overall mean; the ranking's places never go down the list and no award exceeds its
quota unless a tie at its boundary is let in."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.contest.scoring import (
    EntryInput,
    SheetInput,
    combine,
    normalise,
    rank,
    sheet_total,
)
from tests.contest.support import shipped

ANKANG = shipped("ankang-cup")
POINTS = ANKANG.table.item_points()


def mark_for(points: Decimal) -> st.SearchStrategy[Decimal]:
    cents = int(points * 100)
    return st.integers(0, cents).map(lambda c: Decimal(c) / 100)


SHEET = st.fixed_dictionaries({k: mark_for(p) for k, p in POINTS.items()})
SCORE = st.integers(0, 10_000).map(lambda c: Decimal(c) / 100)


@given(SHEET, st.sampled_from(sorted(POINTS)), st.integers(1, 300))
def test_a_total_is_bounded_and_rises_with_any_mark(sheet, key, cents):
    score = sheet_total(ANKANG.table, sheet)
    cap = ANKANG.table.bonus.cap if ANKANG.table.bonus else 0
    assert 0 <= score.bonus <= cap and 0 <= score.total <= ANKANG.table.points + cap
    raised = {**sheet, key: min(POINTS[key], sheet[key] + Decimal(cents) / 100)}
    assert sheet_total(ANKANG.table, raised).total >= score.total


@given(st.lists(SCORE, min_size=1, max_size=9))
def test_combining_keeps_the_mean_between_the_kept_extremes(values):
    by_judge = {f"j{i}": v for i, v in enumerate(values)}
    c = combine(by_judge, ANKANG.judging)
    kept = [by_judge[j] for j in c.kept]
    assert min(kept) <= c.mean <= max(kept)
    assert len(c.dropped) == (2 if len(values) >= ANKANG.judging.min_sheets_to_drop else 0)
    if c.dropped:
        assert by_judge[c.dropped[0]] == max(values) and by_judge[c.dropped[1]] == min(values)


@given(
    st.dictionaries(
        st.sampled_from(["j1", "j2", "j3"]), st.lists(SCORE, min_size=1, max_size=6), min_size=1
    )
)
def test_normalisation_keeps_each_judges_order_and_the_overall_mean(raw):
    by_judge = {j: {f"{j}-e{i}": v for i, v in enumerate(vs)} for j, vs in raw.items()}
    out = normalise(by_judge)
    before = [v for t in by_judge.values() for v in t.values()]
    after = [v for t in out.values() for v in t.values()]
    assert abs(sum(after) / len(after) - sum(before) / len(before)) < Decimal("1e-20")
    for j, totals in by_judge.items():
        for a in totals:
            for b in totals:
                if totals[a] < totals[b]:
                    assert out[j][a] < out[j][b]


# Large inputs are slow to draw on a loaded machine: that is no failure of the rule.
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(SHEET, min_size=3, max_size=5), min_size=1, max_size=8), st.booleans())
def test_places_never_go_down_the_list_and_quotas_hold(entries, include):
    awards = [
        {
            "key": "win",
            "zh": "优胜",
            "en": "win",
            "quota": 2,
            "threshold": 60,
            "ties": "include_all" if include else "exclude_all",
        }
    ]
    d = ANKANG.model_validate({**ANKANG.model_dump(mode="json"), "awards": awards})
    inputs = [
        EntryInput(
            entry=f"r:{i}", entrant=str(i), name=str(i), unit_org=str(i), category="enterprise"
        )
        for i in range(len(entries))
    ]
    sheets = [
        SheetInput(entry=f"r:{i}", judge=f"j{k}", marks=m)
        for i, ms in enumerate(entries)
        for k, m in enumerate(ms)
    ]
    rows = rank(d, "review", inputs, sheets, {}).rows
    ranks = [r.rank for r in rows]
    assert all(r is not None for r in ranks) and ranks == sorted(ranks)  # type: ignore[type-var]
    scores = [r.score for r in rows]
    assert scores == sorted(scores, reverse=True)  # type: ignore[type-var]
    winners = [r for r in rows if r.award == "win"]
    assert all(not r.below_minimum and r.score is not None and r.score >= 60 for r in winners)
    eligible = [r for r in rows if not r.below_minimum and r.score is not None and r.score >= 60]
    if include:
        assert len(winners) >= min(2, len(eligible))
    else:
        assert len(winners) <= 2
