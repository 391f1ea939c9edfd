"""The congress aggregate without services: term length, roster changes, composition."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time

import pytest

from application.profiles import load_profile
from domain.actors import CHINA_TZ, Acting, CommandMeta, Role, system_acting
from domain.congress import (
    Congress,
    CongressView,
    Delegate,
    DelegateCategory,
    Gender,
    composition_checks,
)
from domain.errors import InvalidInput, InvalidState, NotAuthorised

PROFILE = load_profile("national")
UNIT_PATH = ["dl-city", "dl-ganjingzi", "dl-bearing"]
START = date(2024, 3, 15)


def acting(actor_id: str, role: Role, org: str) -> Acting:
    return Acting(actor_id=actor_id, role=role, roles=[role], org_id=org)


CADRE = acting("wang.li", Role.CADRE, "dl-bearing")
OTHER_CADRE = acting("zhao.min", Role.CADRE, "dl-garment")
DELEGATE = acting("liu.qiang", Role.DELEGATE, "dl-bearing")


def meta(who: Acting = CADRE) -> CommandMeta:
    return CommandMeta(
        command_id=str(uuid.uuid4()),
        acting=who,
        occurred_at=datetime.combine(date(2024, 3, 15), time(10), tzinfo=CHINA_TZ),
    )


def create(term_end: date = date(2029, 3, 14), who: Acting = CADRE) -> Congress:
    return Congress.create(
        "dl-bearing-6", "dl-bearing", UNIT_PATH, 6, START, term_end, PROFILE, meta(who)
    )


def delegate(
    n: int,
    category: DelegateCategory = DelegateCategory.FRONTLINE,
    gender: Gender = Gender.MALE,
) -> Delegate:
    return Delegate(
        id=f"dlb-d{n:02d}",
        name=f"代表{n}",
        constituency="一车间",
        category=category,
        gender=gender,
    )


def roster(managers: int, total: int = 30, women: int = 0) -> list[Delegate]:
    return [
        delegate(
            n,
            DelegateCategory.MANAGER if n <= managers else DelegateCategory.FRONTLINE,
            Gender.FEMALE if n > total - women else Gender.MALE,
        )
        for n in range(1, total + 1)
    ]


def with_roster(managers: int = 2) -> Congress:
    congress = create()
    congress.import_roster(roster(managers), "roster.csv", meta())
    return congress


def check(view: CongressView, code: str):
    return next(c for c in composition_checks(view, PROFILE) if c.code == code)


# -- term ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "term_end",
    [date(2027, 3, 14), date(2028, 1, 1), date(2029, 3, 14)],
    ids=["exactly-3-years", "between", "exactly-5-years"],
)
def test_a_term_of_three_to_five_years_is_accepted(term_end: date):
    view = create(term_end).view()
    assert (view.term_start, view.term_end, view.version) == (START, term_end, 1)
    assert view.profile_fingerprint == PROFILE.fingerprint()


@pytest.mark.parametrize(
    "term_end",
    [date(2027, 3, 13), date(2029, 3, 15), date(2024, 3, 14)],
    ids=["a-day-short-of-3-years", "a-day-past-5-years", "ends-before-it-starts"],
)
def test_a_term_outside_three_to_five_years_is_refused(term_end: date):
    with pytest.raises(InvalidInput, match="任期须为3至5年"):
        create(term_end)


def test_a_term_from_29_february_may_end_on_27_february_three_years_on():
    congress = Congress.create(
        "k", "dl-bearing", UNIT_PATH, 1, date(2024, 2, 29), date(2027, 2, 27), PROFILE, meta()
    )
    assert congress.view().term_end == date(2027, 2, 27)


def test_only_a_cadre_of_the_unit_sets_up_a_term():
    with pytest.raises(NotAuthorised):
        create(who=OTHER_CADRE)
    with pytest.raises(NotAuthorised):
        create(who=DELEGATE)


# -- roster ----------------------------------------------------------------------------------


def test_an_imported_roster_counts_its_delegates_in_office():
    view = with_roster().view()
    assert view.total() == 30 and view.version == 2
    assert view.delegate("dlb-d07") == delegate(7)


def test_ids_repeated_in_a_batch_are_all_named_and_nothing_is_recorded():
    congress = create()
    batch = [delegate(1), delegate(2), delegate(1), delegate(3), delegate(3)]
    with pytest.raises(InvalidInput) as refused:
        congress.import_roster(batch, "roster.csv", meta())
    assert "dlb-d01" in str(refused.value) and "dlb-d03" in str(refused.value)
    assert "dlb-d02" not in str(refused.value)
    assert congress.version == 1 and congress.view().delegates == []


def test_ids_already_on_the_roster_are_all_named_and_nothing_is_recorded():
    congress = with_roster()
    batch = [delegate(31), delegate(5), delegate(32), delegate(9)]
    with pytest.raises(InvalidInput, match="已在名册中：dlb-d05, dlb-d09"):
        congress.import_roster(batch, "more.csv", meta())
    assert congress.version == 2 and congress.view().total() == 30


def test_a_former_delegates_id_cannot_name_a_new_delegate():
    congress = with_roster()
    congress.recall_delegate("dlb-d05", "调离本单位", meta())
    with pytest.raises(InvalidInput, match="dlb-d05"):
        congress.import_roster([delegate(5)], "again.csv", meta())


def test_an_empty_roster_is_refused():
    with pytest.raises(InvalidInput):
        create().import_roster([], "empty.csv", meta())


@pytest.mark.parametrize("reason", ["", "   "])
def test_replacing_or_recalling_needs_a_reason(reason: str):
    congress = with_roster()
    with pytest.raises(InvalidInput, match="理由"):
        congress.replace_delegate("dlb-d01", delegate(31), reason, meta())
    with pytest.raises(InvalidInput, match="理由"):
        congress.recall_delegate("dlb-d01", reason, meta())
    assert congress.version == 2


def test_a_replaced_delegate_stays_on_the_roster_out_of_office():
    congress = with_roster()
    congress.replace_delegate("dlb-d01", delegate(31), "退休", meta())
    view = congress.view()
    assert view.delegate("dlb-d01") is None and view.delegate("dlb-d31") is not None
    assert [d.id for d in view.delegates if not d.active] == ["dlb-d01"]
    assert view.total() == 30


def test_a_recalled_delegate_leaves_the_presidium_and_the_count():
    congress = with_roster()
    congress.elect_presidium(["dlb-d10", "dlb-d11"], meta())
    congress.recall_delegate("dlb-d10", "严重违纪", meta())
    view = congress.view()
    assert view.total() == 29 and view.presidium == ["dlb-d11"]


def test_only_a_delegate_in_office_can_be_replaced_or_recalled():
    congress = with_roster()
    congress.recall_delegate("dlb-d04", "调离", meta())
    with pytest.raises(InvalidInput, match="dlb-d04"):
        congress.recall_delegate("dlb-d04", "again", meta())
    with pytest.raises(InvalidInput, match="nobody"):
        congress.replace_delegate("nobody", delegate(31), "退休", meta())


def test_the_roster_cannot_change_while_a_session_sits():
    congress = with_roster()
    congress.begin_session("dl-bearing-6:2026-1", meta(system_acting()))
    with pytest.raises(InvalidState, match="闭会期间"):
        congress.replace_delegate("dlb-d01", delegate(31), "退休", meta())
    with pytest.raises(InvalidState, match="闭会期间"):
        congress.recall_delegate("dlb-d01", "调离", meta())
    with pytest.raises(InvalidState, match="闭会期间"):
        congress.import_roster([delegate(31)], "late.csv", meta())
    congress.end_session("dl-bearing-6:2026-1", meta(system_acting()))
    congress.recall_delegate("dlb-d01", "调离", meta())
    assert congress.view().delegate("dlb-d01") is None


def test_a_second_concurrent_session_is_refused():
    congress = with_roster()
    congress.begin_session("s1", meta())
    congress.begin_session("s1", meta())  # the same session again changes nothing
    assert congress.version == 3
    with pytest.raises(InvalidState, match="s1"):
        congress.begin_session("s2", meta())
    with pytest.raises(InvalidState, match="s2"):
        congress.end_session("s2", meta())
    congress.end_session("s1", meta())
    congress.begin_session("s2", meta())
    assert congress.view().sitting == "s2"


def test_a_session_needs_delegates():
    with pytest.raises(InvalidState):
        create().begin_session("s1", meta())


def test_only_the_units_cadre_changes_the_roster():
    congress = with_roster()
    with pytest.raises(NotAuthorised):
        congress.recall_delegate("dlb-d01", "调离", meta(OTHER_CADRE))
    with pytest.raises(NotAuthorised):
        congress.import_roster([delegate(31)], "x.csv", meta(DELEGATE))
    with pytest.raises(NotAuthorised):
        congress.begin_session("s1", meta(DELEGATE))


# -- presidium -------------------------------------------------------------------------------


def test_presidium_members_must_be_delegates_in_office():
    congress = with_roster()
    congress.recall_delegate("dlb-d03", "调离", meta())
    with pytest.raises(InvalidInput, match="dlb-d03, outsider"):
        congress.elect_presidium(["dlb-d01", "dlb-d03", "outsider"], meta())
    with pytest.raises(InvalidInput, match="dlb-d01"):
        congress.elect_presidium(["dlb-d01", "dlb-d01"], meta())
    with pytest.raises(InvalidInput):
        congress.elect_presidium([], meta())
    assert congress.view().presidium == []
    congress.elect_presidium(["dlb-d01", "dlb-d02"], meta())
    assert congress.view().presidium == ["dlb-d01", "dlb-d02"]


# -- composition -----------------------------------------------------------------------------


def test_six_managers_of_thirty_is_exactly_the_fifth_allowed():
    result = check(with_roster(managers=6).view(), "managers")
    assert result.hard and result.passed and result.detail == "管理人员 6/30"


def test_seven_managers_of_thirty_is_too_many():
    result = check(with_roster(managers=7).view(), "managers")
    assert result.hard and not result.passed


def test_a_presidium_half_workers_passes():
    congress = with_roster(managers=6)
    # dlb-d01..06 are managers; a technician counts as a worker here.
    congress.replace_delegate(
        "dlb-d07",
        Delegate(
            id="dlb-t01",
            name="技术员",
            constituency="机关",
            category=DelegateCategory.TECHNICIAN,
            gender=Gender.FEMALE,
        ),
        "岗位调整",
        meta(),
    )
    congress.elect_presidium(["dlb-d01", "dlb-d02", "dlb-d08", "dlb-t01"], meta())
    result = check(congress.view(), "presidium_workers")
    assert result.hard and result.passed and result.detail == "一线职工和专业技术人员 2/4"


def test_a_presidium_under_half_workers_fails():
    congress = with_roster(managers=6)
    congress.elect_presidium(["dlb-d01", "dlb-d02", "dlb-d03", "dlb-d08", "dlb-d09"], meta())
    result = check(congress.view(), "presidium_workers")
    assert result.hard and not result.passed


def test_without_a_presidium_there_is_no_presidium_check():
    codes = [c.code for c in composition_checks(with_roster().view(), PROFILE)]
    assert codes == ["managers", "women"]


def test_the_womens_share_is_shown_but_never_blocks():
    congress = create()
    congress.import_roster(roster(managers=0, women=12), "roster.csv", meta())
    result = check(congress.view(), "women")
    assert not result.hard and result.detail == "女 12/30"


def test_the_view_after_replay_equals_the_live_view():
    congress = with_roster()
    congress.elect_presidium(["dlb-d01", "dlb-d02"], meta())
    congress.replace_delegate("dlb-d02", delegate(31), "退休", meta())
    events = congress.collect_events()
    replayed = None
    for event in events:
        replayed = event.mutate(replayed)
    assert replayed is not None and replayed.view() == congress.view()
