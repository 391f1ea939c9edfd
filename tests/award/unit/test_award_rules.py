"""Award selection without Temporal: definitions as data, places, proportions (exactly at
the limit and one over), disqualifiers from ledger facts, the honours register, and a
nomination's path through "two reviews, three public notices"."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from application.award_definitions import AwardDefinitions, read_definition
from domain.actors import CHINA_TZ, Acting, CommandMeta, Role, system_acting
from domain.award import (
    AwardRound,
    Honours,
    Nomination,
    NominationStage,
    Nominee,
    NoticeLevel,
    checks,
)
from domain.award.commands import (
    ApproveList,
    CloseNominations,
    CloseNotice,
    CloseRoundNotice,
    EnterFederationNotice,
    FileObjection,
    GiveClearance,
    Nominate,
    OpenRound,
    PostUnitNotice,
    RecordCommitteeVote,
    RecordCongressApproval,
    RecordJointAgreement,
    ResolveObjection,
    ReviewNomination,
    StartRoundNotice,
    Submit,
    Withdraw,
)
from domain.award.definition import Share
from domain.award.handlers import RoundFacts
from domain.award.permissions import ApprovalPoll, NominationFacts
from domain.errors import InvalidInput, InvalidState, NotAuthorised

DEFINITIONS = AwardDefinitions()
MODEL = DEFINITIONS.get("dalian-labour-model")
MEDAL = DEFINITIONS.get("national-may-day-medal")
TODAY = date(2027, 3, 1)
CLOSE = date(2027, 3, 31)
DEPARTMENTS = {c.key: f"{c.key}.dept" for c in MODEL.clearances}


def acting(actor_id: str, role: Role, org: str) -> Acting:
    return Acting(actor_id=actor_id, role=role, roles=[role], org_id=org)


CITY_CADRE = acting("city.cadre", Role.CADRE, "dl-city")
CADRE = acting("wang.li", Role.CADRE, "dl-bearing")
OTHER_CADRE = acting("zhao.min", Role.CADRE, "dl-garment")
SUB_REVIEWER = acting("chen.jing", Role.REVIEWER, "dl-ganjingzi")
CITY_REVIEWER = acting("li.wei", Role.REVIEWER, "dl-city")
SYSTEM = system_acting()


def meta(who: Acting, day: date = TODAY) -> CommandMeta:
    return CommandMeta(
        command_id=str(uuid.uuid4()),
        acting=who,
        occurred_at=datetime.combine(day, time(10), CHINA_TZ),
    )


def nominee(n: int = 1, category: str = "industrial_worker", **kw: object) -> Nominee:
    fields: dict[str, object] = {
        "person": f"P{n:04d}",
        "name": f"候选人{n}",
        "gender": "female",
        "unit_org": "dl-bearing",
        "sub_union": "dl-ganjingzi",
        "post": "装配工",
        "category": category,
        "deeds": "技术革新三项",
        **kw,
    }
    return Nominee.model_validate(fields)


def a_round(**kw: object) -> AwardRound:
    c = OpenRound(
        round_key="dl-model-2027",
        title="2027年大连市劳动模范评选",
        definition=MODEL.key,
        nominations_close=CLOSE,
        departments=DEPARTMENTS,
    )
    return AwardRound.open(c, MODEL, "dl-city", set(DEPARTMENTS.values()), meta(CITY_CADRE), TODAY)


# -- definitions ------------------------------------------------------------------------------


def test_the_shipped_definitions_load_and_a_new_title_is_a_file(tmp_path: Path):
    assert set(DEFINITIONS.available()) >= {
        "dalian-labour-model",
        "national-may-day-medal",
        "workers-pioneer",
    }
    assert MODEL.total_places == 7 and len(MODEL.clearances) == 7
    extra = tmp_path / "dalian-teacher.yaml"
    text = (Path("domain/award_data/dalian-labour-model.yaml")).read_text(encoding="utf-8")
    extra.write_text(
        text.replace("key: dalian-labour-model", "key: dalian-teacher"), encoding="utf-8"
    )
    assert "dalian-teacher" in AwardDefinitions(tmp_path).available()
    assert AwardDefinitions(tmp_path).get("dalian-teacher").zh == MODEL.zh


def test_a_definition_with_an_error_is_refused_with_its_line_and_reason(tmp_path: Path):
    text = Path("domain/award_data/dalian-labour-model.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "dalian-labour-model.yaml"
    bad.write_text(text.replace("at_least: 0.35", "at_least: 1.35"), encoding="utf-8")
    with pytest.raises(InvalidInput) as refused:
        read_definition(bad)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "at_least: 0.35" in t)
    assert (
        f"第 {line} 行" in refused.value.message_zh
        and "shares.0.at_least" in refused.value.message_zh
    )
    wrong_name = tmp_path / "other.yaml"
    wrong_name.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput, match="file name"):
        read_definition(wrong_name)
    unknown = tmp_path / "x.yaml"
    unknown.write_text(text.replace("key: dalian-labour-model", "key: x").replace(
        "any_of: [enterprise_head]", "any_of: [boss]"), encoding="utf-8")  # fmt: skip
    with pytest.raises(InvalidInput, match="boss"):
        read_definition(unknown)


def test_a_share_needs_exactly_one_bound():
    bare = {"key": "x", "zh": "x", "en": "x", "any_of": ["a"], "source": "s"}
    with pytest.raises(ValidationError):
        Share.model_validate(bare)
    with pytest.raises(ValidationError):
        Share.model_validate({**bare, "at_least": "0.1", "at_most": "0.5"})
    assert Share.model_validate({**bare, "at_most": "0.13"}).at_most == Decimal("0.13")


# -- places and proportions --------------------------------------------------------------------


def test_places_are_counted_per_sub_union_and_the_last_one_is_refused():
    three = [nominee(n) for n in range(3)]
    checks.check_place_available(MODEL, three[:2], "dl-ganjingzi")
    with pytest.raises(InvalidState, match="名额（3 名）已用完"):
        checks.check_place_available(MODEL, three, "dl-ganjingzi")
    with pytest.raises(InvalidState, match="没有推荐名额"):
        checks.check_place_available(MODEL, [], "dl-nowhere")
    (row,) = [r for r in checks.places_report(MODEL, three) if r.sub_union == "dl-ganjingzi"]
    assert (row.places, row.used, row.left) == (3, 3, 0)


def heads(n_heads: int, total: int) -> list[Nominee]:
    return [
        nominee(i, "enterprise_head" if i < n_heads else "industrial_worker") for i in range(total)
    ]


def test_a_cap_holds_exactly_at_the_limit_and_breaks_one_over():
    definition = MODEL.model_copy(update={"places": {"dl-ganjingzi": 100}})
    at_limit = heads(13, 100)  # 13% enterprise heads: allowed (≤13%)
    checks.check_final_list(definition, at_limit)
    over = heads(14, 100)
    with pytest.raises(InvalidState) as refused:
        checks.check_final_list(definition, over)
    assert "企业负责人" in refused.value.message_zh and "≤13.0%" in refused.value.message_zh
    assert "14/100" in refused.value.message_zh and "依据" in refused.value.message_zh


def test_a_floor_holds_exactly_at_the_limit_and_breaks_one_under():
    definition = MODEL.model_copy(update={"places": {"dl-ganjingzi": 100}})
    people = [
        nominee(i, "industrial_worker" if i < 35 else "science_education") for i in range(100)
    ]
    checks.check_final_list(definition, people)  # 35% frontline: allowed (≥35%)
    people[0] = nominee(0, "science_education")
    with pytest.raises(InvalidState, match="一线职工和专业技术人员"):
        checks.check_final_list(definition, people)
    soft = [r for r in checks.shares_report(definition, people) if r.key == "migrant"]
    assert soft and not soft[0].holds and not soft[0].hard  # a soft rule only warns


def test_what_if_shows_what_approving_or_removing_does_to_each_rule():
    definition = MODEL.model_copy(update={"places": {"dl-ganjingzi": 100}})
    people = heads(1, 8)  # 1 of 8 heads = 12.5%
    head = nominee(99, "enterprise_head")
    changes = {c.after.key: c for c in checks.what_if(definition, people, head, remove=False)}
    assert changes["enterprise_heads"].breaks  # 2 of 9 = 22%
    removing = {
        c.after.key: c for c in checks.what_if(definition, [*people, head], head, remove=True)
    }
    assert removing["enterprise_heads"].mends


def test_a_list_longer_than_the_places_is_refused():
    with pytest.raises(InvalidState, match="超过名额 7 名"):
        checks.check_final_list(MODEL, [nominee(i) for i in range(8)])


# -- disqualifiers and honours ---------------------------------------------------------------------


def test_each_disqualifier_names_the_fact_it_rests_on():
    none = checks.UnitFacts(unit_org="dl-bearing")
    found = {d.fact.value: d for d in checks.disqualifications(MODEL, none, TODAY)}
    assert set(found) == {"no_wage_contract_in_force", "no_congress_in_term"}
    assert found["no_wage_contract_in_force"].rests_on is None  # no record at all
    lapsed = checks.FactRef(record="WC-2024-001", event="WageContract.Expired", detail="已到期")
    term = checks.FactRef(record="dl-bearing-6", event="Congress.Created")
    accident = checks.FactRef(
        record="ACC-1",
        event="SafetyRecord.AccidentRecorded",
        on=date(2025, 6, 1),
        detail="较大事故",
    )
    facts = checks.UnitFacts(
        unit_org="dl-bearing", last_wage_contract=lapsed, congress_term=term, accidents=[accident]
    )
    found = {d.fact.value: d for d in checks.disqualifications(MODEL, facts, TODAY)}
    assert found["no_wage_contract_in_force"].rests_on == lapsed
    assert "WC-2024-001" in found["no_wage_contract_in_force"].why_zh
    assert found["no_congress_in_term"].rests_on == term
    assert found["serious_accident"].rests_on == accident
    in_force = checks.FactRef(record="WC-2026-001", event="WageContract.ContractInForce")
    met = checks.FactRef(record="dl-bearing-6:2026-1", event="CongressSession.Closed")
    old = accident.model_copy(update={"on": date(2024, 2, 28)})  # more than 3 years before
    clean = checks.UnitFacts(
        unit_org="dl-bearing",
        wage_contract_in_force=in_force,
        congress_in_term=met,
        accidents=[old],
    )
    assert checks.disqualifications(MODEL, clean, TODAY) == []


def test_a_title_is_not_granted_twice_and_the_medal_needs_a_provincial_honour():
    city = checks.HonourHeld(
        title=MODEL.key, title_zh=MODEL.zh, level=MODEL.level, round_key="r", granted_on=TODAY
    )
    with pytest.raises(InvalidState, match="不重复授予"):
        checks.check_honours(MODEL, [city], "王丽")
    with pytest.raises(InvalidState, match="省级"):
        checks.check_honours(MEDAL, [city], "王丽")
    provincial = city.model_copy(update={"level": "provincial", "title": "liaoning-model"})
    checks.check_honours(MEDAL, [city, provincial], "王丽")
    register = Honours.start("P0001", meta(SYSTEM))
    register.grant(MODEL, "dl-model-2027", TODAY, meta(SYSTEM))
    with pytest.raises(InvalidState):
        register.grant(MODEL, "dl-model-2028", TODAY, meta(SYSTEM))
    assert [h.title for h in register.held] == [MODEL.key]


# -- a round and a nomination ----------------------------------------------------------------------


def test_opening_a_round_needs_a_federation_cadre_and_every_department():
    assert a_round().s.stage.value == "nominating"
    c = OpenRound(round_key="r", title="t", definition=MODEL.key, nominations_close=CLOSE,
                  departments={"tax": "tax.dept"})  # fmt: skip
    with pytest.raises(InvalidInput, match="discipline"):
        AwardRound.open(c, MODEL, "dl-city", {"tax.dept"}, meta(CITY_CADRE), TODAY)
    full = c.model_copy(update={"departments": DEPARTMENTS})
    with pytest.raises(NotAuthorised):
        AwardRound.open(full, MODEL, "dl-city", set(DEPARTMENTS.values()), meta(CADRE), TODAY)


def facts(r: AwardRound, **kw: object) -> NominationFacts:
    return NominationFacts.model_validate({"round": r.s.model_dump(), **kw})


POLL = ApprovalPoll(poll="dl-bearing-6:2027-1:item3", exists=True, unit_org="dl-bearing",
                    tallied=True, passed=True, summary="赞成 23 · 反对 2（应到 29）")  # fmt: skip


def prepared(r: AwardRound, n: int = 1, **kw: object) -> Nomination:
    """A nomination through the unit's own steps, its unit notice run and closed."""
    nom = Nomination.nominate(Nominate(nominee=nominee(n, **kw)), r.s, meta(CADRE), TODAY)
    f = facts(r, poll=POLL, notice_ends=TODAY + timedelta(days=7))
    nom.handle(RecordJointAgreement(record="2027-03-01 党政工联席会议纪要"), meta(CADRE), TODAY, f)
    nom.handle(RecordCongressApproval(poll=POLL.poll), meta(CADRE), TODAY, f)
    nom.handle(PostUnitNotice(starts=TODAY), meta(CADRE), TODAY, f)
    after = TODAY + timedelta(days=8)
    nom.handle(CloseNotice(level=NoticeLevel.UNIT), meta(SYSTEM, after), after, f)
    return nom


def test_the_unit_must_agree_vote_and_notice_before_it_submits():
    r = a_round()
    nom = Nomination.nominate(Nominate(nominee=nominee()), r.s, meta(CADRE), TODAY)
    f = facts(r, notice_ends=TODAY + timedelta(days=7))
    with pytest.raises(InvalidState, match="党政工联席会议"):
        nom.handle(PostUnitNotice(starts=TODAY), meta(CADRE), TODAY, f)
    failed = POLL.model_copy(update={"passed": False, "summary": "赞成 10（应到 29）"})
    with pytest.raises(InvalidState, match="未通过"):
        nom.handle(
            RecordCongressApproval(poll=POLL.poll), meta(CADRE), TODAY, facts(r, poll=failed)
        )
    elsewhere = POLL.model_copy(update={"unit_org": "dl-garment"})
    with pytest.raises(InvalidInput, match="dl-bearing"):
        nom.handle(
            RecordCongressApproval(poll=POLL.poll), meta(CADRE), TODAY, facts(r, poll=elsewhere)
        )
    with pytest.raises(InvalidState, match="公示期满"):
        nom.handle(Submit(), meta(CADRE), TODAY, f)
    with pytest.raises(NotAuthorised):
        nom.handle(RecordJointAgreement(record="x"), meta(OTHER_CADRE), TODAY, f)


def test_a_notice_cannot_close_early_or_with_an_objection_open():
    r = a_round()
    nom = Nomination.nominate(Nominate(nominee=nominee()), r.s, meta(CADRE), TODAY)
    f = facts(r, poll=POLL, notice_ends=TODAY + timedelta(days=7))
    nom.handle(RecordJointAgreement(record="纪要"), meta(CADRE), TODAY, f)
    nom.handle(RecordCongressApproval(poll=POLL.poll), meta(CADRE), TODAY, f)
    nom.handle(PostUnitNotice(starts=TODAY), meta(CADRE), TODAY, f)
    worker = acting("dlb-d01", Role.DELEGATE, "dl-bearing")
    nom.handle(
        FileObjection(substance="事迹不实", anonymous=True, name="张三"), meta(worker), TODAY, f
    )
    assert nom.s.objections[0].anonymous and nom.s.objections[0].name == ""
    with pytest.raises(ValidationError):
        FileObjection(substance="事迹不实", name="张三")  # a named objection needs a contact
    end = TODAY + timedelta(days=7)
    with pytest.raises(InvalidState, match="尚未期满"):
        nom.handle(CloseNotice(level=NoticeLevel.UNIT), meta(SYSTEM, end), end, f)
    after = end + timedelta(days=1)
    with pytest.raises(InvalidState, match="尚未处理完"):
        nom.handle(CloseNotice(level=NoticeLevel.UNIT), meta(SYSTEM, after), after, f)
    with pytest.raises(NotAuthorised):  # the sub-union's reviewer investigates, nobody else
        nom.handle(
            ResolveObjection(no=1, upheld=False, findings="经查属实"), meta(CITY_REVIEWER), after, f
        )
    nom.handle(
        ResolveObjection(no=1, upheld=False, findings="经核实，事迹属实"),
        meta(SUB_REVIEWER),
        after,
        f,
    )
    nom.handle(CloseNotice(level=NoticeLevel.UNIT), meta(SYSTEM, after), after, f)
    late = acting("dlb-d02", Role.DELEGATE, "dl-bearing")
    with pytest.raises(InvalidState, match="不在公示期内"):
        nom.handle(
            FileObjection(substance="晚了", name="李四", contact="138"), meta(late), after, f
        )


def test_submission_checks_places_disqualifiers_and_honours():
    r = a_round()
    nom = prepared(r)
    others = [nominee(n) for n in (10, 11, 12)]  # dl-ganjingzi's 3 places used
    with pytest.raises(InvalidState, match="名额"):
        nom.handle(Submit(), meta(CADRE), TODAY, facts(r, in_round=others))
    bar = checks.disqualifications(MODEL, checks.UnitFacts(unit_org="dl-bearing"), TODAY)
    with pytest.raises(InvalidState, match="工资集体协商"):
        nom.handle(Submit(), meta(CADRE), TODAY, facts(r, disqualified=bar))
    held = checks.HonourHeld(title=MODEL.key, title_zh=MODEL.zh, level=MODEL.level, round_key="r0",
                             granted_on=date(2022, 5, 1))  # fmt: skip
    with pytest.raises(InvalidState, match="不重复授予"):
        nom.handle(Submit(), meta(CADRE), TODAY, facts(r, honours=[held]))
    nom.handle(Submit(), meta(CADRE), TODAY, facts(r, in_round=others[:2]))
    assert nom.s.stage is NominationStage.SUBMITTED and nom.s.in_list


def through_clearances(r: AwardRound, nom: Nomination, day: date) -> date:
    f = facts(r, notice_ends=day + timedelta(days=7), clearance_due=day + timedelta(days=20))
    nom.handle(
        ReviewNomination(kind="first_review", passed=True, opinion="同意"),
        meta(SUB_REVIEWER, day),
        day,
        f,
    )
    assert nom.s.stage is NominationStage.FIRST_NOTICE
    after = day + timedelta(days=8)
    nom.handle(CloseNotice(level=NoticeLevel.SUB_UNION), meta(SYSTEM, after), after, f)
    assert nom.s.stage is NominationStage.CLEARANCES and len(nom.s.clearances) == 7
    return after


def test_clearances_come_from_the_named_departments_and_a_negative_one_removes():
    r = a_round()
    nom = prepared(r)
    nom.handle(Submit(), meta(CADRE), TODAY, facts(r))
    day = through_clearances(r, nom, TODAY + timedelta(days=9))
    f = facts(r)
    tax = acting("tax.dept", Role.DEPARTMENT, "dl-city")
    with pytest.raises(NotAuthorised, match=r"market\.dept"):
        nom.handle(GiveClearance(key="market", clear=True), meta(tax, day), day, f)
    for key in ["discipline", "market", "tax", "hr", "emergency", "environment"]:
        dept = acting(f"{key}.dept", Role.DEPARTMENT, "dl-city")
        nom.handle(GiveClearance(key=key, clear=True), meta(dept, day), day, f)
    assert nom.s.stage is NominationStage.CLEARANCES  # audit's opinion is still missing
    with pytest.raises(InvalidState):  # a missing clearance blocks the second review
        nom.handle(ReviewNomination(kind="second_review", passed=True, opinion="同意"),
                   meta(CITY_REVIEWER, day), day, f)  # fmt: skip
    with pytest.raises(ValidationError):
        GiveClearance(key="audit", clear=False)  # a negative one needs its reason
    auditor = acting("audit.dept", Role.DEPARTMENT, "dl-city")
    nom.handle(
        GiveClearance(key="audit", clear=False, opinion="存在审计问题"), meta(auditor, day), day, f
    )
    assert nom.s.stage is NominationStage.REMOVED and nom.s.removed_by == "clearance:audit"
    assert "存在审计问题" in nom.s.removed_reason and not nom.s.in_list


def recommended(r: AwardRound, n: int, category: str = "industrial_worker") -> Nomination:
    nom = prepared(r, n, category=category)
    nom.handle(Submit(), meta(CADRE), TODAY, facts(r))
    day = through_clearances(r, nom, TODAY + timedelta(days=9))
    f = facts(r)
    for key in DEPARTMENTS:
        nom.handle(
            GiveClearance(key=key, clear=True),
            meta(acting(f"{key}.dept", Role.DEPARTMENT, "dl-city"), day),
            day,
            f,
        )
    nom.handle(
        ReviewNomination(kind="second_review", passed=True, opinion="同意"),
        meta(CITY_REVIEWER, day),
        day,
        f,
    )
    assert nom.s.stage is NominationStage.RECOMMENDED
    return nom


def test_the_whole_round_two_reviews_three_notices_committee_and_list():
    r = a_round()
    noms = [recommended(r, 1), recommended(r, 2), recommended(r, 3, "science_education")]
    day = CLOSE + timedelta(days=1)
    r.handle(
        CloseNominations(), meta(SYSTEM, day), day, RoundFacts(nominations=[n.s for n in noms])
    )
    with pytest.raises(NotAuthorised):
        r.handle(StartRoundNotice(starts=day), meta(CADRE, day), day, RoundFacts())
    ends = day + timedelta(days=7)
    rf = RoundFacts(nominations=[n.s for n in noms], notice_ends=ends)
    r.handle(StartRoundNotice(starts=day), meta(CITY_CADRE, day), day, rf)
    assert r.s.notice is not None and len(r.s.notice.list_hash) == 64
    for nom in noms:
        nom.handle(EnterFederationNotice(), meta(SYSTEM, day), day, facts(r))
        assert nom.s.notice(NoticeLevel.FEDERATION).list_hash == r.s.notice.list_hash
    citizen = acting("dlb-d03", Role.DELEGATE, "dl-bearing")
    noms[0].handle(FileObjection(substance="侵占他人成果", name="王五", contact="13800000000"),
                   meta(citizen, day), day, facts(r))  # fmt: skip
    after = ends + timedelta(days=1)
    with pytest.raises(NotAuthorised):  # the federation's reviewer investigates this one
        noms[0].handle(
            ResolveObjection(no=1, upheld=True, findings="属实"),
            meta(SUB_REVIEWER, after),
            after,
            facts(r),
        )
    noms[0].handle(
        ResolveObjection(no=1, upheld=True, findings="经调查属实"),
        meta(CITY_REVIEWER, after),
        after,
        facts(r),
    )
    assert noms[0].s.stage is NominationStage.REMOVED
    for nom in noms[1:]:
        with pytest.raises(InvalidState):
            r.handle(
                CloseRoundNotice(),
                meta(SYSTEM, after),
                after,
                RoundFacts(nominations=[n.s for n in noms]),
            )
        nom.handle(CloseNotice(level=NoticeLevel.FEDERATION), meta(SYSTEM, after), after, facts(r))
    r.handle(
        CloseRoundNotice(), meta(SYSTEM, after), after, RoundFacts(nominations=[n.s for n in noms])
    )
    noms[1].handle(
        RecordCommitteeVote(approved=True, votes="赞成 9"), meta(SYSTEM, after), after, facts(r)
    )
    noms[2].handle(
        RecordCommitteeVote(approved=True, votes="赞成 8"), meta(SYSTEM, after), after, facts(r)
    )
    r.handle(ApproveList(committee_poll="committee:1", result="通过"), meta(SYSTEM, after), after,
             RoundFacts(nominations=[n.s for n in noms]))  # fmt: skip
    assert r.s.final_list == sorted([noms[1].s.key, noms[2].s.key])
    assert r.s.stage.value == "approved" and len(r.s.final_hash) == 64


def test_a_final_list_breaking_a_hard_rule_is_refused_naming_it():
    r = a_round()
    noms = [recommended(r, 1, "science_education"), recommended(r, 2, "science_education")]
    day = CLOSE + timedelta(days=1)
    r.handle(CloseNominations(), meta(SYSTEM, day), day, RoundFacts())
    with pytest.raises(InvalidState, match="一线职工和专业技术人员"):
        r.handle(StartRoundNotice(starts=day), meta(CITY_CADRE, day), day,
                 RoundFacts(nominations=[n.s for n in noms], notice_ends=day + timedelta(days=7)))  # fmt: skip


def test_the_unit_may_withdraw_with_reasons_until_the_final_approval():
    r = a_round()
    nom = prepared(r)
    nom.handle(Withdraw(reason="本人申请"), meta(CADRE), TODAY, facts(r))
    assert nom.s.stage is NominationStage.WITHDRAWN and nom.s.withdrawn_reason == "本人申请"
    with pytest.raises(InvalidState):
        nom.handle(Withdraw(reason="again"), meta(CADRE), TODAY, facts(r))


def test_nominating_is_refused_after_the_close_or_for_an_unknown_category():
    r = a_round()
    with pytest.raises(InvalidState, match="不在推荐期内"):
        Nomination.nominate(
            Nominate(nominee=nominee()), r.s, meta(CADRE), CLOSE + timedelta(days=1)
        )
    with pytest.raises(InvalidInput, match="类别"):
        Nomination.nominate(
            Nominate(nominee=nominee(category="astronaut")), r.s, meta(CADRE), TODAY
        )
    with pytest.raises(NotAuthorised):
        Nomination.nominate(Nominate(nominee=nominee()), r.s, meta(OTHER_CADRE), TODAY)
