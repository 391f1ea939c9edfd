"""The motion aggregate without Temporal: one matter, seconders, lapse, decision, handling."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

import pytest
from pydantic import ValidationError

from application.profiles import load_profile
from domain.actors import CHINA_TZ, Acting, CommandMeta, Role, system_acting
from domain.calendar import add_months
from domain.errors import InvalidInput, InvalidState, NotAuthorised
from domain.motion import (
    AnswerMotion,
    AssignMotion,
    CloseSeconding,
    DecideMotion,
    Decision,
    ExtendAnswer,
    FileMotion,
    FlagAnswerOverdue,
    Motion,
    MotionCall,
    MotionCallView,
    MotionFacts,
    RateAnswer,
    Rating,
    RemindAnswer,
    SecondMotion,
    Stage,
    parse_rating,
    precheck,
)

PROFILE = load_profile("liaoning")
UNIT, UNIT_PATH = "dl-bearing", ["dl-city", "dl-ganjingzi", "dl-bearing"]
OPENED = date(2026, 3, 2)
SESSION = date(2026, 4, 1)  # the call is open 2 March to 31 March


def acting(actor_id: str, role: Role, org: str = UNIT) -> Acting:
    return Acting(actor_id=actor_id, role=role, roles=[role], org_id=org)


CADRE = acting("wang.li", Role.CADRE)
OTHER_CADRE = acting("zhao.min", Role.CADRE, "dl-garment")
PROPOSER = acting("liu.qiang", Role.DELEGATE)
D1, D2, D3 = (acting(f"dlb-d0{n}", Role.DELEGATE) for n in (1, 2, 3))
HR = acting("hr.dept", Role.DEPARTMENT)
SAFETY = acting("safety.dept", Role.DEPARTMENT)
SYSTEM = system_acting()
DEPARTMENTS = MotionFacts(departments={"hr.dept": UNIT, "safety.dept": UNIT})
DELEGATE = MotionFacts(delegate=True)


def meta(who: Acting, day: date) -> CommandMeta:
    return CommandMeta(
        command_id=str(uuid.uuid4()),
        acting=who,
        occurred_at=datetime.combine(day, time(10), tzinfo=CHINA_TZ),
    )


def call(opened: date = OPENED, session: date = SESSION) -> MotionCallView:
    return MotionCall.open(
        "dl-bearing-6:call",
        meta(CADRE, opened),
        congress_key="dl-bearing-6",
        unit_org=UNIT,
        unit_path=UNIT_PATH,
        session_on=session,
        profile=PROFILE,
    ).view()


def matter(title: str = "改善一车间通风条件", **kw: str) -> FileMotion:
    return FileMotion(
        title=title,
        reasons=kw.get("reasons", "夏季车间温度过高，影响职工健康"),
        proposal=kw.get("proposal", "加装排风设备，调整作息时间"),
    )


def filed(day: date = date(2026, 3, 10)) -> Motion:
    return Motion.file(
        "M-1", matter(), meta(PROPOSER, day), call=call(), is_delegate=True, profile=PROFILE
    )


def seconded(n: int = 2) -> Motion:
    motion = filed()
    for who in (D1, D2, D3)[:n]:
        motion.handle(
            SecondMotion(), meta(who, date(2026, 3, 12)), today=date(2026, 3, 12), facts=DELEGATE
        )
    return motion


def run(motion: Motion, command: object, who: Acting, day: date, facts=None) -> None:
    motion.handle(command, meta(who, day), today=day, facts=facts)


def in_handling(assigned_on: date = date(2026, 4, 10)) -> Motion:
    motion = seconded()
    run(motion, CloseSeconding(), SYSTEM, SESSION)
    run(motion, DecideMotion(decision=Decision.FILE), CADRE, date(2026, 4, 3))
    run(
        motion,
        AssignMotion(lead="hr.dept", supporting=["safety.dept"]),
        CADRE,
        assigned_on,
        DEPARTMENTS,
    )
    return motion


def answered() -> Motion:
    motion = in_handling()
    run(motion, AnswerMotion(text="已加装排风设备四台"), HR, date(2026, 5, 20))
    return motion


# -- the call ------------------------------------------------------------------------------


def test_a_call_closes_on_the_session_day_and_a_late_call_is_recorded_not_refused():
    early, late = call(), call(opened=date(2026, 3, 20))
    assert (early.closes_on, early.notice_days, early.short_notice) == (SESSION, 30, False)
    assert (late.closes_on, late.notice_days, late.short_notice) == (SESSION, 12, True)
    assert early.is_open(date(2026, 3, 31)) and not early.is_open(SESSION)


def test_only_a_cadre_of_the_unit_opens_a_call_and_only_before_the_session():
    with pytest.raises(NotAuthorised):
        MotionCall.open(
            "k",
            meta(OTHER_CADRE, OPENED),
            congress_key="c",
            unit_org=UNIT,
            unit_path=UNIT_PATH,
            session_on=SESSION,
            profile=PROFILE,
        )
    with pytest.raises(InvalidInput, match="须晚于今天"):
        call(opened=SESSION)


# -- filing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("motion", "message"),
    [
        (matter(title="改善通风\n并提高夜班补贴"), "一案一事"),
        (matter(title="改" * 61), "一案一事"),
    ],
)
def test_a_motion_is_one_matter_with_a_title_reasons_and_a_proposal(motion, message):
    for blank in ({"title": "  "}, {"reasons": " "}, {"proposal": ""}):
        with pytest.raises(ValidationError, match="blank"):
            matter(**blank)
    with pytest.raises(InvalidInput, match=message):
        Motion.file(
            "M-1",
            motion,
            meta(PROPOSER, date(2026, 3, 10)),
            call=call(),
            is_delegate=True,
            profile=PROFILE,
        )


def test_only_a_delegate_in_office_files_and_only_inside_the_window():
    with pytest.raises(NotAuthorised, match="在任代表"):
        Motion.file(
            "M-1",
            matter(),
            meta(PROPOSER, date(2026, 3, 10)),
            call=call(),
            is_delegate=False,
            profile=PROFILE,
        )
    with pytest.raises(NotAuthorised):
        Motion.file(
            "M-1",
            matter(),
            meta(CADRE, date(2026, 3, 10)),
            call=call(),
            is_delegate=True,
            profile=PROFILE,
        )
    with pytest.raises(InvalidState, match="截止"):
        Motion.file(
            "M-1", matter(), meta(PROPOSER, SESSION), call=call(), is_delegate=True, profile=PROFILE
        )
    view = filed().view()
    assert (view.stage, view.proposer, view.closes_on) == (Stage.SECONDING, "liu.qiang", SESSION)
    assert (view.rules.seconders_min, view.rules.answer_months) == (2, 3)


# -- seconding -----------------------------------------------------------------------------


def test_seconders_are_other_delegates_of_the_congress_each_once():
    motion = filed()
    day = date(2026, 3, 11)
    with pytest.raises(NotAuthorised, match="自己"):
        run(motion, SecondMotion(), PROPOSER, day, DELEGATE)
    with pytest.raises(NotAuthorised, match="在任代表"):
        run(motion, SecondMotion(), D1, day, MotionFacts(delegate=False))
    with pytest.raises(NotAuthorised):
        run(motion, SecondMotion(), CADRE, day, DELEGATE)
    run(motion, SecondMotion(), D1, day, DELEGATE)
    with pytest.raises(InvalidState, match="已附议"):
        run(motion, SecondMotion(), D1, day, DELEGATE)
    assert motion.view().seconders == ["dlb-d01"]


def test_seconding_after_the_window_is_refused():
    with pytest.raises(InvalidState, match="截止"):
        run(filed(), SecondMotion(), D1, SESSION, DELEGATE)


def test_too_few_seconders_lapse_when_the_window_closes():
    motion = seconded(1)
    with pytest.raises(InvalidState, match="未满"):
        run(motion, CloseSeconding(), SYSTEM, SESSION - timedelta(days=1))
    run(motion, CloseSeconding(), SYSTEM, SESSION)
    assert motion.view().stage is Stage.LAPSED and motion.view().terminal


def test_enough_seconders_go_to_the_committee_when_the_window_closes():
    motion = seconded(2)
    run(motion, CloseSeconding(), SYSTEM, SESSION)
    assert motion.view().stage is Stage.AWAITING_DECISION
    with pytest.raises(NotAuthorised):
        run(motion, CloseSeconding(), CADRE, SESSION)  # people do not close windows


# -- the committee -------------------------------------------------------------------------


def test_rejecting_a_motion_needs_written_reasons():
    motion = seconded()
    run(motion, CloseSeconding(), SYSTEM, SESSION)
    with pytest.raises(InvalidInput, match="理由"):
        run(motion, DecideMotion(decision=Decision.REJECT, reasons="  "), CADRE, SESSION)
    with pytest.raises(NotAuthorised):
        run(
            motion,
            DecideMotion(decision=Decision.REJECT, reasons="不属于职代会职权"),
            OTHER_CADRE,
            SESSION,
        )
    run(motion, DecideMotion(decision=Decision.REJECT, reasons="不属于职代会职权"), CADRE, SESSION)
    view = motion.view()
    assert (view.stage, view.decision_reasons, view.decided_by) == (
        Stage.REJECTED,
        "不属于职代会职权",
        "wang.li",
    )


def test_only_departments_of_the_unit_are_assigned_and_the_lead_is_not_also_supporting():
    motion = seconded()
    run(motion, CloseSeconding(), SYSTEM, SESSION)
    run(motion, DecideMotion(decision=Decision.FILE), CADRE, SESSION)
    with pytest.raises(InvalidInput, match="承办部门"):
        run(motion, AssignMotion(lead="liu.qiang"), CADRE, SESSION, DEPARTMENTS)
    with pytest.raises(InvalidInput, match="重复"):
        run(
            motion,
            AssignMotion(lead="hr.dept", supporting=["hr.dept"]),
            CADRE,
            SESSION,
            DEPARTMENTS,
        )
    elsewhere = MotionFacts(departments={"hr.dept": "dl-garment"})
    with pytest.raises(InvalidInput, match="承办部门"):
        run(motion, AssignMotion(lead="hr.dept"), CADRE, SESSION, elsewhere)


def test_assignment_sets_the_answer_due_three_months_on_with_a_reminder_a_week_before():
    view = in_handling(date(2026, 4, 10)).view()
    assert (view.stage, view.lead_department, view.supporting_departments) == (
        Stage.IN_HANDLING,
        "hr.dept",
        ["safety.dept"],
    )
    assert (view.due, view.reminder_on) == (date(2026, 7, 10), date(2026, 7, 3))


# -- the lead department -------------------------------------------------------------------


def test_only_the_assigned_lead_department_answers():
    motion = in_handling()
    for who in (SAFETY, CADRE, PROPOSER):
        with pytest.raises(NotAuthorised, match="承办部门"):
            run(motion, AnswerMotion(text="已办理"), who, date(2026, 5, 1))
    with pytest.raises(ValidationError, match="blank"):
        AnswerMotion(text=" ")
    run(motion, AnswerMotion(text="已加装排风设备"), HR, date(2026, 5, 1))
    assert motion.view().stage is Stage.ANSWERED and not motion.view().answers[0].late


def test_one_extension_only_moves_the_due_date_by_a_month():
    motion = in_handling(date(2026, 4, 10))
    run(motion, ExtendAnswer(reason="设备采购周期长"), HR, date(2026, 6, 1))
    view = motion.view()
    assert (view.due, view.reminder_on, view.extended) == (
        date(2026, 8, 10),
        date(2026, 8, 3),
        True,
    )
    with pytest.raises(InvalidState, match="一次"):
        run(motion, ExtendAnswer(reason="再延一个月"), HR, date(2026, 6, 2))


def test_an_extension_is_refused_once_the_answer_is_overdue():
    motion = in_handling(date(2026, 4, 10))
    with pytest.raises(InvalidState, match="已过"):
        run(motion, ExtendAnswer(reason="来不及"), HR, date(2026, 7, 11))


def test_an_overdue_answer_is_escalated_to_the_chair_and_the_motion_stays_open():
    motion = in_handling(date(2026, 4, 10))
    with pytest.raises(InvalidState, match="未到"):
        run(motion, FlagAnswerOverdue(), SYSTEM, date(2026, 7, 10))
    run(motion, RemindAnswer(), SYSTEM, date(2026, 7, 3))
    run(motion, FlagAnswerOverdue(), SYSTEM, date(2026, 7, 11))
    view = motion.view()
    assert (view.reminded, view.overdue, view.escalated_to, view.stage) == (
        True,
        True,
        "wang.li",
        Stage.IN_HANDLING,
    )
    run(motion, AnswerMotion(text="迟到的答复"), HR, date(2026, 7, 20))
    assert motion.view().answers[-1].late


# -- the proposer's rating -----------------------------------------------------------------


def test_only_the_proposer_rates_the_answer():
    motion = answered()
    for who in (D1, CADRE, HR):
        with pytest.raises(NotAuthorised, match="提案人"):
            run(motion, RateAnswer(rating=Rating.SATISFIED), who, date(2026, 5, 25))
    run(motion, RateAnswer(rating=Rating.BASICALLY_SATISFIED), PROPOSER, date(2026, 5, 25))
    view = motion.view()
    assert (view.stage, view.rating, view.closed_on) == (
        Stage.CLOSED,
        Rating.BASICALLY_SATISFIED,
        date(2026, 5, 25),
    )


def test_dissatisfied_sends_the_motion_back_for_rehandling_with_a_new_due_date():
    motion = answered()
    rated_on = date(2026, 5, 25)
    run(motion, RateAnswer(rating=Rating.DISSATISFIED, opinion="未解决二车间"), PROPOSER, rated_on)
    view = motion.view()
    assert (view.stage, view.handling_round, view.due) == (
        Stage.IN_HANDLING,
        2,
        add_months(rated_on, 3),
    )
    assert view.answers[0].rating is Rating.DISSATISFIED and view.closed_on is None
    run(motion, AnswerMotion(text="二车间也已加装"), HR, date(2026, 6, 20))
    run(motion, RateAnswer(rating=Rating.SATISFIED), PROPOSER, date(2026, 6, 21))
    view = motion.view()
    assert view.stage is Stage.CLOSED and [a.round for a in view.answers] == [1, 2]


def test_a_step_at_the_wrong_stage_is_refused_by_the_shared_precheck():
    view = filed().view()
    with pytest.raises(InvalidState, match="征集附议中"):
        precheck("decide", CADRE, view)


def test_ratings_are_read_in_chinese_or_english():
    assert parse_rating("不满意") is Rating.DISSATISFIED
    assert parse_rating("basically_satisfied") is Rating.BASICALLY_SATISFIED
    assert parse_rating("很好") is None
