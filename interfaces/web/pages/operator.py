"""The operator's pages (运维管理): the directory, accounts, and a directory upload.

Every page is for an actor holding the ``operator`` role, as the directory in the ledger
says (``DirectoryService.as_operator``); anyone else gets a 403 problem. The acts are the
ones ``unionflow accounts issue-code|unlock`` and ``directory load`` make, through the same
services, recorded as the signed-in operator through the ``web`` channel; each form's
``command_id`` makes a double submit one act. Reading never needs Temporal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from application.directory import DirectoryFile
from application.input_files import model_from_yaml
from domain.actors import CHINA_TZ
from domain.directory import ActorRecord, Organisation
from domain.errors import DomainError, InvalidInput
from i18n import ORG_KIND_LABELS, Lang, label_of, pick, role_label
from interfaces.web.auth import Me, RecordKey, SignedIn
from interfaces.web.context import context_of
from interfaces.web.forms import see_other, upload_text
from interfaces.web.pages import new_command_id
from interfaces.web.problem import status_of
from interfaces.web.templating import render

router = APIRouter(include_in_schema=False)

NO_STORE = {"Cache-Control": "no-store"}  # a setup code stays out of the browser's cache

ACCOUNT_STATES = {
    "none": ("未开通", "no account"),
    "awaiting_setup": ("待设置密码", "awaiting setup"),
    "active": ("已开通", "active"),
}
NOTICES = {"unlocked": ("已解锁。", "Unlocked.")}


def operator(request: Request, me: Me) -> SignedIn:
    """The signed-in person, when the directory gives them the operator role (else 403)."""
    context_of(request).app.directory.as_operator(me.actor_id)
    return me


Operator = Annotated[SignedIn, Depends(operator)]


@dataclass
class OrgNode:
    """An organisation of the tree with its actors and the organisations under it."""

    org: Organisation
    actors: list[ActorRecord] = field(default_factory=list)
    children: list[OrgNode] = field(default_factory=list)


def org_tree(orgs: list[Organisation], actors: list[ActorRecord]) -> list[OrgNode]:
    """The organisations nested by their paths, each with its actors."""
    nodes = {o.spec.code: OrgNode(o) for o in orgs}
    for a in actors:
        if a.spec.org in nodes:
            nodes[a.spec.org].actors.append(a)
    roots: list[OrgNode] = []
    for o in orgs:  # in path order: a parent comes before its children
        parent = o.path[-2] if len(o.path) > 1 else None
        (nodes[parent].children if parent in nodes else roots).append(nodes[o.spec.code])
    return roots


def _labels() -> dict[str, Any]:
    return {
        "roles_of": lambda spec: pick(("、", ", ")).join(role_label(r.value) for r in spec.roles),
        "kind_of": lambda spec: label_of(ORG_KIND_LABELS, spec.kind.value),
        "org_name": lambda spec: (spec.name_en or spec.name) if Lang.code == "en" else spec.name,
        "state_of": lambda state: pick(ACCOUNT_STATES[state]),
        "role_label": role_label,
        "local": lambda moment: moment.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M"),
    }


@router.get("/operator")
async def operator_home(me: Operator) -> Response:
    return see_other("/operator/directory")


@router.get("/operator/directory")
async def directory_page(request: Request, me: Operator) -> Response:
    """The organisation tree, each organisation's actors and their roles."""
    directory = context_of(request).app.directory
    orgs, actors = directory.organisations(), directory.actors()
    return render(
        request,
        "operator/directory.html",
        {"tree": org_tree(orgs, actors), "orgs": len(orgs), "actors": len(actors), **_labels()},
    )


@router.get("/operator/actors/{actor_id}")
async def actor_page(
    request: Request, actor_id: RecordKey, me: Operator, notice: str = ""
) -> Response:
    """One actor: organisation and its path, roles, and the state of the account."""
    ctx = context_of(request)
    record = ctx.app.directory.actor(actor_id)
    org = ctx.app.directory.organisation(record.spec.org)
    path = [ctx.app.directory.organisation(code) for code in org.path]
    summary = next(s for s in ctx.accounts().accounts() if s.actor_id == actor_id)
    return render(
        request,
        "operator/actor.html",
        {
            "record": record,
            "path": path,
            "account": summary,
            "command_id": new_command_id(),
            "notice": pick(NOTICES[notice]) if notice in NOTICES else "",
            **_labels(),
        },
    )


@router.get("/operator/accounts")
async def accounts_page(request: Request, me: Operator, q: str = "") -> Response:
    """Every actor's account: set up or not, locked until, TOTP, tokens; with the acts."""
    wanted = q.strip()[:100].lower()
    rows = [
        s
        for s in context_of(request).accounts().accounts()
        if not wanted or wanted in s.actor_id.lower() or wanted in s.name.lower()
    ]
    return render(
        request,
        "operator/accounts.html",
        {"rows": rows, "q": q[:100], "command_id": new_command_id(), **_labels()},
    )


@router.post("/operator/accounts/{actor_id}/setup-code")
async def issue_setup_code(
    request: Request,
    actor_id: RecordKey,
    me: Operator,
    command_id: str = Form(..., min_length=1, max_length=100),
) -> Response:
    """Issue a one-time setup code (``accounts issue-code``): shown on this answer only."""
    accounts = context_of(request).accounts()
    issued = accounts.issue_setup_code_once(actor_id, me.actor_id, command_id=command_id)
    record = context_of(request).app.directory.actor(actor_id)
    values = {"record": record, "issued": issued, **_labels()}
    response = render(request, "operator/issued.html", values)
    response.headers.update(NO_STORE)
    return response


@router.post("/operator/accounts/{actor_id}/unlock")
async def unlock(
    request: Request,
    actor_id: RecordKey,
    me: Operator,
    command_id: str = Form(..., min_length=1, max_length=100),
) -> Response:
    """Lift a lockout (``accounts unlock``)."""
    context_of(request).accounts().unlock(actor_id, me.actor_id, command_id=command_id)
    return see_other(f"/operator/actors/{actor_id}?notice=unlocked")


# -- the directory file (名录) ------------------------------------------------------------


@router.get("/operator/directory/upload")
async def upload_page(request: Request, me: Operator) -> Response:
    return render(request, "operator/upload.html", {"report": None, "refusal": None})


@router.post("/operator/directory/upload")
async def upload_directory(
    request: Request,
    me: Operator,
    file: UploadFile | None = File(None),
    text: str = Form("", max_length=5_000_000),
) -> Response:
    """Load a directory file as ``unionflow directory load`` does: checked whole first,
    idempotent (the same file again changes nothing), as the signed-in operator."""
    app = context_of(request).app
    status, report, refusal = 200, None, None
    try:
        if file is not None and file.filename:
            limit = app.settings.import_limits.max_bytes
            body, source = await upload_text(file, "名录", limit), file.filename
        elif text.strip():
            body, source = text, pick(("（粘贴的名录）", "(pasted directory)"))
        else:
            raise InvalidInput("请上传或粘贴名录文件", "upload or paste a directory file")
        data = model_from_yaml(body, DirectoryFile, "名录", source)
        report = app.directory.load(data, operator=me.actor_id, source=f"web upload {source}")
    except DomainError as e:
        status, refusal = status_of(e), e
    return render(
        request,
        "operator/upload.html",
        {"report": report, "refusal": refusal},
        status_code=status,
    )
