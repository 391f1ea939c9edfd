"""Check-in at the hall door by the unit's cadre, the quorum's head count, and anyone's
recount of published ballots: what the web's session pages stand on."""

from __future__ import annotations

import pytest

from domain.errors import InvalidInput, NotAuthorised
from domain.poll import PollKind, recount
from domain.profiles import MinFraction
from domain.session import check_in_id
from tests.congress.fixtures import CHAIR, make_floor


@pytest.mark.parametrize(
    ("num", "den", "strict", "whole", "least"),
    [(2, 3, False, 30, 20), (2, 3, False, 31, 21), (1, 2, True, 30, 16), (1, 2, False, 29, 15)],
)
def test_the_least_head_count_that_reaches_a_floor(num, den, strict, whole, least):
    floor = MinFraction(num=num, den=den, strict=strict)
    assert floor.least(whole) == least
    assert floor.allows(least, whole) and not floor.allows(least - 1, whole)


def test_the_units_cadre_checks_a_delegate_in_at_the_door_and_the_act_is_the_cadres(tmp_path):
    floor = make_floor(tmp_path, 5)
    delegate = floor.delegates[0]
    assert floor.polls.check_in(
        floor.session_id, delegate, is_delegate=floor.delegates.__contains__, desk=CHAIR
    )
    record = floor.ledger.get(check_in_id(floor.session_id, delegate))
    assert record.delegate == delegate
    assert floor.polls.present(floor.session_id) == 1
    # A second check-in changes nothing, whoever makes it.
    assert not floor.polls.check_in(
        floor.session_id, delegate, is_delegate=floor.delegates.__contains__, desk=CHAIR
    )


@pytest.mark.parametrize(
    ("clerk", "why"),
    [("zhao.min", "只有本单位"), ("d0001", "工会干部")],  # another unit's cadre; a delegate
)
def test_nobody_but_the_units_cadre_checks_others_in(tmp_path, clerk, why):
    floor = make_floor(tmp_path, 5)
    with pytest.raises(NotAuthorised, match=why):
        floor.polls.check_in(
            floor.session_id,
            floor.delegates[2],
            is_delegate=floor.delegates.__contains__,
            desk=clerk,
        )
    assert floor.polls.present(floor.session_id) == 0


def test_anyone_recounts_the_published_ballots_against_the_tally(tmp_path):
    floor = make_floor(tmp_path, 6)
    floor.check_in(floor.delegates)
    key = floor.open(1, PollKind.YES_NO, secret=True)
    for i, d in enumerate(floor.delegates):
        floor.polls.cast(key, d, ["yes" if i < 4 else "no"])
    floor.close_and_tally(key)
    counted = recount(floor.polls.poll(key))
    assert counted.same and not counted.paired
    assert counted.counts == {"yes": 4, "no": 2, "abstain": 0} == counted.published_counts
    assert len(counted.receipts) == len(counted.rows) == 6
    named = floor.open(2, PollKind.YES_NO, secret=False)
    with pytest.raises(InvalidInput):
        recount(floor.polls.poll(named))
