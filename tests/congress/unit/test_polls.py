"""Polls through the service layer: eligibility, once-only, secret ballots, tallies."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from pathlib import Path
from unittest import mock

import pytest

from domain.errors import InvalidInput, InvalidState, NotAuthorised
from domain.poll import NamedBallot, Participation, PollKind, SealedBallot
from tests.congress.fixtures import make_floor


def stream_count(ledger, cls) -> int:
    from eventsourcing.utils import get_topic

    return len(ledger.recorder.select_notifications(1, 100000, topics=[get_topic(cls)]))


def test_exactly_half_of_all_delegates_does_not_pass_and_one_more_does(tmp_path: Path):
    floor = make_floor(tmp_path, 10)
    floor.check_in(floor.delegates)
    half = floor.open(1, PollKind.YES_NO, secret=False)
    for i, d in enumerate(floor.delegates):
        floor.polls.cast(half, d, ["yes" if i < 5 else "no"])
    assert floor.close_and_tally(half).result.passed is False
    more = floor.open(2, PollKind.YES_NO, secret=False)
    for i, d in enumerate(floor.delegates):
        floor.polls.cast(more, d, ["yes" if i < 6 else "abstain"])
    assert floor.close_and_tally(more).result.passed is True


def test_pass_counts_all_delegates_not_those_present(tmp_path: Path):
    floor = make_floor(tmp_path, 30)
    floor.check_in(floor.delegates[:21])  # quorum: 21 of 30 >= 2/3
    key = floor.open(1, PollKind.YES_NO, secret=True)
    for d in floor.delegates[:15]:  # 15 of 21 present, but only half of all 30
        floor.polls.cast(key, d, ["yes"])
    result = floor.close_and_tally(key).result
    assert result.quorum_met and result.counts["yes"] == 15 and result.passed is False


def test_quorum_at_exactly_two_thirds_opens_and_one_below_is_refused(tmp_path: Path):
    floor = make_floor(tmp_path, 30)
    floor.check_in(floor.delegates[:19])
    with pytest.raises(InvalidState, match="19/30"):
        floor.open(1, PollKind.YES_NO, secret=False)
    floor.check_in(floor.delegates[19:20])
    assert floor.polls.poll(floor.open(1, PollKind.YES_NO, secret=False)).present_at_open == 20


def test_non_delegate_unchecked_late_and_second_votes_are_refused_and_change_nothing(
    tmp_path: Path,
):
    floor = make_floor(tmp_path, 6)
    floor.check_in(floor.delegates[:5])
    key = floor.open(1, PollKind.YES_NO, secret=True)
    before = floor.ledger.max_notification_id()
    with pytest.raises(NotAuthorised):
        floor.polls.cast(key, "wang.li", ["yes"])  # a cadre, not a delegate
    with pytest.raises(NotAuthorised, match="签到"):
        floor.polls.cast(key, floor.delegates[5], ["yes"])  # delegate, not checked in
    with pytest.raises(InvalidInput):
        floor.polls.cast(key, floor.delegates[0], ["maybe"])
    assert floor.ledger.max_notification_id() == before
    floor.polls.cast(key, floor.delegates[0], ["yes"])
    after_first = floor.ledger.max_notification_id()
    with pytest.raises(InvalidState, match="重复"):
        floor.polls.cast(key, floor.delegates[0], ["no"])
    assert floor.ledger.max_notification_id() == after_first
    floor.polls.close_poll(key, "chair", floor.meta("close"))
    with pytest.raises(InvalidState, match="结束"):
        floor.polls.cast(key, floor.delegates[1], ["yes"])
    assert floor.ledger.max_notification_id() == after_first + 1  # only the Closed event


@pytest.mark.parametrize("secret", [False, True])
def test_fifty_simultaneous_ballots_of_one_delegate_count_once(tmp_path: Path, secret: bool):
    floor = make_floor(tmp_path, 3)
    floor.check_in(floor.delegates)
    key = floor.open(1, PollKind.YES_NO, secret=secret)
    with concurrent.futures.ThreadPoolExecutor(max_workers=50) as pool:
        futures = [
            pool.submit(floor.polls.cast, key, floor.delegates[0], ["yes"]) for _ in range(50)
        ]
        outcomes = [f.exception() for f in futures]
    accepted = [o for o in outcomes if o is None]
    refused = [o for o in outcomes if o is not None]
    assert len(accepted) == 1
    assert all(isinstance(o, InvalidState) for o in refused)
    if secret:
        assert stream_count(floor.ledger, Participation.Created) == 1
        # The sealed ballot waits in the spool (the 49 refused ones left nothing there)...
        assert stream_count(floor.ledger, SealedBallot.Created) == 0
        assert len(floor.polls.box.spooled(key)) == 1
    else:
        assert stream_count(floor.ledger, NamedBallot.Created) == 1
    assert floor.close_and_tally(key).result.counts["yes"] == 1
    if secret:  # ...and reaches the ledger once, at the close
        assert stream_count(floor.ledger, SealedBallot.Created) == 1
        assert floor.polls.box.spooled(key) == []


def test_secret_ballots_are_published_apart_from_their_receipts_and_the_key_is_destroyed(
    tmp_path: Path,
):
    floor = make_floor(tmp_path, 9)
    floor.check_in(floor.delegates)
    key = floor.open(1, PollKind.YES_NO, secret=True)
    receipts = {}
    for i, d in enumerate(floor.delegates):
        choice = ["yes", "no", "abstain"][i % 3]
        receipts[floor.polls.cast(key, d, [choice]).receipt] = choice
    view = floor.close_and_tally(key)
    assert view.key_destroyed and not floor.polls.box.has_key(key)
    assert view.published == []  # no receipt stands beside a choice
    assert view.published_receipts == sorted(receipts)
    for receipt in receipts:
        check = floor.polls.verify_receipt(key, receipt)
        assert check.counted and check.ballots == 9
        assert "choice" not in check.model_dump_json()
    assert not floor.polls.verify_receipt(key, "NOPE-NOPE-NO").counted
    recount = {
        o: sum(1 for c in view.published_choices if c == [o]) for o in ("yes", "no", "abstain")
    }
    assert (
        recount == {o: view.result.counts[o] for o in recount} == {"yes": 3, "no": 3, "abstain": 3}
    )


def test_election_elects_at_most_n_candidates_with_more_than_half_of_all(tmp_path: Path):
    floor = make_floor(tmp_path, 10)
    floor.check_in(floor.delegates)
    key = floor.open(
        1, PollKind.ELECTION, secret=True, candidates=["甲", "乙", "丙"], max_choices=2
    )
    ballots = [["甲", "乙"]] * 6 + [["甲", "丙"]] * 3 + [["丙"]]
    for d, b in zip(floor.delegates, ballots, strict=True):
        floor.polls.cast(key, d, b)
    result = floor.close_and_tally(key).result
    assert result.counts == {"甲": 9, "乙": 6, "丙": 4}
    assert result.elected == ["甲", "乙"]
    with pytest.raises(ValueError, match="max_choices"):
        floor.open(2, PollKind.ELECTION, secret=True, candidates=["甲"], max_choices=2)


def test_appraisal_reports_the_satisfaction_rate(tmp_path: Path):
    floor = make_floor(tmp_path, 4)
    floor.check_in(floor.delegates)
    key = floor.open(1, PollKind.APPRAISAL, secret=True)
    for d, c in zip(
        floor.delegates,
        ["satisfied", "basically_satisfied", "dissatisfied", "satisfied"],
        strict=True,
    ):
        floor.polls.cast(key, d, [c])
    result = floor.close_and_tally(key).result
    assert result.satisfaction_rate == "3/4" and result.passed is None


def test_paper_count_stands_only_when_both_tellers_agree(tmp_path: Path):
    floor = make_floor(tmp_path, 6)
    floor.check_in(floor.delegates)
    tellers = floor.delegates[:2]
    key = floor.open(1, PollKind.YES_NO, secret=True, paper=True, tellers=tellers)
    with pytest.raises(InvalidState):
        floor.polls.cast(key, floor.delegates[2], ["yes"])
    floor.polls.close_poll(key, "chair", floor.meta("close"))
    floor.polls.enter_paper_count(key, tellers[0], {"yes": 4, "no": 2}, 6, "t1")
    view = floor.polls.enter_paper_count(key, tellers[1], {"yes": 3, "no": 3}, 6, "t2")
    assert view.paper_mismatch
    with pytest.raises(InvalidState, match="不一致"):
        floor.polls.tally_poll(key, floor.meta("tally"), floor.profile)
    with pytest.raises(NotAuthorised):
        floor.polls.enter_paper_count(key, floor.delegates[3], {"yes": 4, "no": 2}, 6, "t3")
    floor.polls.enter_paper_count(key, tellers[1], {"yes": 4, "no": 2}, 6, "t2b")
    result = floor.polls.tally_poll(key, floor.meta("tally"), floor.profile).result
    assert result.counts["yes"] == 4 and result.passed is True


def _paper_poll(tmp_path: Path, present: int, n: int = 30, **spec_kw):
    floor = make_floor(tmp_path, n)
    floor.check_in(floor.delegates[:present])
    tellers = floor.delegates[:2]
    key = floor.open(1, PollKind.YES_NO, secret=True, paper=True, tellers=tellers, **spec_kw)
    floor.polls.close_poll(key, "chair", floor.meta("close"))
    return floor, key, tellers


def test_paper_counts_are_bounded_by_ballots_and_ballots_by_delegates_present(tmp_path: Path):
    floor, key, tellers = _paper_poll(tmp_path, present=22)
    enter = floor.polls.enter_paper_count
    # 27 ballots returned with 22 delegates present.
    with pytest.raises(InvalidInput, match="22"):
        enter(key, tellers[0], {"yes": 25, "no": 2}, 27, "t1")
    # More votes than ballots returned.
    with pytest.raises(InvalidInput, match="合计"):
        enter(key, tellers[0], {"yes": 20, "no": 3}, 22, "t1")
    with pytest.raises(InvalidInput):
        enter(key, tellers[0], {"yes": -1}, 22, "t1")
    assert floor.polls.poll(key).paper_counts == []
    # Fewer votes than ballots: the rest are blank or spoilt ballots (废票).
    view = enter(key, tellers[0], {"yes": 18, "no": 3}, 22, "t1")
    assert view.paper_counts[0].counts == {"yes": 18, "no": 3, "abstain": 0}


def test_an_election_paper_count_is_bounded_per_candidate_and_by_seats(tmp_path: Path):
    floor = make_floor(tmp_path, 10)
    floor.check_in(floor.delegates)
    tellers = floor.delegates[:2]
    key = floor.open(
        1,
        PollKind.ELECTION,
        secret=True,
        paper=True,
        tellers=tellers,
        candidates=["a", "b", "c"],
        max_choices=2,
    )
    floor.polls.close_poll(key, "chair", floor.meta("close"))
    with pytest.raises(InvalidInput, match="a"):
        floor.polls.enter_paper_count(key, tellers[0], {"a": 11}, 10, "t1")
    with pytest.raises(InvalidInput, match="2"):
        floor.polls.enter_paper_count(key, tellers[0], {"a": 10, "b": 10, "c": 1}, 10, "t1")
    floor.polls.enter_paper_count(key, tellers[0], {"a": 10, "b": 9, "c": 1}, 10, "t1")


def test_a_count_cannot_change_after_both_tellers_agreed(tmp_path: Path):
    floor, key, tellers = _paper_poll(tmp_path, present=22)
    floor.polls.enter_paper_count(key, tellers[0], {"yes": 18, "no": 4}, 22, "t1")
    floor.polls.enter_paper_count(key, tellers[1], {"yes": 18, "no": 4}, 22, "t2")
    with pytest.raises(InvalidState, match="已一致"):
        floor.polls.enter_paper_count(key, tellers[1], {"yes": 10, "no": 12}, 22, "t3")
    result = floor.polls.tally_poll(key, floor.meta("tally"), floor.profile).result
    assert result.counts["yes"] == 18 and result.passed is True


def test_a_count_before_the_poll_closes_is_refused(tmp_path: Path):
    floor = make_floor(tmp_path, 6)
    floor.check_in(floor.delegates)
    tellers = floor.delegates[:2]
    key = floor.open(1, PollKind.YES_NO, secret=True, paper=True, tellers=tellers)
    with pytest.raises(InvalidState, match="表决结束后"):
        floor.polls.enter_paper_count(key, tellers[0], {"yes": 4}, 6, "t1")
    assert floor.polls.poll(key).paper_counts == []


def test_receipts_use_every_symbol_of_the_alphabet_in_every_position() -> None:
    from application.polls import RECEIPT_ALPHABET, new_receipt

    receipts = [new_receipt() for _ in range(3000)]
    assert len(set(receipts)) == len(receipts)
    for receipt in receipts:
        assert len(receipt) == 12 and receipt[4] == receipt[9] == "-"
    symbols = [r.replace("-", "") for r in receipts]
    for position in range(10):
        # 3,000 draws of 32 symbols: a symbol never drawn in a position has odds ~1e-40.
        assert {s[position] for s in symbols} == set(RECEIPT_ALPHABET)


async def test_votes_from_an_event_loop_are_refused_and_counted_as_from_a_thread(
    tmp_path: Path,
):
    """``cast_async`` (the worker's and the web app's votes) keeps every rule of ``cast``."""
    floor = make_floor(tmp_path, 6)
    floor.check_in(floor.delegates[:5])
    key = floor.open(1, PollKind.YES_NO, secret=True)
    before = floor.ledger.max_notification_id()
    with pytest.raises(NotAuthorised):
        await floor.polls.cast_async(key, "wang.li", ["yes"])  # a cadre, not a delegate
    with pytest.raises(NotAuthorised, match="签到"):
        await floor.polls.cast_async(key, floor.delegates[5], ["yes"])  # not checked in
    with pytest.raises(InvalidInput):
        await floor.polls.cast_async(key, floor.delegates[0], ["maybe"])
    assert floor.ledger.max_notification_id() == before
    first = await floor.polls.cast_async(key, floor.delegates[0], ["yes"])
    assert first.receipt and not first.roll_complete
    with pytest.raises(InvalidState, match="重复"):
        await floor.polls.cast_async(key, floor.delegates[0], ["no"])
    with pytest.raises(InvalidState, match="重复"):
        floor.polls.cast(key, floor.delegates[0], ["no"])  # nor from a thread
    assert len(floor.polls.box.spooled(key)) == 1  # the refused ballots left nothing
    rest = await asyncio.gather(
        *(floor.polls.cast_async(key, d, ["no"]) for d in floor.delegates[1:5])
    )
    assert sum(r.roll_complete for r in rest) >= 1  # the last one completes the roll
    floor.polls.close_poll(key, "chair", floor.meta("close"))
    with pytest.raises(InvalidState, match="结束"):
        await floor.polls.cast_async(key, floor.delegates[1], ["yes"])
    tallied = floor.polls.tally_poll(key, floor.meta("tally"), floor.profile)
    assert tallied.result.counts == {"yes": 1, "no": 4, "abstain": 0}
    floor.polls.close()


@pytest.mark.parametrize("secret", [False, True])
async def test_fifty_simultaneous_ballots_of_one_delegate_from_a_loop_count_once(
    tmp_path: Path, secret: bool
):
    floor = make_floor(tmp_path, 3)
    floor.check_in(floor.delegates)
    key = floor.open(1, PollKind.YES_NO, secret=secret)
    outcomes = await asyncio.gather(
        *(floor.polls.cast_async(key, floor.delegates[0], ["yes"]) for _ in range(50)),
        return_exceptions=True,
    )
    accepted = [o for o in outcomes if not isinstance(o, BaseException)]
    assert len(accepted) == 1
    assert all(isinstance(o, InvalidState) for o in outcomes if isinstance(o, BaseException))
    if secret:
        assert stream_count(floor.ledger, Participation.Created) == 1
        assert len(floor.polls.box.spooled(key)) == 1
    else:
        assert stream_count(floor.ledger, NamedBallot.Created) == 1
    assert floor.close_and_tally(key).result.counts["yes"] == 1
    floor.polls.close()


async def test_a_vote_on_the_loop_never_reads_the_ledger_there(tmp_path: Path):
    """What a vote checks is read in a thread when it is not in memory: the event loop
    itself never waits for the database."""
    floor = make_floor(tmp_path, 20)
    floor.check_in(floor.delegates)
    key = floor.open(1, PollKind.YES_NO, secret=True)
    loop_thread = threading.get_ident()
    reads_on_loop = 0
    real_find = floor.ledger.find

    def find(*args, **kwargs):
        nonlocal reads_on_loop
        reads_on_loop += threading.get_ident() == loop_thread
        return real_find(*args, **kwargs)

    with (
        mock.patch.object(floor.ledger, "find", side_effect=find),
        mock.patch.object(
            floor.ledger.recorder,
            "select_notifications",
            wraps=floor.ledger.recorder.select_notifications,
        ) as queries,
    ):
        for d in floor.delegates[:10]:  # the first ones read the voter in a thread
            await floor.polls.cast_async(key, d, ["yes"])
        await asyncio.gather(
            *(floor.polls.cast_async(key, d, ["no"]) for d in floor.delegates[10:])
        )
    assert reads_on_loop == 0
    assert floor.polls.voters(key) == 20
    assert queries.call_count < 40  # the burst of ten shared its catch-ups
    floor.polls.close()
