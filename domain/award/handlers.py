"""One function per nomination or round command, mapped by command type in ``HANDLERS``.

Handlers check and compute, then emit events; events only assign (``evolve``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any, get_args

from pydantic import BaseModel

from domain.actors import CommandMeta
from domain.award import checks
from domain.award.commands import (
    ApproveList,
    CloseNominations,
    CloseNotice,
    CloseRoundNotice,
    EnterFederationNotice,
    EscalateClearances,
    FileObjection,
    GiveClearance,
    PostUnitNotice,
    PublishList,
    RecordCommitteeVote,
    RecordCongressApproval,
    RecordJointAgreement,
    RemindClearances,
    ResolveObjection,
    ReviewNomination,
    StartRoundNotice,
    Submit,
    Withdraw,
    _HumanCommands,
    _SystemCommands,
)
from domain.award.permissions import NominationFacts
from domain.award.values import (
    ClearanceStatus,
    NominationStage,
    NominationView,
    NoticeLevel,
    RoundStage,
)
from domain.errors import InvalidInput, InvalidState
from domain.objections import check_none_open, open_objection

if TYPE_CHECKING:
    from domain.award.aggregate import AwardRound, Nomination

S = NominationStage


def _need_notice_ends(f: NominationFacts) -> date:
    if f.notice_ends is None:
        raise InvalidState("公示截止日未算出", "the notice's last day was not computed")
    return f.notice_ends


def joint_agreement(
    n: Nomination, c: RecordJointAgreement, meta: CommandMeta, today: date, f: NominationFacts
) -> None:
    n._emit(n.JointAgreementRecorded, meta, record=c.record)


def congress_approval(
    n: Nomination, c: RecordCongressApproval, meta: CommandMeta, today: date, f: NominationFacts
) -> None:
    poll = f.poll
    unit = n.s.nominee.unit_org
    if poll is None or not poll.exists:
        raise InvalidInput(f"没有表决 {c.poll}", f"no poll {c.poll}")
    if poll.unit_org != unit:
        raise InvalidInput(
            f"表决 {c.poll} 不是 {unit} 职代会的表决", f"poll {c.poll} is not of {unit}'s congress"
        )
    if not poll.tallied or not poll.passed:
        raise InvalidState(
            f"表决 {c.poll} 未通过（{poll.summary or '尚未计票'}）",
            f"poll {c.poll} did not pass ({poll.summary or 'not tallied yet'})",
        )
    n._emit(n.CongressApprovalRecorded, meta, poll=c.poll, summary=poll.summary)


def unit_notice(
    n: Nomination, c: PostUnitNotice, meta: CommandMeta, today: date, f: NominationFacts
) -> None:
    if not n.s.joint_agreement or not n.s.congress_poll:
        raise InvalidState(
            "须先登记党政工联席会议意见和职代会表决结果，再在本单位公示",
            "record the joint agreement and the congress's approval before the unit notice",
        )
    if n.s.notice(NoticeLevel.UNIT) is not None:
        raise InvalidState("本单位已公示", "the unit notice was already posted")
    if c.starts < today:
        raise InvalidInput("公示不能从过去的日期开始", "a notice cannot start in the past")
    n._emit(
        n.NoticePosted,
        meta,
        level=NoticeLevel.UNIT,
        starts=c.starts,
        ends=_need_notice_ends(f),
        list_hash="",
    )


def submit(n: Nomination, c: Submit, meta: CommandMeta, today: date, f: NominationFacts) -> None:
    notice = n.s.notice(NoticeLevel.UNIT)
    if notice is None or not notice.closed:
        raise InvalidState(
            "本单位公示期满并关闭后才能报送", "submit after the unit notice has run and closed"
        )
    if f.round.stage is not RoundStage.NOMINATING:
        raise InvalidState("本次评选的推荐已截止", "nominations to this round have closed")
    others = [x for x in f.in_round if x.person != n.s.nominee.person]
    checks.check_place_available(f.round.definition, others, n.s.nominee.sub_union)
    if f.disqualified:
        d = f.disqualified[0]
        raise InvalidState(
            f"不符合推荐条件：{d.zh}（{d.why_zh}；依据：{d.source}）",
            f"not eligible: {d.en} ({d.why_en}; source: {d.source})",
        )
    checks.check_honours(f.round.definition, f.honours, n.s.nominee.name)
    places = f.round.definition.places[n.s.nominee.sub_union]
    used = sum(1 for x in others if x.sub_union == n.s.nominee.sub_union) + 1
    n._emit(n.Submitted, meta, sub_union=n.s.nominee.sub_union, places_used=used, places=places)


def withdraw(
    n: Nomination, c: Withdraw, meta: CommandMeta, today: date, f: NominationFacts
) -> None:
    n._emit(n.Withdrawn, meta, reason=c.reason)


def review(
    n: Nomination, c: ReviewNomination, meta: CommandMeta, today: date, f: NominationFacts
) -> None:
    first = c.kind == "first_review"
    n._emit(n.Reviewed, meta, first=first, passed=c.passed, opinion=c.opinion, on=today)
    if not c.passed:
        n._emit(n.Removed, meta, reason=c.opinion, by=c.kind)
    elif first:
        n._emit(
            n.NoticePosted,
            meta,
            level=NoticeLevel.SUB_UNION,
            starts=today,
            ends=_need_notice_ends(f),
            list_hash="",
        )


def clearance(
    n: Nomination, c: GiveClearance, meta: CommandMeta, today: date, f: NominationFacts
) -> None:
    state = next((x for x in n.s.clearances if x.key == c.key), None)
    if state is None or state.status is not ClearanceStatus.PENDING:
        raise InvalidState(f"没有待出具的意见 {c.key}", f"no pending clearance {c.key}")
    n._emit(n.ClearanceGiven, meta, key=c.key, clear=c.clear, opinion=c.opinion, on=today)
    if not c.clear:
        n._emit(n.Removed, meta, reason=c.opinion, by=f"clearance:{c.key}")


def _open_notice(n: NominationView, today: date) -> NoticeLevel:
    level = {
        S.PREPARING: NoticeLevel.UNIT,
        S.FIRST_NOTICE: NoticeLevel.SUB_UNION,
        S.FEDERATION_NOTICE: NoticeLevel.FEDERATION,
    }[n.stage]
    notice = n.notice(level)
    if notice is None or notice.closed or not notice.starts <= today <= notice.ends:
        raise InvalidState(
            "现在不在公示期内，不能提出异议", "no notice is running now: no objection can be filed"
        )
    return level


def objection(
    n: Nomination, c: FileObjection, meta: CommandMeta, today: date, f: NominationFacts
) -> None:
    level = _open_notice(n.s, today)
    n._emit(
        n.ObjectionFiled,
        meta,
        no=len(n.s.objections) + 1,
        notice=level,
        filed_on=today,
        name=c.name,
        contact=c.contact,
        substance=c.substance,
        anonymous=c.anonymous,
    )


def resolve_objection(
    n: Nomination, c: ResolveObjection, meta: CommandMeta, today: date, f: NominationFacts
) -> None:
    open_objection(n.s.objections, c.no)
    n._emit(n.ObjectionResolved, meta, no=c.no, upheld=c.upheld, findings=c.findings, on=today)
    if c.upheld:
        n._emit(n.Removed, meta, reason=c.findings, by=f"objection:{c.no}")


def close_notice(
    n: Nomination, c: CloseNotice, meta: CommandMeta, today: date, f: NominationFacts
) -> None:
    notice = n.s.notice(c.level)
    if notice is None or notice.closed:
        raise InvalidState("没有进行中的公示", "no notice of that level is running")
    if today <= notice.ends:
        raise InvalidState(f"公示至 {notice.ends}，尚未期满", f"the notice runs to {notice.ends}")
    check_none_open(o for o in n.s.objections if o.notice is c.level)
    n._emit(n.NoticeClosed, meta, level=c.level)
    if c.level is NoticeLevel.SUB_UNION:
        wanted = [
            {"key": x.key, "department": f.round.departments[x.key], "due": f.clearance_due}
            for x in f.round.definition.clearances
        ]
        if wanted and f.clearance_due is None:
            raise InvalidState("征求意见截止日未算出", "the clearances' due date was not computed")
        n._emit(n.ClearancesRequested, meta, clearances=wanted)


def remind_clearances(
    n: Nomination, c: RemindClearances, meta: CommandMeta, today: date, f: NominationFacts
) -> None:
    keys = [x.key for x in n.s.clearances if x.status is ClearanceStatus.PENDING and not x.reminded]
    if keys:
        n._emit(n.ClearancesReminded, meta, keys=keys)


def escalate_clearances(
    n: Nomination, c: EscalateClearances, meta: CommandMeta, today: date, f: NominationFacts
) -> None:
    late = [
        x.key
        for x in n.s.clearances
        if x.status is ClearanceStatus.PENDING and today > x.due and not x.escalated
    ]
    if late:
        n._emit(n.ClearancesEscalated, meta, keys=late, to=f.round.federation_org)


def enter_federation_notice(
    n: Nomination, c: EnterFederationNotice, meta: CommandMeta, today: date, f: NominationFacts
) -> None:
    notice = f.round.notice
    if notice is None:
        raise InvalidState("总工会公示尚未开始", "the federation's notice has not started")
    n._emit(
        n.NoticePosted,
        meta,
        level=NoticeLevel.FEDERATION,
        starts=notice.starts,
        ends=notice.ends,
        list_hash=notice.list_hash,
    )


def committee_vote(
    n: Nomination, c: RecordCommitteeVote, meta: CommandMeta, today: date, f: NominationFacts
) -> None:
    n._emit(n.CommitteeVoted, meta, approved=c.approved, votes=c.votes)
    if not c.approved:
        n._emit(n.Removed, meta, reason=f"评审委员会表决未通过（{c.votes}）", by="committee")


Handler = Callable[[Any, Any, CommandMeta, date, Any], None]

HANDLERS: dict[type[BaseModel], Handler] = {
    RecordJointAgreement: joint_agreement,
    RecordCongressApproval: congress_approval,
    PostUnitNotice: unit_notice,
    Submit: submit,
    Withdraw: withdraw,
    ReviewNomination: review,
    GiveClearance: clearance,
    FileObjection: objection,
    ResolveObjection: resolve_objection,
    CloseNotice: close_notice,
    RemindClearances: remind_clearances,
    EscalateClearances: escalate_clearances,
    EnterFederationNotice: enter_federation_notice,
    RecordCommitteeVote: committee_vote,
}

_missing = [t for t in (*get_args(_HumanCommands), *get_args(_SystemCommands)) if t not in HANDLERS]
if _missing:  # a new command without a handler fails at import, not at run time
    raise TypeError(f"nomination commands without a handler: {_missing}")


# -- the round ----------------------------------------------------------------------------------


class RoundFacts(BaseModel):
    """The nominations of the round as the ledger holds them, and computed dates."""

    nominations: list[NominationView] = []
    notice_ends: date | None = None
    unit_names: dict[str, str] = {}  # organisation code -> its name, as printed


def _in_stage(f: RoundFacts, *stages: NominationStage) -> list[NominationView]:
    return [x for x in f.nominations if x.stage in stages]


def close_nominations(
    r: AwardRound, c: CloseNominations, meta: CommandMeta, today: date, f: RoundFacts
) -> None:
    if today <= r.s.nominations_close:
        raise InvalidState(
            f"推荐截止日为 {r.s.nominations_close}", f"nominations close on {r.s.nominations_close}"
        )
    r._emit(r.NominationsClosed, meta, submitted=len([x for x in f.nominations if x.in_list]))


GENDER_ZH = {"female": "女", "male": "男"}


def notice_rows(
    nominations: list[NominationView], definition: Any, unit_names: dict[str, str]
) -> list[dict[str, object]]:
    """The notice's list exactly as printed (公示名单): name, gender, unit, post, category,
    deeds; its hash commits the notice, so a printed list can be checked against it."""
    rows: list[dict[str, object]] = []
    for x in sorted(nominations, key=lambda v: (v.nominee.sub_union, v.nominee.unit_org, v.key)):
        tag = definition.category(x.nominee.category)
        gender = x.nominee.gender
        rows.append(
            {
                "name": x.nominee.name,
                "gender": GENDER_ZH[gender.value] if gender else "",
                "unit": unit_names.get(x.nominee.unit_org, x.nominee.unit_org),
                "post": x.nominee.post,
                "category": tag.zh if tag else x.nominee.category,
                "deeds": x.nominee.deeds,
            }
        )
    return rows


def start_notice(
    r: AwardRound, c: StartRoundNotice, meta: CommandMeta, today: date, f: RoundFacts
) -> None:
    pending = [x for x in f.nominations if x.in_list and x.stage is not S.RECOMMENDED]
    if pending:
        raise InvalidState(
            f"还有 {len(pending)} 名候选人未完成复审，不能开始总工会公示",
            f"{len(pending)} nominations have not passed the second review yet",
        )
    recommended = _in_stage(f, S.RECOMMENDED)
    if not recommended:
        raise InvalidState("没有复审通过的候选人", "no nomination passed the second review")
    checks.check_final_list(r.s.definition, [x.nominee for x in recommended])
    if f.notice_ends is None:
        raise InvalidState("公示截止日未算出", "the notice's last day was not computed")
    rows = notice_rows(recommended, r.s.definition, f.unit_names)
    r._emit(
        r.NoticeStarted,
        meta,
        starts=c.starts,
        ends=f.notice_ends,
        list_hash=checks.list_hash(rows),
        names=[x.key for x in recommended],
    )


def close_round_notice(
    r: AwardRound, c: CloseRoundNotice, meta: CommandMeta, today: date, f: RoundFacts
) -> None:
    assert r.s.notice is not None
    if today <= r.s.notice.ends:
        raise InvalidState(f"公示至 {r.s.notice.ends}", f"the notice runs to {r.s.notice.ends}")
    still = _in_stage(f, S.FEDERATION_NOTICE)
    if still:
        names = "、".join(x.nominee.name for x in still[:5])
        raise InvalidState(
            f"{names} 等 {len(still)} 名候选人的公示尚未结束（可能有异议未处理）",
            f"{len(still)} nominations are still in the notice (objections may be open)",
        )
    r._emit(r.NoticeClosed, meta)


def approve_list(
    r: AwardRound, c: ApproveList, meta: CommandMeta, today: date, f: RoundFacts
) -> None:
    waiting = _in_stage(f, S.COMMITTEE)
    if waiting:
        raise InvalidState(
            f"还有 {len(waiting)} 名候选人未经评审委员会表决", f"{len(waiting)} await the vote"
        )
    final = sorted(_in_stage(f, S.APPROVED), key=lambda v: v.key)
    checks.check_final_list(r.s.definition, [x.nominee for x in final])
    rows = notice_rows(final, r.s.definition, f.unit_names)
    r._emit(
        r.ListApproved,
        meta,
        committee_poll=c.committee_poll,
        result=c.result,
        final_list=[x.key for x in final],
        final_hash=checks.list_hash(rows),
    )


def publish(r: AwardRound, c: PublishList, meta: CommandMeta, today: date, f: RoundFacts) -> None:
    r._emit(r.Published, meta, channel=c.channel, decision=c.decision, on=today)


ROUND_HANDLERS: dict[type[BaseModel], Handler] = {
    CloseNominations: close_nominations,
    StartRoundNotice: start_notice,
    CloseRoundNotice: close_round_notice,
    ApproveList: approve_list,
    PublishList: publish,
}
