"""Campaign domain: definition errors, aggregate rules, progress properties."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from domain.actors import Acting, CommandMeta, Role
from domain.campaign import Campaign, CampaignDefinition, CampaignUnit, UnitView
from domain.campaign.progress import UnitRow, progress
from domain.errors import InvalidInput, InvalidState, NotAuthorised


def _definition(**over: Any) -> dict[str, Any]:
    d: dict[str, Any] = dict(
        key="k",
        title=["行动", "campaign"],
        year=2026,
        indicators=[
            dict(key="w", label=["x", "y"], source="fact", fact="wage_contract_in_force"),
            dict(key="c", label=["x", "y"], source="report", evidence="required"),
            dict(key="n", label=["x", "y"], source="report", value="count"),
        ],
        targets=[
            dict(
                key="t", label=["x", "y"], indicator="w", kind="rate", at_least=0.8, by="2026-12-31"
            )
        ],
        timeline=dict(
            periods=[dict(key="H2", starts="2026-07-01", due="2026-11-30")],
            final_report="2026-12-31",
        ),
    )
    d.update(over)
    return d


D = CampaignDefinition.model_validate(_definition())
_n = 0


def _meta(role: Role, org: str) -> CommandMeta:
    global _n
    _n += 1
    return CommandMeta(
        command_id=f"c{_n}",
        acting=Acting(actor_id="p", role=role, roles=[role], org_id=org),
        occurred_at=datetime(2026, 7, 2, tzinfo=UTC),
    )


def _unit() -> CampaignUnit:
    view = UnitView(
        campaign_key="k",
        code="u1",
        name="U",
        ownership="public",
        unionised=True,
        district_org="dist",
        joined_on=date(2026, 1, 1),
    )
    return CampaignUnit.join(view, _meta(Role.SYSTEM, "system"))


@pytest.mark.parametrize(
    ("over", "reason"),
    [
        (
            dict(
                targets=[
                    dict(
                        key="t",
                        label=["x", "y"],
                        indicator="zz",
                        kind="rate",
                        at_least=0.8,
                        by="2026-12-31",
                    )
                ]
            ),
            "unknown indicator zz",
        ),
        (
            dict(indicators=[dict(key="w", label=["x", "y"], source="fact", fact="nope")]),
            "unknown fact nope",
        ),
        (
            dict(
                targets=[
                    dict(
                        key="t",
                        label=["x", "y"],
                        indicator="w",
                        kind="rate",
                        at_least=1.5,
                        by="2026-12-31",
                    )
                ]
            ),
            "within (0, 1]",
        ),
        (
            dict(
                targets=[
                    dict(
                        key="t",
                        label=["x", "y"],
                        indicator="n",
                        kind="count",
                        at_least=0,
                        by="2026-12-31",
                    )
                ]
            ),
            "greater than 0",
        ),
        (
            dict(
                timeline=dict(
                    periods=[dict(key="H2", starts="2026-07-01", due="2026-06-30")],
                    final_report="2026-12-31",
                )
            ),
            "before it starts",
        ),
    ],
)
def test_definition_errors(over: dict[str, Any], reason: str) -> None:
    with pytest.raises(
        ValidationError,
        match=reason.replace("(", r"\(")
        .replace(")", r"\)")
        .replace("[", r"\[")
        .replace("]", r"\]"),
    ):
        CampaignDefinition.model_validate(_definition(**over))


def test_open_only_by_organiser_cadre() -> None:
    with pytest.raises(NotAuthorised):
        Campaign.open(definition=D, organiser_org="fed", meta=_meta(Role.CADRE, "other"))
    c = Campaign.open(definition=D, organiser_org="fed", meta=_meta(Role.CADRE, "fed"))
    c.open_period("H2", _meta(Role.CADRE, "fed"))
    with pytest.raises(InvalidState):
        c.open_period("H2", _meta(Role.CADRE, "fed"))


def test_report_rules() -> None:
    u = _unit()
    with pytest.raises(NotAuthorised):
        u.submit(
            D,
            indicator="c",
            period="H2",
            value=1,
            evidence="e",
            note="",
            meta=_meta(Role.CADRE, "x"),
        )
    with pytest.raises(InvalidInput, match="evidence"):
        u.submit(
            D,
            indicator="c",
            period="H2",
            value=1,
            evidence="",
            note="",
            meta=_meta(Role.CADRE, "u1"),
        )
    with pytest.raises(InvalidInput):
        u.submit(
            D,
            indicator="w",
            period="H2",
            value=1,
            evidence="e",
            note="",
            meta=_meta(Role.CADRE, "u1"),
        )
    with pytest.raises(InvalidInput):
        u.submit(
            D,
            indicator="n",
            period="H2",
            value=-1,
            evidence="",
            note="",
            meta=_meta(Role.CADRE, "u1"),
        )
    u.submit(
        D, indicator="c", period="H2", value=1, evidence="e", note="", meta=_meta(Role.CADRE, "u1")
    )
    with pytest.raises(InvalidState, match="pending"):
        u.submit(
            D,
            indicator="c",
            period="H2",
            value=1,
            evidence="e",
            note="",
            meta=_meta(Role.CADRE, "u1"),
        )
    with pytest.raises(NotAuthorised):  # the unit does not review itself
        u.approve(indicator="c", period="H2", meta=_meta(Role.CADRE, "u1"))
    u.approve(indicator="c", period="H2", meta=_meta(Role.REVIEWER, "dist"))
    u.withdraw(indicator="c", period="H2", reason="wrong", meta=_meta(Role.CADRE, "u1"))
    assert u.view().reports["H2:c"].status == "withdrawn"
    u.leave(date(2026, 8, 1), "closed", "fed", _meta(Role.CADRE, "fed"))
    with pytest.raises(InvalidState):
        u.submit(
            D,
            indicator="c",
            period="H2",
            value=1,
            evidence="e",
            note="",
            meta=_meta(Role.CADRE, "u1"),
        )
    u.rejoin(date(2026, 9, 1), "fed", _meta(Role.CADRE, "fed"))
    v = u.view()
    assert v.member_on(date(2026, 7, 15)) and not v.member_on(date(2026, 8, 15))
    assert v.member_on(date(2026, 9, 1))


def test_escalate_once() -> None:
    u = _unit()
    assert u.remind(period="H2", due=date(2026, 11, 30), meta=_meta(Role.SYSTEM, "system")) == 1
    u.escalate(period="H2", meta=_meta(Role.SYSTEM, "system"))
    with pytest.raises(InvalidState):
        u.escalate(period="H2", meta=_meta(Role.SYSTEM, "system"))


rows = st.lists(
    st.builds(
        UnitRow,
        code=st.uuids().map(str),
        name=st.just("n"),
        district=st.sampled_from(["a", "b"]),
        industry=st.sampled_from(["i", "j"]),
        ownership=st.sampled_from(["public", "non_public"]),
        unionised=st.booleans(),
        member=st.booleans(),
        values=st.fixed_dictionaries({"w": st.integers(0, 1), "n": st.integers(0, 50)}),
    ),
    max_size=40,
)


@given(rows, st.floats(0.01, 1.0))
def test_rate_progress_properties(units: list[UnitRow], at_least: float) -> None:
    t = dict(
        key="t", label=["x", "y"], indicator="w", kind="rate", at_least=at_least, by="2026-12-31"
    )
    (p,) = progress(CampaignDefinition.model_validate(_definition(targets=[t])), units)
    tot = p.total
    assert 0 <= tot.rate <= 1 and tot.gap >= 0
    assert (tot.gap == 0) == (tot.numerator >= math.ceil(at_least * tot.denominator - 1e-9))
    if tot.denominator:
        assert tot.met == (tot.gap == 0)
    for by in (p.by_district, p.by_industry, p.by_ownership):
        assert sum(x.numerator for x in by.values()) == tot.numerator
        assert sum(x.denominator for x in by.values()) == tot.denominator
    assert len(p.laggards) == tot.denominator - tot.numerator


@given(rows)
def test_count_progress_properties(units: list[UnitRow]) -> None:
    t = dict(key="t", label=["x", "y"], indicator="n", kind="count", at_least=100, by="2026-12-31")
    (p,) = progress(CampaignDefinition.model_validate(_definition(targets=[t])), units)
    assert p.total.gap >= 0 and (p.total.gap == 0) == p.total.met == (p.total.numerator >= 100)
    assert sum(x.numerator for x in p.by_district.values()) == p.total.numerator
