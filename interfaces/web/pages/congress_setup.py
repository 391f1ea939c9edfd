"""Setting a workers' congress up from the web (职代会筹备): terms, the roster, the call
for motions, convening a session.

Each act is the one ``unionflow congress create|roster-import|convene`` and ``motion call``
make, through the same services with the signed-in person: ``CongressService`` for the term
and its roster (a roster with any bad row is refused whole, every bad row listed with its
number and reason), ``MotionService.open_call``, ``SessionService.convene`` (papers at
least 7 days before the opening, the term's dates, the 1/3 rule of an extraordinary
session). The forms are shown to the unit's cadres; the services decide. Each form's
``command_id`` makes a double submit one act. A term is set up under the rule profile its
form chooses (``--profile``; unknown or broken: refused, nothing written); its sessions and
motions follow the term's profile, which the term and convene pages show.
"""

from __future__ import annotations

import asyncio
import re
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from pydantic import ValidationError

from domain.actors import Role, china_date
from domain.congress import CATEGORY_LABELS, GENDER_LABELS, Body, RosterImportError, term_end
from domain.errors import DomainError, InvalidInput, InvalidState, NotFound
from domain.policies import is_unit_cadre
from domain.poll import ItemKind
from domain.session import AgendaItem, SessionKind, session_id_for
from domain.text import reason as why_refused
from i18n import Lang, pick
from interfaces.text import Names
from interfaces.web.app import context_of
from interfaces.web.auth import Me, RecordKey, SignedIn
from interfaces.web.context import TemporalUnavailable
from interfaces.web.forms import actor_ids, chosen_profile, profile_choices, see_other
from interfaces.web.pages import new_command_id
from interfaces.web.problem import NO_TEMPORAL, status_of
from interfaces.web.templating import render

router = APIRouter(include_in_schema=False)

NOTICES: dict[str, tuple[str, str]] = {
    "created": ("已建立届次。下一步：导入代表名册。", "Term set up. Next: import the roster."),
    "roster": ("名册已导入。", "Roster imported."),
    "call": ("已发起提案征集。", "Call for motions opened."),
}
ROSTER_SUFFIXES = (".csv", ".xlsx", ".xlsm")
SAME_FORM_WAIT_SECONDS = 10.0


def _today() -> date:
    return china_date(datetime.now(UTC))


def _reason(e: DomainError | TemporalUnavailable) -> tuple[str, int]:
    if isinstance(e, DomainError):
        return e.message(Lang.code), status_of(e)
    return pick(NO_TEMPORAL), 503


def may_set_up(request: Request, actor_id: str, unit_org: str) -> bool:
    """Whether to show a unit's set-up forms to this person (the services still decide)."""
    try:
        acting = context_of(request).app.directory.acting(actor_id, Role.CADRE)
    except DomainError:
        return False
    return is_unit_cadre(acting, unit_org)


# -- terms -----------------------------------------------------------------------------------


@router.get("/congresses")
async def congress_list(request: Request, me: Me) -> Response:
    """Every congress term (and committee) the person may read, their own unit's first."""
    ctx = context_of(request)
    record = ctx.app.directory.actor(me.actor_id)
    readable = ctx.app.read_policy.congress_terms(me.actor_id, ctx.app.congresses.congresses())
    terms = sorted(readable, key=lambda v: (v.unit_org != record.spec.org, v.key))
    return render(
        request,
        "congress/setup_list.html",
        {"terms": terms, "names": Names(ctx.app.directory), "cadre": "cadre" in me.roles},
    )


def _new_term_form(
    request: Request,
    me: SignedIn,
    values: dict[str, Any] | None = None,
    refusal: str | None = None,
    status_code: int = 200,
) -> Response:
    ctx = context_of(request)
    unit = ctx.app.directory.actor(me.actor_id).spec.org
    shown = {
        "unit": unit,
        "term_no": "",
        "start": _today().isoformat(),
        "end": "",
        "years": "5",
        "key": "",
        "committee": False,
        "comment": "",
        "profile": ctx.app.settings.rule_profile,
        "command_id": new_command_id(),
        **(values or {}),
    }
    return render(
        request,
        "congress/setup_new.html",
        {
            "v": shown,
            "unit_name": Names(ctx.app.directory).org(unit),
            "profiles": profile_choices(request),
            "refusal": refusal,
        },
        status_code=status_code,
    )


@router.get("/congresses/new")
async def new_term(request: Request, me: Me) -> Response:
    """The set-up form of a congress term of the cadre's unit (or a committee)."""
    return _new_term_form(request, me)


def _date(text: str, what: tuple[str, str]) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"{what[0]}日期无效：{text}（应为 YYYY-MM-DD）", f"{what[1]}: not a date: {text}"
        ) from None


def _whole(text: str, what: tuple[str, str], least: int, most: int) -> int:
    if not text.strip().isdigit() or not least <= int(text) <= most:
        raise InvalidInput(
            f"{what[0]}应为 {least} 到 {most} 之间的整数：{text}",
            f"{what[1]} is a whole number from {least} to {most}: {text}",
        )
    return int(text)


@router.post("/congresses")
async def create_term(
    request: Request,
    me: Me,
    unit: str = Form(..., max_length=200),
    term_no: str = Form("", max_length=10),
    start: str = Form("", max_length=20),
    end: str = Form("", max_length=20),
    years: str = Form("", max_length=4),
    key: str = Form("", max_length=200),
    committee: bool = Form(False),
    comment: str = Form("", max_length=20_000),
    profile: str = Form("", max_length=100),
    command_id: str = Form(..., min_length=1, max_length=100),
) -> Response:
    """Set up the term (``congress create --profile``, ``--committee`` when ticked); its
    sessions and motions follow the term's profile."""
    typed: dict[str, Any] = {
        "unit": unit,
        "term_no": term_no,
        "start": start,
        "end": end,
        "years": years,
        "key": key,
        "committee": committee,
        "comment": comment,
        "profile": profile,
        "command_id": command_id,
    }
    try:
        rules = chosen_profile(request, profile)
        number = _whole(term_no, ("届次", "the term number"), 1, 1000)
        first = _date(start, ("任期起始", "the first day"))
        if bool(end.strip()) == bool(years.strip()):
            raise InvalidInput(
                "请填写届满日或任期年数，二者取一", "give either the last day or the years"
            )
        last = (
            _date(end, ("届满", "the last day"))
            if end.strip()
            else term_end(first, _whole(years, ("任期年数", "the years"), 1, 10))
        )
        chosen = key.strip() or f"{unit}-{'committee-' if committee else ''}{number}"
        view = await asyncio.to_thread(
            context_of(request).app.congresses.create,
            me.actor_id,
            chosen,
            unit,
            number,
            first,
            last,
            rules,
            comment=comment,
            body=Body.COMMITTEE if committee else Body.CONGRESS,
            command_id=command_id,
        )
    except DomainError as e:
        reason, status = _reason(e)
        return _new_term_form(request, me, typed, refusal=reason, status_code=status)
    return see_other(f"/congresses/{view.key}?done=created")


def _term(request: Request, me: SignedIn, key: str, **extra: Any) -> dict[str, Any]:
    ctx = context_of(request)
    view = ctx.app.read_policy.check_congress(me.actor_id, ctx.app.congresses.view(key))
    return {
        "view": view,
        "names": Names(ctx.app.directory),
        "checks": ctx.app.congresses.composition(key),
        "calls": ctx.readers().motions.calls(key),
        "categories": {c: pick(label) for c, label in CATEGORY_LABELS.items()},
        "genders": {g: pick(label) for g, label in GENDER_LABELS.items()},
        "may_set_up": may_set_up(request, me.actor_id, view.unit_org),
        "command_id": new_command_id(),
        "today": _today().isoformat(),
        "max_bytes": ctx.app.settings.import_limits.max_bytes,
        "max_rows": ctx.app.settings.import_limits.max_rows,
        "row_errors": None,
        "more_errors": False,
        "refusal": None,
        "notice": None,
        **extra,
    }


def _term_refused(request: Request, me: SignedIn, key: str, reason: str, status: int) -> Response:
    """A refused act on a term: on the term's page, or alone to someone who may not read
    the term (they are told why, and shown nothing of it)."""
    try:
        values = _term(request, me, key, refusal=reason)
    except NotFound:
        return render(request, "refused.html", {"reason": reason}, status_code=status)
    return render(request, "congress/setup_term.html", values, status_code=status)


@router.get("/congresses/{key}")
async def term_page(request: Request, key: RecordKey, me: Me, done: str = "") -> Response:
    """A term: its roster, the composition checks, the call for motions, convening."""
    notice = pick(NOTICES[done]) if done in NOTICES else None
    return render(request, "congress/setup_term.html", _term(request, me, key, notice=notice))


# -- the roster --------------------------------------------------------------------------------


def _roster_name(filename: str) -> str:
    """The uploaded file's own name (its errors name it), kept to safe characters."""
    name = Path(filename.replace("\\", "/")).name
    suffix = Path(name).suffix.lower()
    stem = re.sub(r"[^\w.\-]+", "_", Path(name).stem)[:80] or "roster"
    return f"{stem}{suffix}"


async def _roster_file(upload: UploadFile, folder: Path, limit: int) -> Path:
    name = _roster_name(upload.filename or "")
    if Path(name).suffix not in ROSTER_SUFFIXES:
        raise InvalidInput(
            f"不支持的名册格式 {upload.filename}（请用 CSV 或 XLSX）",
            f"unsupported roster format {upload.filename} (use CSV or XLSX)",
        )
    data = await upload.read(limit + 1)
    if len(data) > limit:
        size = f"{limit / (1 << 20):g} MiB"
        raise InvalidInput(
            f"名册文件 {upload.filename} 过大（超过 {size}），未导入",
            f"{upload.filename} is larger than {size}; nothing was imported",
        )
    path = folder / name
    path.write_bytes(data)
    return path


@router.post("/congresses/{key}/roster")
async def import_roster(
    request: Request,
    key: RecordKey,
    me: Me,
    file: UploadFile | None = File(None),
    comment: str = Form("", max_length=20_000),
    command_id: str = Form(..., min_length=1, max_length=100),
) -> Response:
    """Import the roster (``congress roster-import``): all rows, or none and every bad row."""
    app = context_of(request).app
    try:
        if file is None or not file.filename:
            raise InvalidInput(
                "请选择名册文件（CSV 或 XLSX）", "choose a roster file (CSV or XLSX)"
            )
        with tempfile.TemporaryDirectory(prefix="uf-roster-") as folder:
            path = await _roster_file(file, Path(folder), app.settings.import_limits.max_bytes)
            await asyncio.to_thread(
                app.congresses.import_roster,
                me.actor_id,
                key,
                path,
                comment=comment,
                command_id=command_id,
            )
    except RosterImportError as e:
        values = _term(request, me, key, row_errors=e.row_errors, more_errors=e.more)
        return render(request, "congress/setup_term.html", values, status_code=422)
    except DomainError as e:
        return _term_refused(request, me, key, *_reason(e))
    return see_other(f"/congresses/{key}?done=roster#roster")


# -- the call for motions ------------------------------------------------------------------------


@router.post("/congresses/{key}/motion-call")
async def open_call(
    request: Request,
    key: RecordKey,
    me: Me,
    session_on: str = Form("", max_length=20),
    comment: str = Form("", max_length=20_000),
    command_id: str = Form(..., min_length=1, max_length=100),
) -> Response:
    """Open the call for motions before a session (``motion call``)."""
    ctx = context_of(request)
    try:
        day = _date(session_on, ("会议", "the session date"))
        motions = (await ctx.facades()).motions
        await motions.open_call(me.actor_id, key, day, comment=comment, command_id=command_id)
    except (DomainError, TemporalUnavailable) as e:
        return _term_refused(request, me, key, *_reason(e))
    return see_other(f"/congresses/{key}?done=call#calls")


# -- convening a session ---------------------------------------------------------------------------

AGENDA_ROWS = 5  # blank agenda rows a new form shows (more on request, up to MAX_ROWS)
MAX_ROWS = 40
ITEM_KINDS: dict[ItemKind, tuple[str, str]] = {
    ItemKind.APPROVAL: ("审议通过（赞成/反对/弃权）", "approval (yes/no/abstain)"),
    ItemKind.ADVICE: ("审议建议（赞成/反对/弃权）", "advice (yes/no/abstain)"),
    ItemKind.ELECTION: ("民主选举（候选人）", "election (candidates)"),
    ItemKind.APPRAISAL: ("民主评议（满意/基本满意/不满意）", "appraisal (satisfied…)"),
}
BALLOTS = {"": None, "secret": True, "named": False}  # "" : the kind's default


def agenda_of(typed: dict[str, Any], most: int) -> list[AgendaItem]:
    """The agenda of the form's rows (``title-N``, ``kind-N``, ``ballot-N``,
    ``candidates-N``, ``max-N``, ``case-N``): rows with a title, numbered in order; a bad
    row is refused naming its number, as the CLI refuses a bad agenda file."""
    rows = sorted(
        int(name.split("-", 1)[1]) for name in typed if re.fullmatch(r"title-\d{1,3}", name)
    )
    items: list[AgendaItem] = []
    for row in rows:
        title = str(typed.get(f"title-{row}", "")).strip()
        if not title:
            continue
        if len(items) >= most:
            raise InvalidInput(
                f"议程超过 {most} 项（上限见 UNIONFLOW_IMPORT_MAX_AGENDA_ITEMS）",
                f"the agenda has more than {most} items (UNIONFLOW_IMPORT_MAX_AGENDA_ITEMS)",
            )
        no = len(items) + 1
        ballot = str(typed.get(f"ballot-{row}", ""))
        fields: dict[str, Any] = {
            "no": no,
            "title": title,
            "kind": str(typed.get(f"kind-{row}", "")),
            "candidates": actor_ids(str(typed.get(f"candidates-{row}", "")))[:1000],
            "max_choices": str(typed.get(f"max-{row}", "")).strip() or 1,
            "wage_case_id": str(typed.get(f"case-{row}", "")).strip() or None,
        }
        if ballot not in BALLOTS:
            raise InvalidInput(f"议题 {no}：表决方式无效", f"item {no}: unknown ballot {ballot}")
        if BALLOTS[ballot] is not None:
            fields["secret"] = BALLOTS[ballot]
        try:
            items.append(AgendaItem.model_validate(fields))
        except ValidationError as e:
            where = ".".join(str(p) for p in e.errors()[0]["loc"])
            zh, en = why_refused(e)
            raise InvalidInput(
                f"议题 {no}（{where}）无效：{zh}", f"item {no} ({where}): {en}"
            ) from None
    return items


def same_session(polls: Any, sid: str, wanted: dict[str, Any]) -> bool:
    """Whether the session ``sid`` is already convened with this very agenda and dates
    (the same form posted again)."""
    try:
        view = polls.session(sid)
    except NotFound:
        return False
    return all(getattr(view, name) == value for name, value in wanted.items())


def _convene_form(
    request: Request,
    me: SignedIn,
    key: str,
    values: dict[str, Any] | None = None,
    refusal: str | None = None,
    status_code: int = 200,
    rows: int = AGENDA_ROWS,
) -> Response:
    ctx = context_of(request)
    view = ctx.app.read_policy.check_congress(me.actor_id, ctx.app.congresses.view(key))
    today = _today()
    shown: dict[str, Any] = {
        "label": "",
        "papers_sent": today.isoformat(),
        "opens": (today + timedelta(days=7)).isoformat(),
        "extraordinary": False,
        "requested_by": "",
        "command_id": new_command_id(),
        **(values or {}),
    }
    filled = max((int(k.split("-")[1]) for k in shown if re.fullmatch(r"title-\d+", k)), default=0)
    return render(
        request,
        "congress/setup_convene.html",
        {
            "view": view,
            "names": Names(ctx.app.directory),
            "v": shown,
            "rows": range(1, max(rows, filled) + 1),
            "more_rows": min(max(rows, filled) + 4, MAX_ROWS),
            "kinds": [(k, pick(label)) for k, label in ITEM_KINDS.items()],
            "may_set_up": may_set_up(request, me.actor_id, view.unit_org),
            "refusal": refusal,
        },
        status_code=status_code,
    )


@router.get("/congresses/{key}/convene")
async def convene_form(
    request: Request, key: RecordKey, me: Me, rows: int = AGENDA_ROWS
) -> Response:
    """The form convening a session: its label, dates and agenda."""
    return _convene_form(request, me, key, rows=min(max(rows, 1), MAX_ROWS))


@router.post("/congresses/{key}/convene")
async def convene(request: Request, key: RecordKey, me: Me) -> Response:
    """Convene the session (``congress convene``), then show the chair's screen."""
    ctx = context_of(request)
    form = await request.form()
    typed: dict[str, Any] = {
        name: value for name, value in form.multi_items() if isinstance(value, str)
    }
    typed["extraordinary"] = bool(typed.get("extraordinary"))
    try:
        command_id = str(typed.get("command_id", "")).strip()
        if not command_id or len(command_id) > 100:
            raise InvalidInput("表单缺少 command_id", "the form has no command_id")
        label = str(typed.get("label", "")).strip()
        agenda = agenda_of(typed, ctx.app.settings.import_limits.max_agenda_items)
        papers = _date(str(typed.get("papers_sent", "")), ("材料送达", "papers sent"))
        opens = _date(str(typed.get("opens", "")), ("开会", "the opening"))
        kind = SessionKind.EXTRAORDINARY if typed["extraordinary"] else SessionKind.REGULAR
        requested = actor_ids(str(typed.get("requested_by", "")))[:1000]
        wanted = {"agenda": agenda, "papers_sent_on": papers, "opens_on": opens, "kind": kind}
        sid = session_id_for(key, label) if label else ""
        if sid and same_session(ctx.app.polls, sid, wanted):
            return see_other(f"/sessions/{sid}")  # this form convened it already
        sessions = (await ctx.facades()).sessions
        try:
            view = await sessions.convene(
                me.actor_id,
                key,
                label,
                agenda,
                papers_sent_on=papers,
                opens_on=opens,
                kind=kind,
                requested_by=requested,
            )
        except InvalidState:  # the precheck refuses as InvalidInput; this is "exists"
            if sid and await _convened_meanwhile(ctx.app.polls, sid, wanted):
                return see_other(f"/sessions/{sid}")
            raise
    except (DomainError, TemporalUnavailable) as e:
        reason, status = _reason(e)
        try:
            return _convene_form(request, me, key, typed, refusal=reason, status_code=status)
        except NotFound:  # someone who may not read the term: the refusal alone
            return render(request, "refused.html", {"reason": reason}, status_code=status)
    return see_other(f"/sessions/{view.session_id}")


async def _convened_meanwhile(polls: Any, sid: str, wanted: dict[str, Any]) -> bool:
    """A second post while the first is still convening: wait for the first's session."""
    for _ in range(int(SAME_FORM_WAIT_SECONDS / 0.2)):
        try:
            polls.session(sid)
        except NotFound:
            await asyncio.sleep(0.2)
            continue
        return same_session(polls, sid, wanted)
    return False
