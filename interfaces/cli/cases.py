"""Top-level commands for every role: ``tasks``, and ``status`` and ``history`` of any record."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import typer

from application.records import BY_NAME, Record, resolve
from bootstrap import App, Facades, connect
from domain import motion as motion_rules
from domain.actors import CHINA_TZ
from domain.award.values import (
    NOMINATION_STAGE_LABELS,
    NOTICE_LABELS,
    ROUND_STAGE_LABELS,
    NominationView,
    RoundView,
)
from domain.campaign import CampaignView, UnitView
from domain.campaign.values import PHASE_LABELS as CAMPAIGN_PHASES
from domain.congress import CongressView
from domain.contest.values import PHASE_LABELS
from domain.contest.values import RoundView as ContestRoundView
from domain.errors import DomainError
from domain.motion import MotionCallView, MotionView
from domain.motion import Stage as MotionStage
from domain.poll import PollView
from domain.session import SessionView
from domain.wage_contract import STAGE_LABELS, WageContractView
from domain.wage_contract import Stage as WageStage
from i18n import (
    POLL_STATUS_LABELS,
    REVIEW_OUTCOME_LABELS,
    event_label,
    fmt,
    label_of,
    pick,
    role_label,
    system_comment,
    t,
)
from interfaces.cli._common import (
    AS,
    console,
    fail,
    open_app,
    parse_time,
    print_view,
    run,
    stage,
)
from interfaces.cli.campaign import _org_names, _print_campaign, _print_unit
from interfaces.cli.campaign_run import _print_status as _print_campaign_workflow
from interfaces.cli.congress import _term_title
from interfaces.cli.motion import _print_call, _print_motion, _print_motion_details
from interfaces.cli.render import Table, plain, styled
from interfaces.cli.sessions import _print_poll, _print_results, _print_session
from interfaces.text import Names, case_dates, poll_outcome, waiting_for
from processes import PROCESSES, InboxItem


def tasks(actor: str = AS) -> None:
    """此人员的待办事项（所有流程） / what waits for this actor, across every process."""

    def go(application: App) -> list[InboxItem]:
        application.directory.actor(actor)  # an unknown actor is refused, not an empty inbox
        facades = application.facades()
        return [
            item
            for process in PROCESSES
            for item in process.inbox(application, getattr(facades, process.facade_name), actor)
        ]

    items = run(go)
    if not items:
        console.print(t("no_tasks"))
        return
    table = Table(title=pick(("待办", "Inbox")))
    for col in ("process", "id", "name", "todo", "due"):
        table.add_column(t(col))
    for item in items:
        due = item.due + (pick(("（已逾期）", " (overdue)")) if item.overdue else "")
        table.add_row(pick(item.process), item.key, item.title, pick(item.todo), due)
    console.print(table)


KEY = typer.Argument(
    ...,
    help="编号：案件、职代会届次、会议、表决、提案或提案征集 / "
    "the key of a case, congress term, session, poll, motion or call for motions",
)
KIND = typer.Option(
    None,
    "--kind",
    help=f"记录类型（编号有歧义时） / record kind, when a key is ambiguous: {', '.join(BY_NAME)}",
)
WORKFLOW_TIMEOUT = 3  # seconds: without an answer by then, the ledger view is shown alone


# -- status: the current state, with each kind's own printer -------------------------------


def _print_case(application: App, view: WageContractView, wf: Any) -> None:
    print_view(view)
    names = Names(application.directory)
    table = Table(show_header=False)
    table.add_row(t("employer"), view.employer)
    table.add_row(t("profile"), f"{view.profile_name} ({view.profile_fingerprint[:12]})")
    table.add_row(pick(("要约", "Offer")), str(view.offer_on))
    overdue = pick(("已逾期，已提请上级工会协调", "overdue, escalated to the higher union"))
    table.add_row(
        pick(("回应期限", "Reply due")),
        f"{view.reply_due}{' · ' + overdue if view.reply_overdue else ''}",
    )
    _talks_rows(table, view)
    if view.reviews:
        r = view.reviews[-1]
        outcome = label_of(REVIEW_OUTCOME_LABELS, r.outcome) if r.outcome else "…"
        decided = f" · {names.person(r.decided_by)}" if r.decided_by else ""
        table.add_row(
            pick(("预审", "Pre-review")),
            fmt(("第 {n} 轮", "round {n}"), n=r.round)
            + f" · {names.org(r.reviewer_org)} · {pick(('期限', 'due'))} {r.due} · {outcome}"
            + decided,
        )
        if r.taken_over_from:
            table.add_row(
                pick(("接手预审", "Taken over")),
                f"{names.org(r.taken_over_from)} → {names.org(r.reviewer_org)}: {r.takeover_reason}",
            )
    _filing_rows(table, view)
    for label, value in case_dates(view):
        if value:
            table.add_row(pick(label), str(value))
    for no, text in enumerate(view.objections, start=1):
        table.add_row(fmt(("审查意见 {n}", "Objection {n}"), n=no), text)
    flags = [
        pick(f)
        for f, on in (
            (("开始协商逾期", "talks start overdue"), view.talks_start_overdue),
            (("备案逾期", "filing overdue"), view.filing_overdue and view.signing_current),
            (("公布逾期", "publication overdue"), view.publication_overdue),
            (
                ("报上级工会逾期", "report to the higher union overdue"),
                view.higher_union_report_overdue,
            ),
        )
        if on
    ]
    if flags:
        table.add_row(
            styled(f"[red]{pick(('逾期', 'Overdue'))}[/]"), pick(("、", ", ")).join(flags)
        )
    if wf is not None and wf.waiting is not None:
        table.add_row(t("waiting"), _waiting(wf.waiting, wage_stage_label))
    console.print(table)


def _talks_rows(table: Table, view: WageContractView) -> None:
    """Before and around the talks: the employees' request, the start deadline, data."""
    if view.requested_by_employees is not None:
        req = view.requested_by_employees
        table.add_row(
            pick(("职工要求要约", "Employees' request")),
            fmt(
                ("{s}/{e} 名职工联名 · {d}", "{s} of {e} employees · {d}"),
                s=req.signatures,
                e=req.employees,
                d=req.received_on,
            ),
        )
    if view.talks_start_due is not None and view.rounds_held == 0:
        table.add_row(pick(("开始协商期限", "Talks start due")), str(view.talks_start_due))
    for data in view.data_requests:
        side = (
            pick(("企业方", "the employer"))
            if data.requested_from.value == "employer"
            else pick(("职工方", "the union"))
        )
        provided = (
            fmt(("{d} 已提供", "provided {d}"), d=data.provided_on)
            if data.provided_on
            else pick(("未提供", "pending"))
        )
        table.add_row(
            fmt(("资料请求 {n}", "Data request {n}"), n=data.no),
            f"{side}: {pick(('、', ', ')).join(data.items)} · {provided}",
        )


def _filing_rows(table: Table, view: WageContractView) -> None:
    """What the labour administration holds: a package found incomplete, the resolution."""
    if view.filing_missing:
        table.add_row(
            styled(f"[red]{pick(('备案材料不齐', 'Filing incomplete'))}[/]"),
            pick(("、", ", ")).join(view.filing_missing)
            + fmt((" · 补正期限 {d}", " · fix by {d}"), d=view.filing_fix_due),
        )
    package = view.filing_package
    if package is not None and package.adopted_on is not None and view.filing_current:
        table.add_row(
            pick(("备案所附决议", "Resolution filed")),
            fmt(
                (
                    "{d} · 应到 {t} 实到 {p} · 赞成 {y} 反对 {n} 弃权 {a}",
                    "{d} · delegates {t}, present {p} · for {y}, against {n}, abstaining {a}",
                ),
                d=package.adopted_on,
                t=package.delegates_total,
                p=package.delegates_present,
                y=package.votes_for,
                n=package.votes_against,
                a=package.abstentions,
            ),
        )


def _waiting(wait: Any, stage_label: Callable[[str], str] | None = None) -> str:
    until = f" → {wait.until.astimezone(CHINA_TZ):%Y-%m-%d %H:%M}" if wait.until else ""
    return f"{waiting_for(wait.kind, stage_label)}{until}"


def _print_term(application: App, view: CongressView, wf: Any) -> None:
    console.print(_term_title(view))


def _print_session_status(application: App, view: SessionView, wf: Any) -> None:
    _print_results(view, application.polls.item_polls(view), Names(application.directory))
    for poll in wf.polls if wf is not None else []:
        if poll.stage == "tallied":
            continue
        until = f" → {poll.closes_at.astimezone(CHINA_TZ):%Y-%m-%d %H:%M}" if poll.closes_at else ""
        stage = label_of(POLL_STATUS_LABELS, poll.stage)
        console.print(f"{t('waiting')}: {poll.poll_key} {stage}{until}")


def _print_poll_status(application: App, view: PollView, wf: Any) -> None:
    _print_poll(view)
    outcome = poll_outcome(view, Names(application.directory))
    if outcome:
        console.print(f"{t('result')}: {outcome}")


def _print_motion_status(application: App, view: MotionView, wf: Any) -> None:
    _print_motion_details(view, Names(application.directory))
    if wf is not None and wf.waiting is not None:
        console.print(f"{t('waiting')}: {_waiting(wf.waiting, motion_stage_label)}")


def _print_call_status(application: App, view: MotionCallView, wf: Any) -> None:
    _print_call(view)


def _round_headline(view: RoundView) -> None:
    d = view.definition
    console.print(
        f"[bold]{plain(view.title)}[/] ({view.key}) · {pick((d.zh, d.en))} · "
        f"{t('stage')}: [cyan]{pick(ROUND_STAGE_LABELS[view.stage])}[/]"
    )


def _contest_headline(view: ContestRoundView) -> None:
    console.print(
        f"[bold]{plain(view.title)}[/] ({view.key}) · {pick((view.definition.zh, view.definition.en))}"
        f" · {t('stage')}: [cyan]{pick(PHASE_LABELS[view.phase])}[/]"
    )


def _print_contest_status(application: App, view: ContestRoundView, wf: Any) -> None:
    _contest_headline(view)
    if wf is None:
        return
    if wf.waiting is not None:
        console.print(f"{t('waiting')}: {_waiting(wf.waiting)}")
    console.print(
        f"{pick(('催办', 'reminders'))}: {wf.reminder_rounds} ({wf.reminded})"
        + (f" · {plain(wf.rank_refused)}" if wf.rank_refused else "")
    )
    if wf.close_refused:
        console.print(f"{pick(('公示未能结束', 'notice not closed'))}: {plain(wf.close_refused)}")
    if wf.titles is not None:
        console.print(
            f"{pick(('授予称号', 'titles granted'))}: {wf.titles.granted}"
            f" · {pick(('此前已授予', 'granted before'))} {wf.titles.already}"
            f" · {pick(('已持有未再授予', 'held already, not granted again'))} {wf.titles.held}"
        )


def _nomination_headline(view: NominationView) -> None:
    n = view.nominee
    console.print(
        f"[bold]{plain(n.name)}[/] ({view.key}) · {n.unit_org}"
        f" · {t('stage')}: [cyan]{pick(NOMINATION_STAGE_LABELS[view.stage])}[/]"
    )


def _print_round_status(application: App, view: RoundView, wf: Any) -> None:
    _round_headline(view)
    if wf is not None and wf.waiting is not None:
        console.print(f"{t('waiting')}: {_waiting(wf.waiting)}")


def _print_nomination_status(application: App, view: NominationView, wf: Any) -> None:
    n = view.nominee
    console.print(
        f"[bold]{plain(n.name)}[/] ({view.key}) · {Names(application.directory).org(n.unit_org)}"
        f" · {t('stage')}: [cyan]{pick(NOMINATION_STAGE_LABELS[view.stage])}[/]"
    )
    for notice in view.notices:
        console.print(f"  {pick(NOTICE_LABELS[notice.level])}: {notice.starts} – {notice.ends}")
    if view.removed_reason:
        console.print(f"  {plain(view.removed_reason)}")


def _print_campaign_status(application: App, view: CampaignView, wf: Any) -> None:
    _print_campaign(view, _org_names(application))
    if wf is not None:
        _print_campaign_workflow(view.key, wf, view.phase)


def _print_campaign_unit_status(application: App, view: UnitView, wf: Any) -> None:
    campaign = application.campaigns.view(view.campaign_key)
    _print_unit(campaign, view, _org_names(application))


def _print_any(application: App, view: Any, wf: Any) -> None:
    """A record kind without its own printer: its key and where it stands."""
    _headline_any(view)


def _headline_any(view: Any) -> None:
    key = getattr(view, "key", "") or getattr(view, "code", "")
    where = getattr(view, "stage", None) or getattr(view, "phase", None) or ""
    console.print(
        f"[bold]{plain(str(key))}[/]" + (f" · [cyan]{plain(str(where))}[/]" if where else "")
    )


def _stage_label(labels: dict[Any, tuple[str, str]], enum: Any, value: str) -> str:
    try:
        return pick(labels[enum(value)])
    except (ValueError, KeyError):
        return value


def wage_stage_label(value: str) -> str:
    """A wage contract's stage from its code, as a workflow reports it."""
    return _stage_label(STAGE_LABELS, WageStage, value)


def motion_stage_label(value: str) -> str:
    """A motion's stage from its code, as a workflow reports it."""
    return _stage_label(motion_rules.STAGE_LABELS, MotionStage, value)


# Per kind: the full status printer, and how to ask its workflow (kinds without one: None).
_STATUS: dict[str, Callable[[App, Any, Any], None]] = {
    "case": _print_case,
    "congress": _print_term,
    "session": _print_session_status,
    "poll": _print_poll_status,
    "motion": _print_motion_status,
    "call": _print_call_status,
    "round": _print_round_status,
    "nomination": _print_nomination_status,
    "contest": _print_contest_status,
    "campaign": _print_campaign_status,
    "campaign_unit": _print_campaign_unit_status,
}
_WORKFLOW: dict[str, Callable[[Facades, str], Awaitable[Any]]] = {
    "case": lambda facades, key: facades.wage_contracts.status(key),
    "session": lambda facades, key: facades.sessions.status(key),
    "motion": lambda facades, key: facades.motions.status(key),
    "round": lambda facades, key: facades.awards.status(key),
    "contest": lambda facades, key: facades.contests.status(key),
    "campaign": lambda facades, key: facades.campaigns.status(key),
}
# Per kind: one line on where the record stands, for ``history --at`` (a case shows its stage).
_HEADLINE: dict[str, Callable[[Any], None]] = {
    "congress": lambda view: console.print(_term_title(view)),
    "session": _print_session,
    "poll": _print_poll,
    "motion": _print_motion,
    "call": _print_call,
    "round": _round_headline,
    "nomination": _nomination_headline,
    "contest": _contest_headline,
    "campaign": lambda view: console.print(
        f"[bold]{plain(pick(view.title))}[/] ({view.key}) · [cyan]{pick(CAMPAIGN_PHASES[view.phase])}[/]"
    ),
}


def status(key: str = KEY, kind: str | None = KIND) -> None:
    """记录的当前状态（案件、职代会、会议、表决、提案、提案征集） / the status of a record."""

    async def workflow_status(application: App, record: Record) -> Any:
        ask = _WORKFLOW.get(record.kind.name)
        if ask is None:
            return None
        try:
            client = await asyncio.wait_for(connect(application.settings), WORKFLOW_TIMEOUT)
            return await asyncio.wait_for(ask(application.facades(client), key), WORKFLOW_TIMEOUT)
        except Exception:  # noqa: BLE001 - the ledger view is enough without a server
            return None

    application = open_app()
    try:
        record = resolve(application.ledger, key, kind)
        wf = asyncio.run(workflow_status(application, record))
        _STATUS.get(record.kind.name, _print_any)(application, record.view(), wf)
    except DomainError as e:
        fail(e)
        raise
    finally:
        application.close()


# -- history: the ledger timeline of any record ----------------------------------------------


def history(
    key: str = KEY,
    kind: str | None = KIND,
    at: str | None = typer.Option(
        None, "--at", help="ISO 时间：查看当时的状态 / as it was at this instant"
    ),
    as_json: bool = typer.Option(False, "--json", help="JSON 输出 / JSON output"),
) -> None:
    """记录的历史：每个事件的操作人、角色、说明与哈希 / the timeline of a record."""
    moment = parse_time(at)

    def go(application: App) -> tuple[Record, list[Any], Any, Names]:
        record = resolve(application.ledger, key, kind)
        entries = application.audit().timeline(record.ledger_id, at=moment)
        view = None
        if moment is not None and entries:
            view = record.view(application.ledger, at=moment)
        names = Names(application.directory)
        for e in entries:  # read while the ledger is open
            names.person(e.actor.get("id", ""))
            names.org(e.actor.get("org", ""))
        return record, entries, view, names

    record, entries, view, names = run(go)
    if as_json:
        payload = {
            "case": key,  # the key, under the name it had when only cases had histories
            "kind": record.kind.name,
            "at": moment.isoformat() if moment else None,
            "events": [e.model_dump(mode="json") for e in entries],
            "state": view.model_dump(mode="json") if view else None,
        }
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return
    label = pick(record.kind.label)
    title = f"{label[:1].upper()}{label[1:]} {key}" + (f" @ {moment.isoformat()}" if moment else "")
    table = Table(title=title)
    for col in ("version", "time", "event", "actor", "role", "org", "comment", "hash"):
        table.add_column(t(col), overflow="fold")
    for e in entries:
        role = e.actor.get("role", "")
        table.add_row(
            str(e.version),
            e.timestamp.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M"),
            event_label(e.event, record.kind.name),
            names.person(e.actor.get("id", "")),
            role_label(role),
            names.org(e.actor.get("org", "")),
            system_comment(e.comment) if role == "system" else e.comment,
            e.hash[:12],
        )
    console.print(table)
    if view is None:
        return
    if record.kind.name == "case":
        console.print(f"{t('stage')} @ {moment}: [cyan]{stage(view)}[/]")
    else:
        console.print(f"@ {moment}:")
        _HEADLINE.get(record.kind.name, _headline_any)(view)
