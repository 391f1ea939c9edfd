"""Results read like the minutes a congress writes (issue 7, point 18): a tie at the last
seat leaves it vacant for another ballot, appraisal rates are percentages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.poll import ItemKind, PollKind, PollSpec, PollStatus, PollView, tally
from domain.profiles import MinFraction
from i18n import Lang
from interfaces.text import Names, poll_outcome, tied_at_last_seat

QUORUM = MinFraction(num=2, den=3, strict=False)
MAJORITY = MinFraction(num=1, den=2, strict=True)
NAMES = {"d01": "张秀英", "d05": "孙丽娟", "d09": "冯立军"}


class Directory:
    """The directory's names of the three candidates; nobody else is known."""

    def actor(self, actor_id: str):
        from types import SimpleNamespace

        from domain.errors import NotFound

        if actor_id not in NAMES:
            raise NotFound(f"人员 {actor_id} 不存在", f"no actor {actor_id}")
        return SimpleNamespace(spec=SimpleNamespace(name=NAMES[actor_id]))


@pytest.fixture(autouse=True)
def lang():
    """Chinese unless a test switches; a CLI run elsewhere may have left English set."""
    Lang.code = "zh"
    yield Lang
    Lang.code = "zh"


def tallied(kind: PollKind, ballots: list[list[str]], seats: int = 1, total: int = 30) -> PollView:
    spec = PollSpec(
        poll_key="s:item2",
        congress_key="c",
        session_id="s",
        item_no=2,
        title="补选职工董事",
        item_kind=ItemKind.ELECTION if kind is PollKind.ELECTION else ItemKind.APPRAISAL,
        kind=kind,
        secret=True,
        candidates=list(NAMES) if kind is PollKind.ELECTION else [],
        max_choices=seats,
    )
    result = tally(
        spec, ballots, total_delegates=total, present=27, quorum=QUORUM, pass_rule=MAJORITY
    )
    return PollView(
        spec=spec,
        unit_org="dl-bearing",
        status=PollStatus.TALLIED,
        opened_at=datetime(2027, 12, 16, tzinfo=UTC),
        total_delegates=total,
        present_at_open=27,
        result=result,
    )


def test_a_tie_at_the_last_seat_leaves_it_vacant_for_another_ballot(lang) -> None:
    # Two seats; 孙丽娟 is elected, 张秀英 and 冯立军 tie on 16 votes (each a majority of 30).
    ballots = [["d05", "d01"]] * 16 + [["d05", "d09"]] * 8 + [["d09"]] * 8
    poll = tallied(PollKind.ELECTION, ballots, seats=2)
    assert poll.result is not None and poll.result.elected == ["d05"]  # the domain picks nobody
    assert tied_at_last_seat(poll) == ["d01", "d09"]
    zh = poll_outcome(poll, Names(Directory()))
    assert zh.startswith("当选：孙丽娟（d05）；")
    assert "张秀英（d01）、冯立军（d09）得票相等（各 16 票），1 个席位空缺，须另行选举" in zh
    lang.code = "en"
    en = poll_outcome(poll, Names(Directory()))
    assert "tied on 16 votes each: 1 seat(s) vacant, another ballot is needed" in en


def test_a_tie_for_the_only_seat_elects_nobody_and_says_so(lang) -> None:
    poll = tallied(PollKind.ELECTION, [["d05"]] * 16 + [["d09"]] * 16, total=30)
    zh = poll_outcome(poll, Names(Directory()))
    assert "当选" not in zh.partition("。")[0]
    assert "孙丽娟（d05）、冯立军（d09）得票相等（各 16 票），1 个席位空缺，须另行选举" in zh


def test_a_seat_nobody_won_by_a_majority_is_vacant_without_a_tie() -> None:
    # 12 and 10 of 30: nobody has more than half of all delegates.
    poll = tallied(PollKind.ELECTION, [["d05"]] * 12 + [["d09"]] * 10)
    assert tied_at_last_seat(poll) == []
    zh = poll_outcome(poll, Names(Directory()))
    assert "1 个席位无人得票超过规定数（须超过全体代表 30 名的半数），须另行选举" in zh
    assert "得票相等" not in zh


def test_an_election_that_fills_every_seat_names_no_vacancy() -> None:
    poll = tallied(PollKind.ELECTION, [["d05"]] * 18 + [["d09"]] * 7)
    zh = poll_outcome(poll, Names(Directory()))
    assert zh == "当选：孙丽娟（d05）。得票：张秀英 0 票，孙丽娟 18 票，冯立军 7 票"
    assert "另行选举" not in zh


def test_an_appraisal_rate_is_a_percentage_of_the_ballots(lang) -> None:
    ballots = [["satisfied"]] * 16 + [["basically_satisfied"]] * 4 + [["dissatisfied"]] * 5
    poll = tallied(PollKind.APPRAISAL, ballots)
    zh = poll_outcome(poll, Names(Directory()))
    assert zh.startswith("满意率 80.0%（满意和基本满意 20 票，共 25 票")
    assert "20/25" not in zh
    lang.code = "en"
    assert poll_outcome(poll, Names(Directory())).startswith("satisfaction 80.0% (20 of 25 ballots")


def test_an_appraisal_rate_rounds_to_one_decimal() -> None:
    poll = tallied(PollKind.APPRAISAL, [["satisfied"]] * 2 + [["dissatisfied"]])
    assert poll_outcome(poll, Names(Directory())).startswith("满意率 66.7%")


def test_a_set_aside_item_reads_set_aside_with_its_reason_not_unvoted(lang, capsys) -> None:
    from datetime import date

    from domain.session import AgendaItem, ItemOutcome, SessionKind, SessionView
    from interfaces.cli import _common
    from interfaces.cli.sessions import _print_results

    view = SessionView(
        session_id="c:s1",
        congress_key="c",
        unit_org="dl-bearing",
        unit_path=["dl-city", "dl-bearing"],
        kind=SessionKind.REGULAR,
        agenda=[
            AgendaItem(no=1, title="审议集体合同", kind=ItemKind.APPROVAL),
            AgendaItem(no=2, title="审议福利方案", kind=ItemKind.APPROVAL),
        ],
        papers_sent_on=date(2026, 11, 1),
        opens_on=date(2026, 11, 8),
        status="open",
        outcomes=[
            ItemOutcome(
                item_no=1, poll_key="c:s1:item1", summary="", set_aside=True, reason="材料不全"
            )
        ],
    )
    _common.console.width = 200
    _print_results(view, [None, None], Names(Directory()))
    out = capsys.readouterr().out.splitlines()
    rows = {
        title: next(line for line in out if title in line)
        for title in ("审议集体合同", "审议福利方案")
    }
    assert "已搁置" in rows["审议集体合同"] and "材料不全" in rows["审议集体合同"]
    assert "未表决" in rows["审议福利方案"] and "已搁置" not in rows["审议福利方案"]
