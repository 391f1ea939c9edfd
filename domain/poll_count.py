"""Counting a poll: paper counts bounded by the ballots, quorum and pass rules on ALL delegates."""

from __future__ import annotations

from collections import Counter

from pydantic import BaseModel

from domain.errors import InvalidInput, InvalidState
from domain.poll_values import PollKind, PollSpec, PollView, TallyResult
from domain.profiles import MinFraction


def check_paper_count(poll: PollView, counts: dict[str, int], ballots: int) -> dict[str, int]:
    """A teller's count, complete over the options, or refused when it cannot be true.

    Bounds: ballots returned ≤ delegates checked in at the close; for a one-choice
    ballot, the votes for all options together ≤ ballots returned (the rest are blank or
    spoilt, 废票); in an election each candidate's votes ≤ ballots, and all votes ≤
    ballots × seats.
    """
    options = poll.spec.options()
    unknown = [k for k in counts if k not in options]
    if unknown:
        raise InvalidInput(f"计票中有无效选项：{'、'.join(unknown)}", f"unknown options {unknown}")
    if any(v < 0 for v in counts.values()) or ballots < 0:
        raise InvalidInput("票数不能为负", "counts cannot be negative")
    present = poll.present_at_close if poll.present_at_close is not None else poll.total_delegates
    if ballots > present:
        raise InvalidInput(
            f"收回选票 {ballots} 张，多于到会代表 {present} 人",
            f"{ballots} ballots returned but only {present} delegates present",
        )
    full = {option: counts.get(option, 0) for option in options}
    cast = sum(full.values())
    if poll.spec.kind is PollKind.ELECTION:
        over = [c for c, v in full.items() if v > ballots]
        if over:
            raise InvalidInput(
                f"候选人得票多于收回选票 {ballots} 张：{'、'.join(over)}",
                f"a candidate has more votes than the {ballots} ballots returned: {over}",
            )
        limit = ballots * poll.spec.max_choices
    else:
        limit = ballots
    if cast > limit:
        raise InvalidInput(
            f"各选项票数合计 {cast}，多于收回选票 {ballots} 张"
            + (f"（每票最多选 {poll.spec.max_choices} 人）" if limit != ballots else ""),
            f"{cast} votes in all but {ballots} ballots returned"
            + (f" (at most {poll.spec.max_choices} names a ballot)" if limit != ballots else ""),
        )
    return full


def quorum_met(present: int, total: int, quorum: MinFraction) -> bool:
    """Quorum on ALL delegates (≥2/3 by default)."""
    return total > 0 and quorum.allows(min(present, total), total)


def tally(
    spec: PollSpec,
    choices_per_ballot: list[list[str]],
    *,
    total_delegates: int,
    present: int,
    quorum: MinFraction,
    pass_rule: MinFraction,
) -> TallyResult:
    """Count ballots and apply the rules: every threshold is a share of ALL delegates."""
    counts = Counter({option: 0 for option in spec.options()})
    for choices in choices_per_ballot:
        counts.update(choices)
    ok = quorum_met(present, total_delegates, quorum)
    rule = f"{'>' if pass_rule.strict else '≥'}{pass_rule.num}/{pass_rule.den} of {total_delegates}"
    result = TallyResult(
        counts=dict(counts),
        ballots=len(choices_per_ballot),
        total_delegates=total_delegates,
        present=present,
        quorum_met=ok,
        rule=rule,
    )
    if spec.kind is PollKind.YES_NO:
        result.passed = ok and pass_rule.allows(
            min(counts["yes"], total_delegates), total_delegates
        )
    elif spec.kind is PollKind.ELECTION:
        eligible = [
            c
            for c in spec.candidates
            if ok and pass_rule.allows(min(counts[c], total_delegates), total_delegates)
        ]
        # Most votes first; a tie at the last seat elects nobody for that seat.
        ranked = sorted(eligible, key=lambda c: -counts[c])
        seats = spec.max_choices
        elected = ranked[:seats]
        if len(ranked) > seats and counts[ranked[seats - 1]] == counts[ranked[seats]]:
            tied = counts[ranked[seats - 1]]
            elected = [c for c in elected if counts[c] > tied]
        result.elected = elected
    else:
        good = counts["satisfied"] + counts["basically_satisfied"]
        n = len(choices_per_ballot)
        result.satisfaction_rate = f"{good}/{n}" if n else "0/0"
    return result


# -- the poll ------------------------------------------------------------------------------


class Recount(BaseModel):
    """Anyone's recount of a poll's published secret ballots against its published tally."""

    # Receipts beside their choices (tallied by an earlier version), or "1", "2", … beside
    # the shuffled choices (receipts published apart, sorted: nothing pairs them).
    rows: list[tuple[str, list[str]]]
    paired: bool
    receipts: list[str]
    counts: dict[str, int]
    published_counts: dict[str, int]
    same: bool


def recount(poll: PollView) -> Recount:
    """Recount the published ballots of a tallied secret poll (``congress ballots``)."""
    if not poll.spec.secret or poll.spec.paper:
        raise InvalidInput("本项不是电子无记名投票", "this item has no published secret ballots")
    if poll.published_digest is None or poll.result is None:
        raise InvalidState("选票尚未公布", "the ballots are not published yet")
    paired = bool(poll.published)
    if paired:
        rows = [(b.receipt, b.choices) for b in poll.published]
        receipts = [b.receipt for b in poll.published]
    else:
        rows = [(str(i), c) for i, c in enumerate(poll.published_choices, 1)]
        receipts = list(poll.published_receipts)
    counts: dict[str, int] = dict.fromkeys(poll.result.counts, 0)
    for _, choices in rows:
        for choice in choices:
            counts[choice] = counts.get(choice, 0) + 1
    same = counts == poll.result.counts and len(receipts) == len(rows) == poll.result.ballots
    return Recount(
        rows=rows,
        paired=paired,
        receipts=receipts,
        counts=counts,
        published_counts=dict(poll.result.counts),
        same=same,
    )
