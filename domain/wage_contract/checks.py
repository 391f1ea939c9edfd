"""The pre-review checks of the higher union (上级工会预审) and the adoption vote rule."""

from __future__ import annotations

from decimal import Decimal

from domain.profiles import RuleProfile
from domain.wage_contract.values import Check, Draft, Negotiator, Side, VoteCount


def pre_review_checks(
    draft: Draft, negotiators: list[Negotiator], profile: RuleProfile, wage_area_class: int
) -> list[Check]:
    """The checks the reviewer sees: a failed legal floor blocks approval; a failed check
    the profile marks advisory (the wage guideline band) needs a written reason."""
    rules = profile.wage_contract
    advisory = set(rules.advisory_checks)
    checks: list[Check] = []

    area = rules.minimum_wage.for_area(wage_area_class)
    floor = Decimal(str(area.monthly_yuan))
    below = [s for s in draft.wage_standards if s.monthly_yuan < floor]
    checks.append(
        Check(
            code="minimum_wage",
            hard="minimum_wage" not in advisory,
            passed=not below,
            label_zh=f"工资标准不低于当地最低工资（{wage_area_class}类区 {floor} 元/月）",
            label_en=f"wage standards at or above the minimum wage ({floor} yuan/month, class {wage_area_class})",
            detail="; ".join(f"{s.post}: {s.monthly_yuan}" for s in below),
        )
    )

    g = rules.wage_guideline
    raise_pct = draft.raise_pct
    within = Decimal(str(g.lower_pct)) <= raise_pct <= Decimal(str(g.upper_pct))
    checks.append(
        Check(
            code="wage_guideline",
            hard="wage_guideline" not in advisory,
            passed=within,
            label_zh=f"工资增幅在{g.year}年工资指导线区间内（{g.lower_pct}%–{g.upper_pct}%，基准{g.baseline_pct}%）",
            label_en=f"raise within the {g.year} wage guideline band ({g.lower_pct}%–{g.upper_pct}%, baseline {g.baseline_pct}%)",
            detail=f"{raise_pct}%",
        )
    )

    sides = {side: [n for n in negotiators if n.side is side] for side in Side}
    counts = {side: len(members) for side, members in sides.items()}
    enough = all(c >= rules.negotiators_min_per_side for c in counts.values())
    equal = counts[Side.UNION] == counts[Side.EMPLOYER]
    both = sorted({n.name for n in sides[Side.UNION]} & {n.name for n in sides[Side.EMPLOYER]})
    checks.append(
        Check(
            code="negotiators",
            hard="negotiators" not in advisory,
            passed=enough and equal and not both,
            label_zh=f"双方协商代表人数相等、每方不少于{rules.negotiators_min_per_side}人且无人同时代表双方",
            label_en=f"equal sides of at least {rules.negotiators_min_per_side} negotiators, nobody on both",
            detail=f"union {counts[Side.UNION]}, employer {counts[Side.EMPLOYER]}"
            + (f"; both sides: {', '.join(both)}" if both else ""),
        )
    )

    limit = rules.outsiders_max_fraction
    outsiders_ok = all(
        not members or limit.allows(sum(n.outsider for n in members), len(members))
        for members in sides.values()
    )
    checks.append(
        Check(
            code="outsiders",
            hard="outsiders" not in advisory,
            passed=outsiders_ok,
            label_zh=f"外聘代表不超过本方代表的{limit.num}/{limit.den}",
            label_en=f"outside experts at most {limit.num}/{limit.den} of a side",
            detail=", ".join(
                f"{side.value} {sum(n.outsider for n in m)}/{len(m)}" for side, m in sides.items()
            ),
        )
    )

    chiefs_ok = all(
        sum(n.chief for n in m) == 1 and not any(n.chief and n.outsider for n in m)
        for m in sides.values()
    )
    signed = draft.union_chief_signed and draft.employer_chief_signed
    checks.append(
        Check(
            code="chiefs_signed",
            hard="chiefs_signed" not in advisory,
            passed=chiefs_ok and signed,
            label_zh="每方一名首席代表（非外聘）且双方首席代表已在草案上签字",
            label_en="one chief per side (never an outsider), and both chiefs signed the draft",
            detail=f"union signed={draft.union_chief_signed}, employer signed={draft.employer_chief_signed}",
        )
    )
    return checks


def blocking_failures(checks: list[Check], profile: RuleProfile) -> list[str]:
    """Failed checks that are legal floors: no reason lets a reviewer approve past them."""
    advisory = set(profile.wage_contract.advisory_checks)
    return [c.code for c in checks if not c.passed and c.code not in advisory]


def advisory_failures(checks: list[Check], profile: RuleProfile) -> list[str]:
    """Failed advisory checks: approving past them needs a written reason."""
    advisory = set(profile.wage_contract.advisory_checks)
    return [c.code for c in checks if not c.passed and c.code in advisory]


def _counted(count: VoteCount) -> str:
    return (
        f"{count.total_delegates}/{count.present}/{count.votes_for}/"
        f"{count.votes_against}/{count.abstentions}"
    )


def vote_outcome(count: VoteCount, profile: RuleProfile) -> tuple[bool, bool]:
    """(quorum met, passed): quorum on all delegates, pass on ALL delegates, not those present."""
    rules = profile.wage_contract
    quorum = rules.adoption_quorum.allows(count.present, count.total_delegates)
    passed = quorum and rules.adoption_pass.allows(count.votes_for, count.total_delegates)
    return quorum, passed
