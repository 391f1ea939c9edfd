"""What pages and the API read about people's work: the inbox and wage contract cases.

Everything here comes from the ledger through the facades without Temporal
(``WebContext.readers``), so these reads work while no worker or server runs. Each row is a
pydantic model: the API returns it as it is, a page renders it. Every list holds only what
the signed-in person may read, and a case they may not read is missing
(``application.read_policy``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING
from urllib.parse import quote

from pydantic import BaseModel

from application.read_policy import may_read_case
from domain.errors import NotFound
from domain.motion import MotionView
from domain.wage_contract import STAGE_LABELS, WageContractView
from interfaces.text import Names
from interfaces.web.paging import Count, Paged, Paging
from processes import AWARD_TODO, CONTEST_TODO, PROCESSES, InboxItem, app_today, wage_next_due

if TYPE_CHECKING:
    from bootstrap import App, Facades
    from processes import Process


class InboxRow(BaseModel):
    """One item of a person's inbox (待办)."""

    process: str  # the process's key: wage_contract, congress_session, motion
    process_zh: str
    process_en: str
    key: str
    title: str
    todo_zh: str
    todo_en: str
    due: str = ""  # a date, or "" when nothing is due
    overdue: bool = False
    url: str | None = None  # the item's page


def _case_url(app: App, key: str) -> str:
    from domain.wage_contract import wage_contract_id

    # An employees' request that obliges an offer has no case yet: the offer form.
    return f"/cases/{key}" if app.ledger.exists(wage_contract_id(key)) else "/cases/new"


def _ballot_url(app: App, key: str) -> str:
    # A poll waiting for a delegate: the ballot page of its session.
    return f"/sessions/{quote(app.polls.poll(key).spec.session_id)}/vote"


def _motion_url(app: App, key: str) -> str:
    return f"/motions/{quote(key)}"


# Where an award task is handled on the nominee's page (the round's steps: its dashboard).
_AWARD_ANCHORS = {"clearance": "#clearances", "resolve_objection": "#objections",
                  "first_review": "#steps", "second_review": "#steps"}  # fmt: skip


def _award_url(app: App, item: InboxItem) -> str:
    from domain.award.values import nomination_ledger_id

    if not app.ledger.exists(nomination_ledger_id(item.key)):
        return f"/awards/{quote(item.key, safe=':')}"
    kind = next((k for k, label in AWARD_TODO.items() if label == item.todo), "")
    return f"/awards/nominations/{quote(item.key, safe=':')}{_AWARD_ANCHORS.get(kind, '#steps')}"


_JUDGING = ("score", "commit", "reveal")
_NOTICE = ("post_notice", "resolve_objection", "close_notice")


def _contest_url(app: App, item: InboxItem) -> str:
    """A judge's item: the scoring form of the entry (by its code, which is all a blind
    judge is shown: the item's key is then ``round:code``); a unit's: its self-assessment
    form; the organiser's: the round's dashboard."""
    from domain.contest.values import round_ledger_id

    kind = next((k for k, label in CONTEST_TODO.items() if label == item.todo), "")
    if kind in _NOTICE:  # the notice's forms are on the public ranking page
        round_key = item.key if app.ledger.exists(round_ledger_id(item.key)) else ""
        round_key = round_key or app.contests.entry(item.key).round_key
        return f"/contests/{quote(round_key, safe=':')}/ranking"
    if app.ledger.exists(round_ledger_id(item.key)):
        return f"/contests/{quote(item.key, safe=':')}"  # a round step
    if kind in _JUDGING and item.key.count(":") and not _is_entry(app, item.key):
        round_key, _, code = item.key.rpartition(":")  # a blind judge's ``round:code``
        return f"/contests/{quote(round_key, safe=':')}/judge/{quote(code)}"
    e = app.contests.entry(item.key)
    round_url = f"/contests/{quote(e.round_key, safe=':')}"
    if kind in _JUDGING:
        return f"{round_url}/judge/{quote(e.code)}"
    if kind == "self_assess":
        return f"{round_url}/entries/{quote(e.entrant, safe=':')}/self"
    return round_url


def _is_entry(app: App, key: str) -> bool:
    from domain.contest.values import entry_ledger_id

    return app.ledger.exists(entry_ledger_id(key))


def _campaign_url(app: App, key: str) -> str:
    """A unit's report or review (``campaign:unit``) on the unit's page; the campaign's own
    step (close) on its dashboard."""
    try:
        app.campaigns.view(key)
    except NotFound:  # not a campaign (a key may hold ":"): the campaign, then the unit
        campaign, _, code = key.partition(":")
        return f"/campaigns/{quote(campaign)}/units/{quote(code)}"
    return f"/campaigns/{quote(key)}"


# Where an inbox item of each process is handled (a timeline for a process without pages).
LINKS: dict[str, Callable[[App, str], str]] = {
    "wage_contract": _case_url,
    "congress_session": _ballot_url,
    "motion": _motion_url,
    "campaign": _campaign_url,
}
# Processes whose items link by what is to be done, not by the record alone.
ITEM_LINKS: dict[str, Callable[[App, InboxItem], str]] = {
    "award": _award_url,
    "contest": _contest_url,
}


class InboxPage(Paged):
    """One page of a person's inbox: overdue first, then by due date (items with no date
    last, in process order); ``counts`` per process, of the whole inbox."""

    items: list[InboxRow]


Found = list[tuple["Process", InboxItem]]


class InboxMemo:
    """Each person's whole inbox, sorted, as it stood at a ledger head on a day.

    Every item comes from the ledger (the processes' read models, the directory, the read
    policy) or from the date (what is overdue), so while the ledger's head and the day
    stay, the inbox does: a cadre with 10,000 cases pages through it without listing them
    all again. Any event recorded since (by any process) makes the next request list
    afresh. The head is read before listing, so a list is never filed under a head newer
    than what it saw. Per web process, for the ``size`` people who asked last."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._found: OrderedDict[str, tuple[tuple[int, date], Found]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, actor_id: str, stamp: tuple[int, date]) -> Found | None:
        with self._lock:
            hit = self._found.get(actor_id)
            if hit is None or hit[0] != stamp:
                return None
            self._found.move_to_end(actor_id)
            return hit[1]

    def put(self, actor_id: str, stamp: tuple[int, date], found: Found) -> None:
        with self._lock:
            self._found[actor_id] = (stamp, found)
            self._found.move_to_end(actor_id)
            while len(self._found) > self.size:
                self._found.popitem(last=False)


def inbox(
    app: App, readers: Facades, actor_id: str, paging: Paging, memo: InboxMemo | None = None
) -> InboxPage:
    """What waits for ``actor_id`` in every process (as ``unionflow tasks``), one page.

    Every item is listed and sorted (from the processes' read models; kept in ``memo``
    while the ledger does not change), but only the page's rows are linked, which reads
    the ledger."""
    app.directory.actor(actor_id)  # an unknown actor is refused, not an empty inbox
    stamp = (app.ledger.max_notification_id(), app_today())
    items = memo.get(actor_id, stamp) if memo is not None else None
    if items is None:
        items = _all_items(app, readers, actor_id)
        if memo is not None:
            memo.put(actor_id, stamp, items)
    counts: dict[str, Count] = {}
    for process, item in items:
        counts.setdefault(
            process.key, Count(key=process.key, zh=item.process[0], en=item.process[1])
        )
        counts[process.key].count += 1
    window = paging.window(len(items))
    rows = []
    for process, item in items[window]:
        link = LINKS.get(process.key, lambda _app, key: f"/records/{key}")
        by_item = ITEM_LINKS.get(process.key)
        rows.append(
            InboxRow(
                process=process.key,
                process_zh=item.process[0],
                process_en=item.process[1],
                key=item.key,
                title=item.title,
                todo_zh=item.todo[0],
                todo_en=item.todo[1],
                due=item.due,
                overdue=item.overdue,
                url=by_item(app, item) if by_item else link(app, item.key),
            )
        )
    return InboxPage(
        items=rows,
        counts=list(counts.values()),
        overdue=sum(item.overdue for _, item in items),
        **paging.of(len(items)),
    )


def _all_items(app: App, readers: Facades, actor_id: str) -> Found:
    """Every item of the person's inbox they may read, soonest due first."""
    readable = _readable_items(app, readers, actor_id)
    items = [
        (process, item)
        for process in PROCESSES
        for item in process.inbox(app, getattr(readers, process.facade_name), actor_id)
        if readable(process.key, item.key)
    ]
    items.sort(key=lambda found: _soonest(found[1].overdue, found[1].due))
    return items


def _readable_items(app: App, readers: Facades, actor_id: str) -> Callable[[str, str], bool]:
    """Whether the person may read an inbox item's record (by process and key): an item is
    what they are to act on, so this hides only what the directory changed since."""
    policy = app.read_policy
    reader = policy.reader(actor_id)
    cases: dict[str, WageContractView] = {}
    motions: dict[str, MotionView] = {}

    def readable(process: str, key: str) -> bool:
        if process == "wage_contract":
            if not cases:
                cases.update((v.case_id, v) for v in readers.wage_contracts.cases())
            case = cases.get(key)  # none: an employees' request, of the person's own unit
            return case is None or may_read_case(reader, case)
        if process == "motion":
            if not motions:
                motions.update((v.motion_id, v) for v in readers.motions.motions())
            motion = motions.get(key)
            return motion is not None and policy.may_read_motion(reader, motion)
        if process == "congress_session":
            session = app.polls.session(app.polls.poll(key).spec.session_id)
            return policy.may_read_session(reader, session)
        return True  # award items: AwardFacade.tasks keeps only what the read policy allows

    return readable


def _soonest(overdue: bool, due: object) -> tuple[bool, bool, str]:
    """Overdue first, then by due date; no date last (a stable sort keeps the rest)."""
    shown = str(due or "")
    return (not overdue, shown == "", shown)


class CaseRow(BaseModel):
    """One wage contract case in the list."""

    case_id: str
    unit_org: str
    unit_name: str
    employer: str
    year: int
    stage: str
    stage_zh: str
    stage_en: str
    due: date | None = None  # the deadline its next step is held to
    overdue: bool = False
    url: str


def case_row(view: WageContractView, names: Names) -> CaseRow:
    due, overdue = wage_next_due(view)
    zh, en = STAGE_LABELS[view.stage]
    return CaseRow(
        case_id=view.case_id,
        unit_org=view.unit_org,
        unit_name=names.org(view.unit_org),
        employer=view.employer,
        year=view.year,
        stage=view.stage.value,
        stage_zh=zh,
        stage_en=en,
        due=due,
        overdue=overdue,
        url=f"/cases/{view.case_id}",
    )


class CasePage(Paged):
    """One page of the wage contract cases: overdue first, then by the due date of their
    next step (cases with none last, in the order they were opened); ``counts`` per
    stage, of every case."""

    items: list[CaseRow]


def cases(app: App, readers: Facades, actor_id: str, paging: Paging) -> CasePage:
    """Every wage contract case the person may read, as ``unionflow wage list``, one page."""
    views = app.read_policy.cases(actor_id, readers.wage_contracts.cases())
    dues = [wage_next_due(v) for v in views]
    order = sorted(range(len(views)), key=lambda i: _soonest(dues[i][1], dues[i][0]))
    counts: dict[str, Count] = {}
    for view in views:
        zh, en = STAGE_LABELS[view.stage]
        counts.setdefault(view.stage.value, Count(key=view.stage.value, zh=zh, en=en))
        counts[view.stage.value].count += 1
    names = Names(app.directory)
    return CasePage(
        items=[case_row(views[i], names) for i in order[paging.window(len(views))]],
        counts=[counts[s.value] for s in STAGE_LABELS if s.value in counts],
        overdue=sum(overdue for _, overdue in dues),
        **paging.of(len(views)),
    )


class CaseDetail(BaseModel):
    """A case with what the signed-in person may do on it now."""

    case: WageContractView
    row: CaseRow
    steps: list[str]  # command kinds this person may take now
    takes_over: bool  # a review decision of theirs takes a round over (give a reason)
    timeline: str  # the record's timeline page


def case_detail(app: App, readers: Facades, case_id: str, actor_id: str) -> CaseDetail:
    """The case from the ledger, if the person may read it, and their possible steps
    ("may they do X?")."""
    facade = readers.wage_contracts
    view = app.read_policy.check_case(actor_id, facade.view(case_id))
    return CaseDetail(
        case=view,
        row=case_row(view, Names(app.directory)),
        steps=facade.steps(actor_id, view),
        takes_over=facade.takes_over(actor_id, view),
        timeline=f"/records/{case_id}?kind=case",
    )
