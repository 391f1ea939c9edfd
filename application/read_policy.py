"""Who may read which record (读取权限): one place for pages, the API and their lists.

The write side decides who may *act* (``domain/*/permissions.py``); this decides who may
*see*, from the same directory (roles and the org tree): a wage case is read by the unit's
cadres and the reviewers of its higher unions; a congress term, its sessions and their
results by the term's delegates in office, the unit's cadres and the higher unions'
reviewers; a motion by the term's delegates, the unit's cadres and the departments it
was assigned to; an award round (评选) and its nominations by the unions that run it and
nominate in it, and the departments asked for clearances (the round's public notice is
every signed-in person's: the notice pages do not ask this policy); a contest round (竞赛)
by the organiser's union cadres, the round's judges and the entrants' unit cadres, its
board (entries, self-scores, progress, vetoes) by the organiser's only, an entry by the
organiser and its unit's cadres (its published ranking is every signed-in person's). Auditors and operators read every record, timelines and audit pages
included: they read any record's timeline, which holds its state at every instant, so
refusing them the record's page would hide nothing. Nobody else reads timelines.

A record the reader may not read is refused as if it did not exist (``NotFound``, the
same words a missing record gets), so its id tells nobody that it is there.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from application.congress import CongressService
from application.directory import DirectoryService, Finder
from domain.actors import Role
from domain.award.values import NominationView, RoundView
from domain.congress import CongressView
from domain.contest.values import EntryView
from domain.contest.values import RoundView as ContestRoundView
from domain.errors import InvalidInput, NotFound
from domain.motion import MotionView
from domain.session import SessionView
from domain.wage_contract import WageContractView

# Who reads every record, timelines and the audit pages included.
READ_ALL = frozenset({Role.AUDITOR, Role.OPERATOR})


@dataclass(frozen=True)
class Reader:
    """A person as the directory has them now: their roles, in their one organisation."""

    actor_id: str
    org: str
    roles: frozenset[Role]
    path: tuple[str, ...] = ()  # the organisation's path in the tree, itself last

    @property
    def reads_all(self) -> bool:
        return bool(self.roles & READ_ALL)

    def is_cadre_of(self, unit_org: str) -> bool:
        return Role.CADRE in self.roles and self.org == unit_org

    def reviews_for(self, unit_path: list[str]) -> bool:
        """A reviewer of a higher union of the unit (an ancestor in its path)."""
        return Role.REVIEWER in self.roles and self.org in unit_path[:-1]


NOBODY = Reader(actor_id="", org="", roles=frozenset())


def reader_of(directory: DirectoryService, actor_id: str, *, find: Finder | None = None) -> Reader:
    """The person as a reader; someone no longer in the directory reads nothing."""
    try:
        spec = directory.actor(actor_id, find=find).spec
    except (NotFound, InvalidInput):
        return NOBODY
    try:
        path = tuple(directory.organisation(spec.org, find=find).path)
    except (NotFound, InvalidInput):
        path = ()
    return Reader(actor_id=spec.id, org=spec.org, roles=frozenset(spec.roles), path=path)


def may_read_case(reader: Reader, view: WageContractView) -> bool:
    """A wage contract case (工资专项集体合同): the unit's cadres, higher unions' reviewers."""
    return (
        reader.reads_all or reader.is_cadre_of(view.unit_org) or reader.reviews_for(view.unit_path)
    )


def may_read_congress(reader: Reader, view: CongressView) -> bool:
    """A congress term (职代会) and everything of its sessions: its delegates in office,
    the unit's cadres, the higher unions' reviewers."""
    return (
        reader.reads_all
        or reader.is_cadre_of(view.unit_org)
        or reader.reviews_for(view.unit_path)
        or (Role.DELEGATE in reader.roles and view.delegate(reader.actor_id) is not None)
    )


def may_read_motion(reader: Reader, view: MotionView, congress: CongressView | None) -> bool:
    """A motion (提案): the term's delegates in office, the unit's cadres (the motions
    committee), the departments it was assigned to (lead or supporting)."""
    if reader.reads_all or reader.is_cadre_of(view.unit_org):
        return True
    if Role.DEPARTMENT in reader.roles and reader.actor_id in {
        view.lead_department,
        *view.supporting_departments,
    }:
        return True
    return (
        Role.DELEGATE in reader.roles
        and congress is not None
        and congress.delegate(reader.actor_id) is not None
    )


def may_read_motion_report(reader: Reader, congress: CongressView) -> bool:
    """The term's motion report (提案办理情况, for the next session): the unit's cadres and
    the term's delegates in office, who read every motion it lists."""
    return (
        reader.reads_all
        or reader.is_cadre_of(congress.unit_org)
        or (Role.DELEGATE in reader.roles and congress.delegate(reader.actor_id) is not None)
    )


_UNION_PEOPLE = frozenset({Role.CADRE, Role.REVIEWER})


def may_read_round(reader: Reader, view: RoundView) -> bool:
    """An award round (评选) and its dashboard: the cadres and reviewers of the federation
    running it and of the sub-unions with places in it, the cadres of the units under
    those sub-unions (who nominate), the departments asked for clearances."""
    places = view.definition.places
    if reader.reads_all:
        return True
    if reader.roles & _UNION_PEOPLE and (reader.org == view.federation_org or reader.org in places):
        return True
    if Role.CADRE in reader.roles and any(org in places for org in reader.path[:-1]):
        return True
    return Role.DEPARTMENT in reader.roles and reader.actor_id in view.departments.values()


def may_read_nomination(reader: Reader, view: NominationView, round_view: RoundView) -> bool:
    """A nomination (推荐) and its page: the cadres and reviewers of the federation and of
    the nominee's sub-union, the nominating unit's cadres, the departments asked about this
    nominee. Who filed an objection is narrower still (``AwardFacade.sees_objector``)."""
    if reader.reads_all or reader.is_cadre_of(view.nominee.unit_org):
        return True
    if reader.roles & _UNION_PEOPLE and reader.org in (
        round_view.federation_org,
        view.nominee.sub_union,
    ):
        return True
    return Role.DEPARTMENT in reader.roles and reader.actor_id in {
        c.department for c in view.clearances
    }


def runs_contest(reader: Reader, view: ContestRoundView) -> bool:
    """The contest round's board (entries, self-scores, judges' progress, vetoes, the
    ranking's inputs): the organiser's union cadres and reviewers."""
    return reader.reads_all or bool(
        reader.roles & _UNION_PEOPLE and reader.org == view.organiser_org
    )


def may_read_contest(reader: Reader, view: ContestRoundView, entries: Iterable[EntryView]) -> bool:
    """A contest round (竞赛): its organiser, the judges assigned in it, the cadres of the
    entrants' units."""
    if runs_contest(reader, view):
        return True
    return any(
        (Role.JUDGE in reader.roles and reader.actor_id in e.judges)
        or reader.is_cadre_of(e.unit_org)
        for e in entries
    )


def may_read_entry(reader: Reader, view: ContestRoundView, entry: EntryView) -> bool:
    """An entry and its self-assessment: the organiser, the entrant unit's cadres."""
    return runs_contest(reader, view) or reader.is_cadre_of(entry.unit_org)


class ReadPolicy:
    """ "May this person read that record?", answered from the directory in the ledger."""

    def __init__(self, directory: DirectoryService, congresses: CongressService) -> None:
        self.directory = directory
        self.congresses = congresses

    def reader(self, actor_id: str, *, find: Finder | None = None) -> Reader:
        """The person as a reader; someone no longer in the directory reads nothing."""
        return reader_of(self.directory, actor_id, find=find)

    # -- single records: refused as missing ----------------------------------------------

    def check_case(self, actor_id: str, view: WageContractView) -> WageContractView:
        if not may_read_case(self.reader(actor_id), view):
            raise NotFound(f"案件 {view.case_id} 不存在", f"no case {view.case_id}")
        return view

    def check_congress(self, actor_id: str, view: CongressView) -> CongressView:
        if not may_read_congress(self.reader(actor_id), view):
            raise NotFound(f"职代会 {view.key} 不存在", f"no congress {view.key}")
        return view

    def check_session(
        self, actor_id: str, view: SessionView, *, find: Finder | None = None
    ) -> SessionView:
        """A session (and its polls, results, ballots), read as its congress term is."""
        if not self.may_read_session(self.reader(actor_id, find=find), view, find=find):
            raise NotFound(f"会议 {view.session_id} 不存在", f"no session {view.session_id}")
        return view

    def check_motion(self, actor_id: str, view: MotionView) -> MotionView:
        if not self.may_read_motion(self.reader(actor_id), view):
            raise NotFound(f"提案 {view.motion_id} 不存在", f"no motion {view.motion_id}")
        return view

    def check_motion_report(self, actor_id: str, view: CongressView) -> CongressView:
        if not may_read_motion_report(self.reader(actor_id), view):
            raise NotFound(f"职代会 {view.key} 不存在", f"no congress {view.key}")
        return view

    def check_round(self, actor_id: str, view: RoundView) -> RoundView:
        if not may_read_round(self.reader(actor_id), view):
            raise NotFound(f"评选 {view.key} 不存在", f"no selection round {view.key}")
        return view

    def check_nomination(
        self, actor_id: str, view: NominationView, round_view: RoundView
    ) -> NominationView:
        if not may_read_nomination(self.reader(actor_id), view, round_view):
            raise NotFound(f"推荐 {view.key} 不存在", f"no nomination {view.key}")
        return view

    def check_contest(
        self, actor_id: str, view: ContestRoundView, entries: Iterable[EntryView]
    ) -> ContestRoundView:
        if not may_read_contest(self.reader(actor_id), view, entries):
            raise NotFound(f"竞赛轮次 {view.key} 不存在", f"no contest round {view.key}")
        return view

    def check_entry(self, actor_id: str, view: ContestRoundView, entry: EntryView) -> EntryView:
        if not may_read_entry(self.reader(actor_id), view, entry):
            raise NotFound(f"参评对象 {entry.key} 不存在", f"no entry {entry.key}")
        return entry

    def check_history(self, actor_id: str, key: str | None = None) -> None:
        """Timelines, the state at an instant, verification and seals (``key`` None: the
        audit pages): auditors and operators only."""
        if not self.reader(actor_id).reads_all:
            if key is None:
                raise NotFound("页面不存在", "no such page")
            raise NotFound(f"记录 {key} 不存在", f"no record {key}")

    def may_read_history(self, actor_id: str) -> bool:
        """Whether to offer timeline and audit links (each page still checks)."""
        return self.reader(actor_id).reads_all

    # -- predicates with their lookups -----------------------------------------------------

    def may_read_session(
        self, reader: Reader, view: SessionView, *, find: Finder | None = None
    ) -> bool:
        if reader.reads_all or reader.is_cadre_of(view.unit_org):
            return True
        congress = self._congress(view.congress_key, find)
        return congress is not None and may_read_congress(reader, congress)

    def may_read_motion(self, reader: Reader, view: MotionView) -> bool:
        congress = None
        if Role.DELEGATE in reader.roles and not reader.reads_all:
            congress = self._congress(view.congress_key, None)
        return may_read_motion(reader, view, congress)

    def _congress(self, key: str, find: Finder | None) -> CongressView | None:
        try:
            return self.congresses.state(key, find=find)
        except NotFound:
            return None

    # -- lists: only what the reader may read ----------------------------------------------

    def cases(self, actor_id: str, views: Iterable[WageContractView]) -> list[WageContractView]:
        reader = self.reader(actor_id)
        return [v for v in views if may_read_case(reader, v)]

    def congress_terms(self, actor_id: str, views: Iterable[CongressView]) -> list[CongressView]:
        reader = self.reader(actor_id)
        return [v for v in views if may_read_congress(reader, v)]

    def motions(self, actor_id: str, views: Iterable[MotionView]) -> list[MotionView]:
        reader = self.reader(actor_id)
        terms: dict[str, CongressView | None] = {}  # one roster read per term, not per motion

        def congress_of(view: MotionView) -> CongressView | None:
            if view.congress_key not in terms:
                terms[view.congress_key] = self._congress(view.congress_key, None)
            return terms[view.congress_key]

        return [
            v
            for v in views
            if may_read_motion(reader, v, congress_of(v) if Role.DELEGATE in reader.roles else None)
        ]

    def rounds(self, actor_id: str, views: Iterable[RoundView]) -> list[RoundView]:
        reader = self.reader(actor_id)
        return [v for v in views if may_read_round(reader, v)]

    def nominations(
        self, actor_id: str, views: Iterable[NominationView], round_view: RoundView
    ) -> list[NominationView]:
        reader = self.reader(actor_id)
        return [v for v in views if may_read_nomination(reader, v, round_view)]

    def contests(
        self, actor_id: str, views: Iterable[tuple[ContestRoundView, list[EntryView]]]
    ) -> list[ContestRoundView]:
        reader = self.reader(actor_id)
        return [v for v, entries in views if may_read_contest(reader, v, entries)]
