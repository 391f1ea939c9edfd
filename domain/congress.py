"""The workers' congress (职工代表大会, 职代会) of one unit for one term, and its roster.

``Congress`` is the aggregate; its state is a ``CongressView`` that events evolve. Rules:
../shared/domain-rules.md §2; thresholds come from the profile recorded at creation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from domain.actors import Acting, CommandMeta, Role
from domain.base import ChangesView, CreatesView, LedgerAggregate, ViewState, deterministic_id
from domain.calendar import add_months
from domain.errors import InvalidInput, InvalidState
from domain.policies import check_unit_cadre
from domain.profiles import RuleProfile
from domain.text import Name, ShortText
from domain.wage_contract import Check

# -- value objects ---------------------------------------------------------------------

# A delegate's id is their actor id, so it follows ActorSpec.id's rule.
DELEGATE_ID_PATTERN = r"^[A-Za-z0-9_.\-]+$"
CONGRESS_KEY_PATTERN = r"^[A-Za-z0-9_.:\-]+$"


class DelegateCategory(StrEnum):
    """Which group of employees a delegate comes from (SH §16, EDM §19)."""

    FRONTLINE = "frontline"  # 一线职工
    TECHNICIAN = "technician"  # 专业技术人员
    MANAGER = "manager"  # 管理人员


class Gender(StrEnum):
    """A delegate's gender, for the women's share (女职工比例)."""

    FEMALE = "female"
    MALE = "male"


CATEGORY_LABELS: dict[DelegateCategory, tuple[str, str]] = {
    DelegateCategory.FRONTLINE: ("一线职工", "frontline worker"),
    DelegateCategory.TECHNICIAN: ("专业技术人员", "technician"),
    DelegateCategory.MANAGER: ("管理人员", "manager"),
}

GENDER_LABELS: dict[Gender, tuple[str, str]] = {
    Gender.FEMALE: ("女", "female"),
    Gender.MALE: ("男", "male"),
}


def parse_category(text: str) -> DelegateCategory | None:
    """A category from its English value or Chinese label (None when neither)."""
    value = text.strip()
    for category, (zh, _) in CATEGORY_LABELS.items():
        if value.lower() == category.value or value == zh:
            return category
    return None


def parse_gender(text: str) -> Gender | None:
    """A gender from its English value or Chinese label (None when neither)."""
    value = text.strip()
    for gender, (zh, _) in GENDER_LABELS.items():
        if value.lower() == gender.value or value == zh:
            return gender
    return None


class Delegate(BaseModel):
    """A delegate (职工代表) on the roster; recalled or replaced ones stay, inactive."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=64, pattern=DELEGATE_ID_PATTERN)
    name: Name
    constituency: ShortText  # 选区/代表团
    category: DelegateCategory
    gender: Gender
    active: bool = True


@dataclass(frozen=True)
class RowError:
    """One bad row of a roster file; row 1 is the header."""

    row: int
    field: str
    message: str
    message_en: str = ""

    def text(self, lang: str = "zh") -> str:
        """The message in the requested language."""
        return (self.message_en or self.message) if lang == "en" else self.message


class RosterImportError(InvalidInput):
    """A roster file was refused whole; ``row_errors`` lists its bad rows, every one of
    them unless ``more`` says the file held more than were collected."""

    SHOWN = 20

    def __init__(self, row_errors: list[RowError], *, more: bool = False) -> None:
        self.row_errors = list(row_errors)
        self.more = more
        shown = self.row_errors[: self.SHOWN]
        rest = len(self.row_errors) - len(shown)
        zh = "；".join(f"第{e.row}行 {e.field}：{e.message}" for e in shown)
        en = "; ".join(f"row {e.row} {e.field}: {e.message_en or e.message}" for e in shown)
        at_least = ("至少", "at least ") if more else ("", "")
        super().__init__(
            f"名册有{at_least[0]}{len(self.row_errors)}处错误，未导入任何代表：{zh}"
            + (f"（另有{rest}处）" if rest else "")
            + ("（还有更多错误未列出）" if more else ""),
            f"the roster has {at_least[1]}{len(self.row_errors)} errors; nothing was "
            f"imported: {en}"
            + (f" (and {rest} more)" if rest else "")
            + (" (more errors not listed)" if more else ""),
        )


class Body(StrEnum):
    """What kind of body a term is: a workers' congress (职代会) of a grassroots union, or a
    committee (评审委员会) of any union that votes like one (an award committee's secret
    poll): the same roster, sessions, quorum and polls."""

    CONGRESS = "congress"
    COMMITTEE = "committee"


class CongressView(BaseModel):
    """Everything known about one congress term; the state the events evolve."""

    key: str
    body: Body = Body.CONGRESS  # terms recorded before committees existed are congresses
    unit_org: str
    unit_path: list[str]
    term_no: int
    term_start: date
    term_end: date
    delegates: list[Delegate] = Field(default_factory=list)
    presidium: list[str] = Field(default_factory=list)
    sitting: str | None = None  # the session in progress; None between sessions
    profile_name: str
    profile_fingerprint: str
    version: int = 0

    def active_delegates(self) -> list[Delegate]:
        """The delegates in office."""
        return [d for d in self.delegates if d.active]

    def delegate(self, delegate_id: str) -> Delegate | None:
        """The delegate in office with this id, if any."""
        return next((d for d in self.delegates if d.active and d.id == delegate_id), None)

    def total(self) -> int:
        """All delegates in office: the denominator of quorum and pass thresholds."""
        return len(self.active_delegates())


def check_new_term(
    existing: Iterable[CongressView],
    unit_org: str,
    term_no: int,
    start: date,
    end: date,
    body: Body = Body.CONGRESS,
) -> None:
    """Refuse a term that repeats a term number of the unit's body or overlaps one of its
    terms (a committee's terms are counted apart from the congress's)."""
    for other in existing:
        if other.unit_org != unit_org or other.body is not body:
            continue
        if other.term_no == term_no:
            raise InvalidState(
                f"{unit_org} 已有第{term_no}届职代会（{other.key}）",
                f"{unit_org} already has a congress term no. {term_no} ({other.key})",
            )
        if start <= other.term_end and other.term_start <= end:
            raise InvalidState(
                f"届期与第{other.term_no}届职代会（{other.key}，{other.term_start} 至 "
                f"{other.term_end}）重叠",
                f"the term overlaps term no. {other.term_no} ({other.key}, "
                f"{other.term_start} to {other.term_end})",
            )


def check_session_dates(view: CongressView, opens_on: date, requested_by: list[str]) -> None:
    """A session opens within its congress's term; an extraordinary session is requested
    by delegates in office of that congress."""
    if not view.term_start <= opens_on <= view.term_end:
        raise InvalidInput(
            f"会议日期 {opens_on} 不在第{view.term_no}届职代会届期内"
            f"（{view.term_start} 至 {view.term_end}）",
            f"the session date {opens_on} is outside term no. {view.term_no} "
            f"({view.term_start} to {view.term_end})",
        )
    outsiders = sorted({r for r in requested_by if view.delegate(r) is None})
    if outsiders:
        raise InvalidInput(
            f"提议召开临时会议的须是本届在任代表：{'、'.join(outsiders)} 不是",
            f"an extraordinary session is requested by delegates in office: "
            f"{', '.join(outsiders)} are not",
        )


def congress_id(key: str) -> UUID:
    """The ledger id of a congress term."""
    return deterministic_id("congress", key)


def add_years(day: date, years: int) -> date:
    """Calendar years, with 29 February clamped to the 28th."""
    return add_months(day, 12 * years)


def term_end(start: date, years: int) -> date:
    """The last day of a term of ``years`` years that begins on ``start``."""
    return add_years(start, years) - timedelta(days=1)


# -- guards ------------------------------------------------------------------------------


def check_key(key: str) -> None:
    """A congress key is short and safe in ids and file names."""
    if not 1 <= len(key) <= 100 or re.fullmatch(CONGRESS_KEY_PATTERN, key) is None:
        raise InvalidInput(
            f"职代会编号无效：{key!r}（仅限字母、数字和 _ . : -）",
            f"invalid congress key {key!r} (letters, digits, _ . : - only)",
        )


def check_term(term_start: date, term_end: date, profile: RuleProfile) -> None:
    """The term lasts term_years_min..term_years_max years, ``term_end`` being its last day.

    So with 3–5 years, a term from 2024-03-15 may end from 2027-03-14 up to 2029-03-14.
    """
    rules = profile.congress
    earliest = add_years(term_start, rules.term_years_min) - timedelta(days=1)
    latest = add_years(term_start, rules.term_years_max) - timedelta(days=1)
    if not earliest <= term_end <= latest:
        raise InvalidInput(
            f"任期须为{rules.term_years_min}至{rules.term_years_max}年："
            f"自 {term_start} 起，届满日应在 {earliest} 至 {latest} 之间",
            f"a term lasts {rules.term_years_min} to {rules.term_years_max} years: from "
            f"{term_start} it must end between {earliest} and {latest}",
        )


def check_new_ids(view: CongressView, ids: list[str]) -> None:
    """Ids repeated in a batch, or already on the roster (in office or not), are refused."""
    seen: set[str] = set()
    repeated: list[str] = []
    for i in ids:
        if i in seen and i not in repeated:
            repeated.append(i)
        seen.add(i)
    # A former delegate keeps their id on the roster, so that id cannot name a second person.
    known = {d.id for d in view.delegates}
    on_roster = [i for i in dict.fromkeys(ids) if i in known]
    problems_zh, problems_en = [], []
    if repeated:
        problems_zh.append(f"编号重复：{', '.join(repeated)}")
        problems_en.append(f"ids repeated: {', '.join(repeated)}")
    if on_roster:
        problems_zh.append(f"已在名册中：{', '.join(on_roster)}")
        problems_en.append(f"already on the roster: {', '.join(on_roster)}")
    if problems_zh:
        raise InvalidInput("；".join(problems_zh), "; ".join(problems_en))


def check_between_sessions(view: CongressView, what: tuple[str, str]) -> None:
    """The roster is fixed while a session sits: its totals are the vote's denominator."""
    if view.sitting is not None:
        raise InvalidState(
            f"第{view.term_no}届职代会正在开会（{view.sitting}），闭会期间才能{what[0]}",
            f"session {view.sitting} is sitting; {what[1]} only between sessions",
        )


def check_reason(reason: str) -> str:
    """A change to the roster needs a written reason."""
    text = reason.strip()
    if not text:
        raise InvalidInput("须写明理由", "a reason is required")
    return text


# -- composition -------------------------------------------------------------------------


def composition_checks(view: CongressView, profile: RuleProfile) -> list[Check]:
    """Managers' share (hard), the presidium's workers (hard), the women's share (info)."""
    rules = profile.congress
    delegates = view.active_delegates()
    total = len(delegates)
    checks: list[Check] = []

    limit = rules.managers_max_fraction
    managers = sum(d.category is DelegateCategory.MANAGER for d in delegates)
    checks.append(
        Check(
            code="managers",
            hard=True,
            passed=total == 0 or limit.allows(managers, total),
            label_zh=f"管理人员代表不超过代表总数的{limit.num}/{limit.den}",
            label_en=f"managers at most {limit.num}/{limit.den} of all delegates",
            detail=f"管理人员 {managers}/{total}",
        )
    )

    if view.presidium:
        floor = rules.presidium_workers_min_fraction
        by_id = {d.id: d for d in delegates}
        members = [by_id[i] for i in view.presidium if i in by_id]
        workers = sum(d.category is not DelegateCategory.MANAGER for d in members)
        checks.append(
            Check(
                code="presidium_workers",
                hard=True,
                passed=bool(members) and floor.allows(workers, len(members)),
                label_zh=f"主席团中一线职工和专业技术人员不少于{floor.num}/{floor.den}",
                label_en=f"frontline workers and technicians at least {floor.num}/{floor.den} of the presidium",
                detail=f"一线职工和专业技术人员 {workers}/{len(members)}",
            )
        )

    women = sum(d.gender is Gender.FEMALE for d in delegates)
    checks.append(
        Check(
            code="women",
            hard=False,
            # Informational: "roughly proportional" needs the workforce's share, which the
            # directory does not hold, so the reader judges it.
            passed=True,
            label_zh="女职工代表比例（应与女职工比例大体相当）",
            label_en="share of women delegates (roughly that of women employees)",
            detail=f"女 {women}/{total}",
        )
    )
    return checks


# -- the aggregate -------------------------------------------------------------------------

_IMPORT = ("导入代表名册", "import the roster")
_REPLACE = ("替补代表", "replace a delegate")
_RECALL = ("罢免代表", "recall a delegate")
_ELECT = ("选举主席团", "elect the presidium")
_SESSION = ("召开或结束会议", "open or close a session")


class Congress(ViewState[CongressView], LedgerAggregate):
    """One term of a unit's workers' congress (职代会), its roster and presidium."""

    VIEW = CongressView

    class Created(CreatesView, LedgerAggregate.Created):
        """The term was set up (职代会届次建立)."""

        state: dict[str, Any]
        profile: dict[str, Any]

        def apply(self, aggregate: Congress) -> None:
            super().apply(aggregate)
            aggregate.profile_data = self.profile

    class Changed(ChangesView, LedgerAggregate.Event):
        """Base of the events below: each carries only its own facts."""

    class RosterImported(Changed):
        delegates: list[dict[str, Any]]
        source: str

        def evolve(self, s: CongressView) -> None:
            s.delegates.extend(Delegate.model_validate(d) for d in self.delegates)

    class DelegateReplaced(Changed):
        old_id: str
        new: dict[str, Any]
        reason: str

        def evolve(self, s: CongressView) -> None:
            _retire(s, self.old_id)
            s.delegates.append(Delegate.model_validate(self.new))

    class DelegateRecalled(Changed):
        delegate_id: str
        reason: str

        def evolve(self, s: CongressView) -> None:
            _retire(s, self.delegate_id)

    class PresidiumElected(Changed):
        members: list[str]

        def evolve(self, s: CongressView) -> None:
            s.presidium = list(self.members)

    class SessionBegan(Changed):
        session_id: str

        def evolve(self, s: CongressView) -> None:
            s.sitting = self.session_id

    class SessionEnded(Changed):
        session_id: str

        def evolve(self, s: CongressView) -> None:
            s.sitting = None

    def __init__(self, state: dict[str, Any], profile: dict[str, Any]) -> None:
        super().__init__()
        # Declared, not assigned: Created.apply sets them from the stored event.
        self.s: CongressView
        self.profile_data: dict[str, Any]

    # -- creation ----------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        key: str,
        unit_org: str,
        unit_path: list[str],
        term_no: int,
        term_start: date,
        term_end: date,
        profile: RuleProfile,
        meta: CommandMeta,
        body: Body = Body.CONGRESS,
    ) -> Congress:
        """Set up a term; see ``check_term`` for how its length is counted."""
        check_unit_cadre(meta.acting, unit_org, ("建立职代会届次", "set up a congress term"))
        check_key(key)
        if term_no < 1:
            raise InvalidInput("届次须为正整数", "the term number must be positive")
        if not unit_path or unit_path[-1] != unit_org:
            raise InvalidInput(f"{unit_org} 的组织路径无效", f"invalid org path for {unit_org}")
        check_term(term_start, term_end, profile)
        view = CongressView.model_validate(
            {
                "key": key,
                "body": body,
                "unit_org": unit_org,
                "unit_path": unit_path,
                "term_no": term_no,
                "term_start": term_start,
                "term_end": term_end,
                "profile_name": profile.name,
                "profile_fingerprint": profile.fingerprint(),
                "version": 1,
            }
        )
        return cls._new(
            congress_id(key),
            meta,
            state=view.model_dump(mode="json"),
            profile=profile.model_dump(mode="json"),
        )

    # -- reading -----------------------------------------------------------------------

    @property
    def rule_profile(self) -> RuleProfile:
        """The profile recorded when the term was set up."""
        return RuleProfile.model_validate(self.profile_data)

    # -- commands ----------------------------------------------------------------------

    def import_roster(self, delegates: list[Delegate], source: str, meta: CommandMeta) -> None:
        """Add a batch of delegates, all or none."""
        check_unit_cadre(meta.acting, self.s.unit_org, _IMPORT)
        check_between_sessions(self.s, _IMPORT)
        if not delegates:
            raise InvalidInput("名册中没有代表", "the roster lists no delegates")
        check_new_ids(self.s, [d.id for d in delegates])
        self._emit(
            self.RosterImported,
            meta,
            delegates=[
                d.model_copy(update={"active": True}).model_dump(mode="json") for d in delegates
            ],
            source=source,
        )

    def replace_delegate(self, old_id: str, new: Delegate, reason: str, meta: CommandMeta) -> None:
        """A delegate leaves office and another takes the seat (替补)."""
        check_unit_cadre(meta.acting, self.s.unit_org, _REPLACE)
        text = check_reason(reason)
        check_between_sessions(self.s, _REPLACE)
        self._check_in_office(old_id)
        check_new_ids(self.s, [new.id])
        self._emit(
            self.DelegateReplaced,
            meta,
            old_id=old_id,
            new=new.model_copy(update={"active": True}).model_dump(mode="json"),
            reason=text,
        )

    def recall_delegate(self, delegate_id: str, reason: str, meta: CommandMeta) -> None:
        """A delegate is recalled (罢免) and the seat stays empty."""
        check_unit_cadre(meta.acting, self.s.unit_org, _RECALL)
        text = check_reason(reason)
        check_between_sessions(self.s, _RECALL)
        self._check_in_office(delegate_id)
        self._emit(self.DelegateRecalled, meta, delegate_id=delegate_id, reason=text)

    def elect_presidium(self, ids: list[str], meta: CommandMeta) -> None:
        """Record the presidium (主席团) the delegates elected; members are delegates in office."""
        check_unit_cadre(meta.acting, self.s.unit_org, _ELECT)
        if not ids:
            raise InvalidInput("主席团不能为空", "the presidium cannot be empty")
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise InvalidInput(
                f"主席团成员重复：{', '.join(repeated)}", f"listed twice: {', '.join(repeated)}"
            )
        outsiders = [i for i in ids if self.s.delegate(i) is None]
        if outsiders:
            raise InvalidInput(
                f"主席团成员须为在任代表：{', '.join(outsiders)} 不是",
                f"presidium members must be delegates in office: {', '.join(outsiders)} are not",
            )
        self._emit(self.PresidiumElected, meta, members=list(ids))

    def begin_session(self, session_id: str, meta: CommandMeta) -> None:
        """A session opens; the roster is fixed until it ends. Re-opening it is a no-op."""
        self._check_session_actor(meta.acting)
        if not session_id.strip():
            raise InvalidInput("会议编号不能为空", "a session id is required")
        if self.s.sitting == session_id:
            return
        if self.s.sitting is not None:
            raise InvalidState(
                f"会议 {self.s.sitting} 尚未结束，不能同时召开 {session_id}",
                f"session {self.s.sitting} is still sitting; {session_id} cannot open",
            )
        if self.s.total() == 0:
            raise InvalidState("名册中没有在任代表，不能开会", "no delegates in office")
        self._emit(self.SessionBegan, meta, session_id=session_id)

    def end_session(self, session_id: str, meta: CommandMeta) -> None:
        """The sitting session closes."""
        self._check_session_actor(meta.acting)
        if self.s.sitting != session_id:
            raise InvalidState(
                f"会议 {session_id} 不在进行中", f"session {session_id} is not sitting"
            )
        self._emit(self.SessionEnded, meta, session_id=session_id)

    # -- guards ------------------------------------------------------------------------

    def _check_in_office(self, delegate_id: str) -> None:
        if self.s.delegate(delegate_id) is None:
            raise InvalidInput(
                f"{delegate_id} 不是在任代表", f"{delegate_id} is not a delegate in office"
            )

    def _check_session_actor(self, acting: Acting) -> None:
        # The session workflow acts as the engine; a cadre may do it by hand.
        if acting.role is not Role.SYSTEM:
            check_unit_cadre(acting, self.s.unit_org, _SESSION)


def _retire(s: CongressView, delegate_id: str) -> None:
    s.delegates = [
        d.model_copy(update={"active": False}) if d.active and d.id == delegate_id else d
        for d in s.delegates
    ]
    # A delegate out of office is out of the presidium too; the seat is not refilled.
    s.presidium = [m for m in s.presidium if m != delegate_id]
