"""The process registry: every process UnionFlow runs, in one list.

Each entry names its workflow, builds its activities and its facade from the composition
root's ``App``, and says what waits for an actor. The worker registers workflows and
activities from this list, ``App.facades`` builds the facades from it, and the one inbox
(``unionflow tasks``) asks each entry in turn — so adding a process is one entry here
(see docs/adding-a-process.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from temporalio.client import Client

from activities.audit import AuditActivities
from activities.award import AwardActivities
from activities.campaign import CampaignActivities
from activities.congress import CongressActivities
from activities.contest import ContestActivities
from activities.motion import MotionActivities
from activities.wage_contract import WageContractActivities
from application.contest_notice import ContestNotices
from application.contest_rounds import ContestRoundSteps
from application.facts import Facts
from domain import motion as motion_rules
from domain import wage_contract as wage_rules
from domain.actors import CHINA_TZ
from domain.policies import Label
from domain.wage_contract import Stage as WageStage
from services.awards import AwardFacade
from services.campaigns import CampaignFacade
from services.contests import ContestFacade
from services.motions import MotionService
from services.sessions import SessionService
from services.wage_contracts import WageContractService
from workflows.award_round import AwardRoundWorkflow
from workflows.campaign import CampaignWorkflow
from workflows.congress_session import CongressSessionWorkflow
from workflows.contest_round import ContestRoundWorkflow
from workflows.motion import MotionWorkflow
from workflows.wage_contract import WageContractWorkflow

if TYPE_CHECKING:
    from bootstrap import App


@dataclass(frozen=True)
class InboxItem:
    """One row of the inbox (待办): a record, what to do on it, and by when."""

    process: Label
    key: str  # the record's key, as the process's commands take it
    title: str
    todo: Label
    due: str = ""  # a date (YYYY-MM-DD), or "" when nothing is due
    overdue: bool = False


@dataclass(frozen=True)
class Process:
    """One process: its workflow, activities, facade and inbox."""

    key: str
    label: Label
    workflow: type
    facade_name: str  # the attribute of ``bootstrap.Facades``
    activities: Callable[[App], object]
    facade: Callable[[App, Client | None], Any]
    inbox: Callable[[App, Any, str], list[InboxItem]]


def activity_methods(activities: object) -> list[Callable[..., Any]]:
    """The Temporal activities an activities object defines, bound to it."""
    return [
        getattr(activities, name)
        for name in sorted(dir(type(activities)))
        if hasattr(getattr(type(activities), name), "__temporal_activity_definition")
    ]


# -- wage special collective contract ---------------------------------------------------------

WAGE_LABEL: Label = ("工资专项集体合同", "wage contract")


def wage_next_due(view: wage_rules.WageContractView) -> tuple[date | None, bool]:
    """The deadline the case's next step is held to, and whether it has passed."""
    due, overdue = None, False
    if view.talks_not_started:
        due, overdue = view.talks_start_due, view.talks_start_overdue
    elif view.reviews and view.stage is WageStage.UNDER_REVIEW:
        # A late round goes up a level with a new due date; late at the top, it stays late.
        due, overdue = view.reviews[-1].due, view.reviews[-1].overdue_at_top
    elif view.filing_due and view.stage is WageStage.SIGNED:
        due, overdue = view.filing_due, view.filing_overdue
    elif view.publication_due and view.stage is WageStage.EFFECTIVE and not view.published_on:
        due, overdue = view.publication_due, view.publication_overdue
    elif view.higher_union_report_due and view.higher_union_reported_on is None:
        due, overdue = view.higher_union_report_due, view.higher_union_report_overdue
    return due, overdue


def _wage_inbox(app: App, facade: WageContractService, actor: str) -> list[InboxItem]:
    grouped: dict[str, tuple[Any, list[str]]] = {}
    for view, kind in facade.tasks(actor):
        grouped.setdefault(view.case_id, (view, []))[1].append(kind)
    items = [
        InboxItem(
            WAGE_LABEL,
            f"{request.unit_org}:{request.year}",
            f"{request.unit_org} {request.year}",
            (
                f"发出要约（{request.employees}名职工中{request.signatures}人书面要求，"
                f"达到{request.fraction}）",
                f"send the offer ({request.signatures} of {request.employees} employees asked "
                f"in writing, at least {request.fraction})",
            ),
            str(request.received_on),
        )
        for request in facade.offer_obligations(actor)
    ]
    todos: dict[tuple[str, ...], Label] = {}  # a cadre's 10,000 cases share a few
    for view, kinds in grouped.values():
        due, overdue = wage_next_due(view)
        todo = todos.get(tuple(kinds))
        if todo is None:
            labels = [wage_rules.COMMAND_LABELS[k] for k in kinds]
            todo = (" / ".join(zh for zh, _ in labels), " / ".join(en for _, en in labels))
            todos[tuple(kinds)] = todo
        title = f"{view.unit_org} {view.employer}"
        items.append(InboxItem(WAGE_LABEL, view.case_id, title, todo, str(due or ""), overdue))
    return items


WAGE_CONTRACT = Process(
    key="wage_contract",
    label=WAGE_LABEL,
    workflow=WageContractWorkflow,
    facade_name="wage_contracts",
    activities=lambda app: WageContractActivities(
        app.ledger, app.calendar, app.profiles, app.directory
    ),
    facade=lambda app, client: WageContractService(
        client, app.ledger, app.directory, app.settings, profiles=app.profiles
    ),
    inbox=_wage_inbox,
)

# -- workers' congress session, with its polls ------------------------------------------------

SESSION_LABEL: Label = ("职代会表决", "congress poll")


def _session_inbox(app: App, facade: SessionService, actor: str) -> list[InboxItem]:
    secret: Label = ("无记名投票", "vote by secret ballot")
    named: Label = ("记名投票", "vote by named ballot")
    return [
        InboxItem(
            SESSION_LABEL,
            poll.spec.poll_key,
            poll.spec.title,
            secret if poll.spec.secret else named,
        )
        for poll in app.polls.open_polls_for(actor)
    ]


CONGRESS_SESSION = Process(
    key="congress_session",
    label=("职工代表大会", "workers' congress session"),
    workflow=CongressSessionWorkflow,
    facade_name="sessions",
    activities=lambda app: CongressActivities(
        app.ledger,
        app.polls,
        app.congresses,
        app.profiles,
        app.calendar,
        seal=lambda comment: app.audit().seal(comment),
    ),
    facade=lambda app, client: SessionService(client, app.congresses, app.polls, app.settings),
    inbox=_session_inbox,
)

# -- motions (提案) ---------------------------------------------------------------------------

MOTION_LABEL: Label = ("提案", "motion")


def _motion_inbox(app: App, facade: MotionService, actor: str) -> list[InboxItem]:
    items = []
    for view, kind in facade.tasks(actor):
        answering = kind == "answer" and view.due is not None
        items.append(
            InboxItem(
                MOTION_LABEL,
                view.motion_id,
                view.title,
                motion_rules.COMMAND_LABELS[kind],
                str(view.due) if answering else "",
                answering and view.overdue,
            )
        )
    return items


MOTION = Process(
    key="motion",
    label=MOTION_LABEL,
    workflow=MotionWorkflow,
    facade_name="motions",
    activities=lambda app: MotionActivities(
        app.ledger, app.congresses, Facts(app.congresses, app.directory)
    ),
    facade=lambda app, client: MotionService(client, app.congresses, app.settings),
    inbox=_motion_inbox,
)

# -- award selection (劳动模范, 五一劳动奖章, 工人先锋号) ------------------------------------------

AWARD_LABEL: Label = ("评选表彰", "award selection")
AWARD_TODO: dict[str, Label] = {
    "unit_steps": (
        "完成本单位推荐程序（联席会议、职代会表决、单位公示）",
        "finish the unit's steps",
    ),
    "submit": ("报送推荐材料", "submit the nomination"),
    "first_review": ("初审", "first review"),
    "second_review": ("复审", "second review"),
    "resolve_objection": ("调查处理异议", "investigate an objection"),
    "clearance": ("出具部门意见", "give the clearance"),
    "start_notice": ("开始总工会公示", "start the federation's notice"),
    "record_committee": ("登记评审委员会表决", "record the committee's vote"),
    "publish": ("发布表彰名单", "publish the list"),
}


def _award_inbox(app: App, facade: AwardFacade, actor: str) -> list[InboxItem]:
    items = []
    for task in facade.tasks(actor):
        n = task.nomination
        key = n.key if n is not None else task.round.key
        title = f"{task.round.title} · {n.nominee.name}" if n is not None else task.round.title
        overdue = task.due is not None and task.due < app_today()
        items.append(
            InboxItem(AWARD_LABEL, key, title, AWARD_TODO[task.kind], str(task.due or ""), overdue)
        )
    return items


def app_today() -> date:
    return datetime.now(CHINA_TZ).date()


AWARD = Process(
    key="award",
    label=AWARD_LABEL,
    workflow=AwardRoundWorkflow,
    facade_name="awards",
    activities=lambda app: AwardActivities(app.awards),
    facade=lambda app, client: AwardFacade(client, app.awards, app.directory, app.settings),
    inbox=_award_inbox,
)

# -- contests (安康杯, skills contests, the "六好" assessment) ---------------------------------

CONTEST_LABEL: Label = ("竞赛评比", "contest")
CONTEST_TODO: dict[str, Label] = {
    "self_assess": ("本单位自评", "self-assess the unit"),
    "score": ("评分", "score the entry"),
    "commit": ("提交评分摘要", "commit the sheet's hash"),
    "reveal": ("揭示评分", "reveal the sheet"),
    "close_registration": ("截止报名", "close registration"),
    "start_judging": ("截止自评，开始评审", "start judging"),
    "assign_judges": ("指派评委", "assign judges"),
    "second_entry": ("纸质评分表二次录入", "enter a paper sheet again"),
    "rank": ("发布排名", "rank the round"),
    "post_notice": ("发布排名公示", "post the ranking's notice"),
    "resolve_objection": ("调查处理异议", "investigate an objection"),
    "close_notice": ("结束公示", "close the notice"),
}


def _contest_inbox(app: App, facade: ContestFacade, actor: str) -> list[InboxItem]:
    items = []
    today = app_today()
    for task in facade.tasks(actor):
        e = task.entry
        blind = (
            e is not None
            and task.kind in ("score", "commit", "reveal")
            and (task.round.definition.judging.blind)
        )
        key = (
            (f"{task.round.key}:{e.code}" if blind else e.key) if e is not None else task.round.key
        )
        title = task.round.title
        if e is not None:
            title = f"{title} · {e.code if blind else e.name}"
        overdue = task.due is not None and task.due < today
        items.append(
            InboxItem(
                CONTEST_LABEL, key, title, CONTEST_TODO[task.kind], str(task.due or ""), overdue
            )
        )
    return items


CONTEST = Process(
    key="contest",
    label=CONTEST_LABEL,
    workflow=ContestRoundWorkflow,
    facade_name="contests",
    activities=lambda app: ContestActivities(
        ContestRoundSteps(app.contests, ContestNotices(app.contests, app.calendar))
    ),
    facade=lambda app, client: ContestFacade(client, app.contests, app.directory, app.settings),
    inbox=_contest_inbox,
)

# -- campaigns with target rates (集中行动) -------------------------------------------------

CAMPAIGN_LABEL: Label = ("集中行动", "campaign")


def _campaign_todo(task: Any) -> Label:
    c = task.campaign
    if task.kind == "close":
        return ("总结报告已出，结束集中行动", "the final report is made: close the campaign")
    zh, en = c.definition.indicator(task.indicator).label
    if task.kind == "review":
        return (f"审核填报：{zh}（{task.period}）", f"review the report: {en} ({task.period})")
    return (f"填报：{zh}（{task.period}）", f"report: {en} ({task.period})")


def _campaign_inbox(app: App, facade: CampaignFacade, actor: str) -> list[InboxItem]:
    items = []
    today = app_today()
    for task in facade.tasks(actor, today):
        c = task.campaign
        key = f"{c.key}:{task.code}" if task.code else c.key
        title = f"{c.title[0]} · {task.name}" if task.name else c.title[0]
        overdue = task.due is not None and task.due < today
        items.append(
            InboxItem(
                CAMPAIGN_LABEL, key, title, _campaign_todo(task), str(task.due or ""), overdue
            )
        )
    return items


CAMPAIGN = Process(
    key="campaign",
    label=CAMPAIGN_LABEL,
    workflow=CampaignWorkflow,
    facade_name="campaigns",
    activities=lambda app: CampaignActivities(app.campaigns),
    facade=lambda app, client: CampaignFacade(client, app.campaigns, app.directory, app.settings),
    inbox=_campaign_inbox,
)

PROCESSES: list[Process] = [WAGE_CONTRACT, CONGRESS_SESSION, MOTION, AWARD, CONTEST, CAMPAIGN]

# Activities over the whole ledger that belong to no single process.
LEDGER_ACTIVITIES: list[Callable[[App], object]] = [lambda app: AuditActivities(app.audit())]
