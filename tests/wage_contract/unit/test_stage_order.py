"""Order is protected (issue 7, point 7): adoption only after approval, signing only after
adoption (a passed vote), filing only after signing. Each edge is tried at every other
stage, so relaxing the stage table in ``permissions.RULES`` (or the guards behind it) fails
here."""

from __future__ import annotations

from typing import Any

import pytest

from domain.errors import InvalidState
from domain.wage_contract import (
    FileContract,
    RecordAdoptionFromPoll,
    RecordAdoptionVote,
    RequestAdoptionPoll,
    SignContract,
    Stage,
    precheck,
)
from tests.wage_contract.unit.builders import adopted, approved, signed
from tests.wage_contract.unit.test_wage_contract import (
    CADRE,
    SYSTEM,
    Case,
    congress_votes,
    count,
    in_talks,
    under_review,
)

PASSING = count(30, 30, 20)
EDGES: list[tuple[str, Any, Stage]] = [
    ("adoption vote only after approval", RecordAdoptionVote.agreed(PASSING), Stage.APPROVED),
    (
        "adoption poll only after approval",
        RequestAdoptionPoll(session_id="s", item_no=1),
        Stage.APPROVED,
    ),
    ("signing only after adoption", SignContract(), Stage.ADOPTED),
    ("filing only after signing", FileContract(copies=3, office="人社局"), Stage.SIGNED),
]
CASES = [
    (name, command, allowed, stage)
    for name, command, allowed in EDGES
    for stage in Stage
    if stage is not allowed
]


@pytest.mark.parametrize(
    ("command", "stage"),
    [(c, s) for _, c, _, s in CASES],
    ids=[f"{n}: not at {s.value}" for n, _, _, s in CASES],
)
def test_order_edge_is_refused_at_every_other_stage(command: Any, stage: Stage) -> None:
    view = Case().agg.view().model_copy(update={"stage": stage})
    with pytest.raises(InvalidState):
        precheck(command.kind, CADRE, view)


@pytest.mark.parametrize("stage", [s for s in Stage if s is not Stage.APPROVED], ids=str)
def test_adoption_from_a_congress_poll_is_refused_before_approval(stage: Stage) -> None:
    view = Case().agg.view().model_copy(update={"stage": stage})
    with pytest.raises(InvalidState):
        precheck(RecordAdoptionFromPoll(poll_key="s:item1").kind, SYSTEM, view)


def test_each_edge_is_allowed_at_its_own_stage() -> None:
    """The other half of the table: the step is open exactly where the process needs it."""
    case = approved()
    congress_votes(case, PASSING)
    assert case.stage is Stage.ADOPTED
    case.do(CADRE, SignContract())
    assert case.stage is Stage.SIGNED
    case.do(CADRE, FileContract(copies=3, office="人社局"))
    assert case.stage is Stage.FILED


@pytest.mark.parametrize(
    ("build", "command"),
    [
        (in_talks, RecordAdoptionVote.agreed(PASSING)),
        (under_review, RecordAdoptionVote.agreed(PASSING)),
        (under_review, SignContract()),
        (approved, SignContract()),
        (approved, FileContract(copies=3, office="人社局")),
        (adopted, FileContract(copies=3, office="人社局")),
        (signed, SignContract()),
    ],
    ids=[
        "vote in talks",
        "vote under review",
        "sign under review",
        "sign before the vote",
        "file before the vote",
        "file before signing",
        "sign twice",
    ],
)
def test_a_case_out_of_order_refuses_the_step_and_writes_nothing(build: Any, command: Any) -> None:
    build().refused(CADRE, command, InvalidState)


def test_a_failed_vote_does_not_open_signing() -> None:
    case = approved()
    congress_votes(case, count(30, 30, 15))  # exactly half: not adopted
    assert case.stage is Stage.IN_TALKS
    case.refused(CADRE, SignContract(), InvalidState)


def test_signing_and_filing_check_the_passed_vote_itself_not_only_the_stage() -> None:
    """Behind the stage table: a case forced to ADOPTED without a passed vote is refused."""
    case = approved()
    case.agg.s.stage = Stage.ADOPTED  # as a corrupted or mis-migrated view would be
    error = case.refused(CADRE, SignContract(), InvalidState)
    assert "表决通过" in str(error)
    case = approved()
    case.agg.s.stage = Stage.SIGNED
    case.refused(CADRE, FileContract(copies=3, office="人社局"), InvalidState)
