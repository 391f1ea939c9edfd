"""What a person types is trimmed and bounded once, in the domain (issue 7, point 13)."""

from __future__ import annotations

import math
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from domain.actors import CommandMeta, Role
from domain.congress import Delegate, DelegateCategory, Gender
from domain.directory import ActorSpec
from domain.errors import InvalidInput
from domain.motion import AnswerMotion, FileMotion
from domain.session import AgendaItem
from domain.text import LONG_MAX, MAX_DAYS, NAME_MAX, SHORT_MAX, invalid_input
from domain.wage_contract import (
    FileContract,
    Negotiator,
    OpenCase,
    PublishContract,
    RecordObjection,
    RecordReply,
    RecordTalksRound,
    Side,
    SuspendTalks,
    TellerCount,
    VoteCount,
    WageContractView,
)
from tests.wage_contract.unit.test_wage_contract import CADRE, in_talks, meta
from workflows.congress_session import OpenPollCommand

OFFER = {
    "case_id": "WC-1",
    "unit_org": "dl-bearing",
    "employer": "大连轴承厂",
    "year": 2026,
    "offer_place": "工会会议室",
    "offer_content": "工资协商要约",
}
DELEGATE = {
    "id": "d01",
    "name": "刘强",
    "constituency": "一车间",
    "category": DelegateCategory.FRONTLINE,
    "gender": Gender.MALE,
}
COUNT = VoteCount(total_delegates=30, present=25, votes_for=20, votes_against=3, abstentions=2)

# (model, the field a person types, valid values of the other fields, its longest length)
TYPED_FIELDS: list[tuple[type[BaseModel], str, dict[str, Any], int]] = [
    (OpenCase, "employer", OFFER, NAME_MAX),
    (OpenCase, "offer_place", OFFER, SHORT_MAX),
    (OpenCase, "offer_content", OFFER, LONG_MAX),
    (RecordReply, "content", {}, LONG_MAX),
    (RecordTalksRound, "minutes", {}, LONG_MAX),
    (SuspendTalks, "reason", {"days": 5}, SHORT_MAX),
    (FileContract, "office", {"copies": 3}, SHORT_MAX),
    (RecordObjection, "text", {}, LONG_MAX),
    (PublishContract, "channel", {}, SHORT_MAX),
    (Negotiator, "name", {"side": Side.UNION}, NAME_MAX),
    (TellerCount, "teller", {"count": COUNT}, NAME_MAX),
    (FileMotion, "title", {"reasons": "理由", "proposal": "建议"}, LONG_MAX),
    (FileMotion, "reasons", {"title": "案由", "proposal": "建议"}, LONG_MAX),
    (AnswerMotion, "text", {}, LONG_MAX),
    (Delegate, "name", DELEGATE, NAME_MAX),
    (Delegate, "constituency", DELEGATE, SHORT_MAX),
    (AgendaItem, "title", {"no": 1, "kind": "approval"}, SHORT_MAX),
    (ActorSpec, "name", {"id": "x", "org": "dl-bearing", "roles": [Role.CADRE]}, NAME_MAX),
]


@pytest.mark.parametrize(("model", "field", "others", "longest"), TYPED_FIELDS)
def test_text_fields_are_trimmed_and_bounded(
    model: type[BaseModel], field: str, others: dict[str, Any], longest: int
) -> None:
    def build(value: str) -> BaseModel:
        return model.model_validate({**others, field: value})

    assert getattr(build("  车间 A \n"), field) == "车间 A"
    assert len(getattr(build("字" * longest), field)) == longest
    for bad in ("", "   ", "\n\t", "字" * (longest + 1), "甲\x00乙", "甲\x1b[31m乙"):
        with pytest.raises(ValidationError):
            build(bad)
    # 10,000 characters is no name, and no title; minutes may be longer, but not unbounded.
    with pytest.raises(ValidationError):
        build("字" * max(10_000, longest + 1))


def test_optional_text_is_trimmed_and_bounded_but_may_be_empty() -> None:
    base = meta(CADRE, OFFER_DAY).model_dump()

    def comment(text: str) -> str:
        return CommandMeta.model_validate({**base, "comment": text}).comment

    assert comment("  说明  ") == "说明"
    assert comment("   ") == ""
    with pytest.raises(ValidationError):
        comment("字" * (LONG_MAX + 1))


@pytest.mark.parametrize(
    ("model", "field", "bad"),
    [
        (SuspendTalks, "days", [0, -3, MAX_DAYS + 1]),
        (FileContract, "copies", [-1, 0, 101]),
        (OpenPollCommand, "minutes", [math.inf, -math.inf, math.nan, 0.0, -5.0, 1e9]),
    ],
)
def test_numbers_are_bounded(model: type[BaseModel], field: str, bad: list[float]) -> None:
    others: dict[str, Any] = {
        SuspendTalks: {"reason": "僵局"},
        FileContract: {"office": "劳动局"},
        OpenPollCommand: {"acting": meta(CADRE, OFFER_DAY).acting, "item_no": 1},
    }[model]
    model.model_validate({**others, field: 5})
    for value in bad:
        with pytest.raises(ValidationError):
            model.model_validate({**others, field: value})


def test_a_refused_model_is_the_invalid_input_refusal_naming_the_field() -> None:
    with pytest.raises(ValidationError) as caught:
        RecordTalksRound(minutes="   ")
    refusal = invalid_input(caught.value)
    assert isinstance(refusal, InvalidInput)
    assert refusal.message("zh") == "输入无效：minutes：不能为空"
    assert refusal.message("en") == "invalid input: minutes: must not be blank"


def test_stored_events_load_as_stored_whatever_todays_bounds() -> None:
    """A name accepted before the bounds existed is a fact: its case still rebuilds."""
    case = in_talks()
    events = case.agg.collect_events()
    appointed = next(e for e in events if type(e).__name__ == "NegotiatorsAppointed")
    old_names = [" ", "字" * 10_000]
    stored = [
        {**n, "name": name} for n, name in zip(appointed.negotiators, old_names, strict=False)
    ]
    object.__setattr__(appointed, "negotiators", stored + appointed.negotiators[2:])
    rebuilt = None
    for event in events:
        rebuilt = event.mutate(rebuilt)
    assert rebuilt is not None
    view: WageContractView = rebuilt.view()
    assert [n.name for n in view.negotiators[:2]] == old_names
    with pytest.raises(ValidationError):  # ...while the same name typed today is refused
        Negotiator(name=" ", side=Side.UNION)


OFFER_DAY = in_talks().today
