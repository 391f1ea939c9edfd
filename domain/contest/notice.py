"""The public notice (公示) of a round's ranking, with objections (as awards hold them).

After the ranking, the organiser posts its notice for the definition's working days on the
statutory calendar; anyone files an objection to an entry with a real name and contact, or
anonymously (recorded and marked); the organiser's reviewer upholds it (the entry leaves
the places and the awards with the findings, and the ranking is recomputed without it,
hash and all) or dismisses it with reasons. The notice closes after its last day and
never with an objection open; only then are the awards granted.
"""

from __future__ import annotations

from datetime import date

from domain.actors import CommandMeta, Role
from domain.award.commands import FileObjection, ResolveObjection
from domain.contest.aggregate import ContestRound, check_organiser
from domain.contest.values import ContestObjection, Phase, Ranking, RoundView
from domain.errors import InvalidInput, InvalidState
from domain.objections import check_none_open, open_objection

POST = ("发布排名公示", "post the ranking's notice")
RESOLVE = ("处理异议", "resolve an objection")
CLOSE = ("结束公示", "close the notice")


def _in(r: RoundView, phase: Phase, what: tuple[str, str]) -> None:
    if r.phase is not phase:
        raise InvalidState(
            f"竞赛“{r.title}”当前阶段为 {r.phase.value}，不能{what[0]}",
            f"the round '{r.title}' is in its {r.phase.value} phase: cannot {what[1]} now",
        )


def _organiser_or_engine(meta: CommandMeta, r: RoundView, what: tuple[str, str]) -> None:
    if meta.acting.role is not Role.SYSTEM:
        check_organiser(meta.acting, r, what)


def post_notice(a: ContestRound, starts: date, ends: date, meta: CommandMeta) -> None:
    """The organiser (or the engine) posts the ranked round's notice from ``starts`` to
    ``ends`` (the service counts the definition's working days)."""
    r = a.s
    _organiser_or_engine(meta, r, POST)
    _in(r, Phase.RANKED, POST)
    if starts < meta.today():
        raise InvalidInput("公示不能从过去的日期开始", "a notice cannot start in the past")
    if ends < starts:
        raise InvalidInput("公示截止日不能早于开始日", "a notice cannot end before it starts")
    a._emit(a.NoticePosted, meta, starts=starts, ends=ends)


def file_objection(a: ContestRound, entry: str, c: FileObjection, meta: CommandMeta) -> None:
    """Anyone objects to an entry of the ranking while the notice runs."""
    r = a.s
    today = meta.today()
    n = r.notice
    if r.phase is not Phase.NOTICE or n is None or not n.starts <= today <= n.ends:
        raise InvalidState(
            "现在不在公示期内，不能提出异议", "no notice is running now: no objection can be filed"
        )
    rows = {row.entry: row for row in (r.ranking.rows if r.ranking else [])}
    if entry not in rows:
        raise InvalidInput("请选择公示排名中的参评对象", "choose an entry of the ranking")
    if entry in r.removed:
        raise InvalidState(
            f"{rows[entry].name} 已因异议成立移出排名", f"{rows[entry].name} was already removed"
        )
    o = ContestObjection(
        no=len(r.objections) + 1,
        entry=entry,
        filed_on=today,
        name=c.name,
        contact=c.contact,
        substance=c.substance,
        anonymous=c.anonymous,
    )
    a._emit(a.ObjectionFiled, meta, objection=o.model_dump(mode="json"))


def objection_entry(r: RoundView, no: int) -> str:
    """The entry an open objection names (the service recomputes the ranking without it
    before upholding)."""
    o = open_objection(r.objections, no)
    assert isinstance(o, ContestObjection)
    return o.entry


def resolve_objection(
    a: ContestRound, c: ResolveObjection, without: Ranking | None, meta: CommandMeta
) -> None:
    """The organiser's reviewer upholds (``without``: the ranking recomputed without the
    entry) or dismisses the objection, with the findings."""
    r = a.s
    check_organiser(meta.acting, r, RESOLVE)
    _in(r, Phase.NOTICE, RESOLVE)
    objection_entry(r, c.no)
    if c.upheld and without is None:
        raise InvalidState("异议成立须重新计算排名", "an upheld objection recomputes the ranking")
    a._emit(
        a.ObjectionResolved,
        meta,
        no=c.no,
        upheld=c.upheld,
        findings=c.findings,
        on=meta.today(),
        ranking=without.model_dump(mode="json") if c.upheld and without else None,
    )


def close_notice(a: ContestRound, meta: CommandMeta) -> None:
    """After its last day, with no objection open, the notice closes: the awards stand."""
    r = a.s
    _organiser_or_engine(meta, r, CLOSE)
    _in(r, Phase.NOTICE, CLOSE)
    assert r.notice is not None
    if meta.today() <= r.notice.ends:
        raise InvalidState(
            f"公示至 {r.notice.ends}，尚未期满", f"the notice runs to {r.notice.ends}"
        )
    check_none_open(r.objections)
    a._emit(a.NoticeClosed, meta)
