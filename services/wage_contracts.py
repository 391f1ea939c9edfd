"""The wage-contract service: the one facade the CLI, demo and tests use."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from temporalio.client import Client

from application.directory import DirectoryService
from application.profiles import ProfileSource
from domain.actors import Acting, CommandMeta, Role, check_command_id, fingerprinted
from domain.errors import DomainError, InvalidInput, InvalidState, NotFound
from domain.policies import check_unit_cadre
from domain.wage_contract import (
    COMMAND_LABELS,
    RULES,
    OpenCase,
    Stage,
    WageContract,
    WageContractView,
    precheck,
    precheck_command,
    takes_over,
    wage_contract_id,
)
from domain.wage_contract.offer_request import (
    OfferRequest,
    OfferRequestView,
    RecordOfferRequest,
    offer_request_id,
)
from ledger.app import Ledger
from projections.views import ViewIndex
from services.errors import raise_domain_error
from services.workflows import Clock, first_view, start_once, wall_clock
from settings import Settings
from workflows.wage_contract import (
    ActRequest,
    WageContractInput,
    WageContractStatus,
    WageContractWorkflow,
    workflow_id_for,
)

# What each human command needs of the actor.
ROLE_FOR = {"unit_cadre": Role.CADRE, "reviewer": Role.REVIEWER}

# Steps people may take but nobody waits for: not inbox tasks.
_OPTIONAL = frozenset(
    {
        "resume_talks",
        "appoint_negotiators",
        "suspend_talks",
        "request_talks_data",
        "record_filing_incomplete",
    }
)
# Steps that are tasks only while something is outstanding.
_TASK_DUE: dict[str, Callable[[WageContractView], bool]] = {
    "report_to_higher_union": lambda v: (
        v.higher_union_report_due is not None and v.higher_union_reported_on is None
    ),
    "record_talks_data_provided": lambda v: any(r.provided_on is None for r in v.data_requests),
}


# The people's and the engine's steps of each stage, in RULES order (asked per case).
_STEPS_AT: dict[Stage, list[tuple[str, str]]] = {
    stage: [(kind, who) for kind, (who, stages) in RULES.items() if stage in stages]
    for stage in Stage
}

_UNIT_GROUP = "unit:"
_REVIEW_GROUP = "review:"


def _task_groups(view: WageContractView) -> list[str]:
    """Where a live case can be a task: its unit's cadres (every unit step checks
    ``check_unit_cadre``: the actor's org is the unit) and the union its current review
    round is with (``tasks`` drops the review steps of any other). ``tasks`` reads only
    these cases and still asks ``steps`` of each: the groups narrow, the rules decide."""
    if view.terminal:
        return []
    groups = [_UNIT_GROUP + view.unit_org]
    if view.reviews:
        groups.append(_REVIEW_GROUP + view.reviews[-1].reviewer_org)
    return groups


class WageContractService:
    """Start a contract, decide its steps, read its state and history."""

    def __init__(
        self,
        client: Client | None,
        ledger: Ledger,
        directory: DirectoryService,
        settings: Settings,
        task_queue: str | None = None,
        *,
        profiles: ProfileSource | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.client = client
        self.ledger = ledger
        self.directory = directory
        self.settings = settings
        self.task_queue = task_queue or settings.task_queue
        self.profiles = profiles or ProfileSource(settings.profile_dir)
        self.clock = clock or wall_clock
        self._requests = ViewIndex(
            ledger,
            OfferRequest,
            OfferRequestView,
            store=settings.projection_dir / "wage_offer_requests.db",
        )
        self._cases = ViewIndex(
            ledger,
            WageContract,
            WageContractView,
            store=settings.projection_dir / "wage_contracts.db",
            groups=_task_groups,
        )

    # -- commands --------------------------------------------------------------------

    async def open(
        self, actor: str, offer: OpenCase, *, profile: str | None = None, comment: str = ""
    ) -> WageContractView:
        """Send the offer and start the case's workflow; returns the opened case."""
        acting = self.directory.acting(actor, Role.CADRE)
        org = self.directory.organisation(offer.unit_org)
        check_unit_cadre(acting, offer.unit_org, COMMAND_LABELS["open"])
        if len(org.path) < 2:
            raise InvalidInput(
                f"{offer.unit_org} 没有上级工会，无法预审",
                f"{offer.unit_org} has no higher union to pre-review",
            )
        if self.ledger.find(wage_contract_id(offer.case_id)) is not None:
            raise InvalidState(f"案件 {offer.case_id} 已存在", f"case {offer.case_id} exists")
        inp = WageContractInput(
            offer=offer,
            opened_by=acting,
            profile=profile or self.settings.rule_profile,
            comment=comment,
            activity_timeout_seconds=self.settings.activity_timeout_seconds,
        )
        handle = await start_once(
            self._client(),
            WageContractWorkflow.run,
            inp,
            workflow_id=workflow_id_for(offer.case_id),
            task_queue=self.task_queue,
            exists=(f"案件 {offer.case_id} 已存在", f"case {offer.case_id} exists"),
        )
        return await first_view(handle, WageContractWorkflow.status, "case")

    async def act(
        self,
        case_id: str,
        actor: str,
        command: Any,
        *,
        comment: str = "",
        command_id: str | None = None,
    ) -> WageContractView:
        """A person's decision on a case, exactly once per ``command_id``."""
        who, _ = RULES[command.kind]
        role = ROLE_FOR.get(who)
        if role is None:
            raise InvalidState("此步骤由系统执行", "the engine performs this step itself")
        acting = self.directory.acting(actor, role)
        view = self.view(case_id)
        if command_id is not None:
            command_id = fingerprinted(
                command_id, [command.model_dump(mode="json"), actor, role.value, comment]
            )
            self._check_command_id(case_id, command_id)
        # A retried command the ledger already holds is answered by the workflow (the
        # update id dedupes it); the case has moved on, so checking it again would refuse.
        if command_id is None or not self._applied(case_id, command_id):
            # Refuse here too, so a refusal is explained even when the process is not running.
            precheck_command(command, acting, view)
        handle = self._client().get_workflow_handle(workflow_id_for(case_id))
        try:
            return await handle.execute_update(
                WageContractWorkflow.act,
                ActRequest(command=command, acting=acting, comment=comment),
                id=command_id or str(uuid.uuid4()),
            )
        except Exception as e:
            raise_domain_error(e)
            raise

    async def record_offer_request(
        self,
        actor: str,
        request: RecordOfferRequest,
        *,
        profile: str | None = None,
        comment: str = "",
        command_id: str | None = None,
    ) -> OfferRequestView:
        """Employees asked in writing for the offer: record it if it meets the fraction."""
        acting = self.directory.acting(actor, Role.CADRE)
        self.directory.organisation(request.unit_org)
        if self.ledger.find(offer_request_id(request.unit_org, request.year)) is not None:
            raise InvalidState(
                f"{request.unit_org} {request.year}年的职工要约要求已登记",
                f"the employees' request of {request.unit_org} for {request.year} is recorded",
            )
        rules = self.profiles.load(profile or self.settings.rule_profile)
        meta = CommandMeta(
            command_id=command_id or f"offer-request:{uuid.uuid4()}",
            acting=acting,
            occurred_at=await self.clock(),
            comment=comment,
        )
        result = self.ledger.execute(
            offer_request_id(request.unit_org, request.year),
            meta,
            create=lambda: OfferRequest.record(request, meta, profile=rules),
        )
        return result.aggregate.view()

    def offer_obligations(self, actor: str | None = None) -> list[OfferRequestView]:
        """Employees' requests that still oblige the union to send the offer (no case of
        that unit and year yet), those of ``actor``'s unit when given."""
        org = None
        if actor is not None:
            record = self.directory.actor(actor)
            if Role.CADRE not in record.spec.roles:
                return []
            org = record.spec.org
        requests = [r for r in self._requests.views() if org is None or r.unit_org == org]
        if not requests:
            return []  # most inboxes: no scan of every case
        opened = {(v.unit_org, v.year) for v in self.cases()}
        return [r for r in requests if (r.unit_org, r.year) not in opened]

    def _check_command_id(self, case_id: str, command_id: str) -> None:
        aggregate = self.ledger.find(wage_contract_id(case_id))
        if aggregate is not None:
            check_command_id(f"{workflow_id_for(case_id)}:{command_id}", aggregate.commands)

    def _applied(self, case_id: str, command_id: str) -> bool:
        # The workflow records a person's step under "<workflow id>:<update id>".
        aggregate = self.ledger.find(wage_contract_id(case_id))
        return aggregate is not None and aggregate.has_applied(
            f"{workflow_id_for(case_id)}:{command_id}"
        )

    async def correct_deadlines(self, case_id: str) -> WageContractView:
        """Have a running case recompute its provisional deadlines."""
        handle = self._client().get_workflow_handle(workflow_id_for(case_id))
        try:
            return await handle.execute_update(
                WageContractWorkflow.correct_deadlines,
                id=f"correct-deadlines-{uuid.uuid4()}",
            )
        except Exception as e:
            raise_domain_error(e)
            raise

    def provisional_cases(self, year: int | None = None) -> list[WageContractView]:
        """Open cases with a provisional deadline (in ``year`` when given)."""
        out = []
        for view in self.cases():
            if view.terminal:
                continue
            dates = []
            if view.talks_start_due_provisional and view.talks_start_due:
                dates.append(view.talks_start_due)
            review = view.current_review
            if review is not None and review.due_provisional:
                dates.append(review.due)
            if dates and (year is None or any(d.year >= year for d in dates)):
                out.append(view)
        return out

    # -- reads -----------------------------------------------------------------------

    def view(self, case_id: str, *, at: datetime | None = None) -> WageContractView:
        """The case from the ledger, now or as it was at an instant."""
        aggregate = self.ledger.find(wage_contract_id(case_id)) if at is None else None
        if at is not None:
            aggregate = self.ledger.get(wage_contract_id(case_id), at=at)
        if aggregate is None:
            raise NotFound(f"案件 {case_id} 不存在", f"no case {case_id}")
        return aggregate.view()

    async def status(self, case_id: str) -> WageContractStatus | None:
        """The workflow's own status (None when it is not reachable)."""
        try:
            handle = self._client().get_workflow_handle(workflow_id_for(case_id))
            return await handle.query(WageContractWorkflow.status)
        except Exception:  # noqa: BLE001 - a status line must not fail the caller
            return None

    def cases(self) -> list[WageContractView]:
        """Every wage contract case."""
        return self._cases.views()

    def tasks(self, actor: str) -> list[tuple[WageContractView, str]]:
        """What waits for this actor: (case, what to do)."""
        record = self.directory.actor(actor)
        org = record.spec.org
        out: list[tuple[WageContractView, str]] = []
        acting: dict[Role, Acting] = {}  # resolved once, not once per case
        for view in self._cases.views_in(_UNIT_GROUP + org, _REVIEW_GROUP + org):
            for kind in self.steps(actor, view, roles=record.spec.roles, acting=acting):
                if kind in _OPTIONAL or not _TASK_DUE.get(kind, lambda v: True)(view):
                    continue  # optional steps, and steps already done, are not tasks
                reviewing = ROLE_FOR[RULES[kind][0]] is Role.REVIEWER
                if reviewing and view.reviews[-1].reviewer_org != record.spec.org:
                    continue  # an ancestor union may take a round over; it is not its task
                out.append((view, kind))
        return out

    def steps(
        self,
        actor: str,
        view: WageContractView,
        *,
        roles: Iterable[Role] | None = None,
        acting: dict[Role, Acting] | None = None,
    ) -> list[str]:
        """The people's steps ``actor`` may take on the case now, by command kind: "may
        this actor do X?", for showing only those. ``act`` still checks each one taken.
        ``acting``: the actor's resolved roles, kept by a caller that asks of many cases."""
        if roles is None:
            roles = self.directory.actor(actor).spec.roles
        held = set(roles)
        acting = {} if acting is None else acting
        out = []
        for kind, who in _STEPS_AT[view.stage]:
            role = ROLE_FOR.get(who)
            if role is None or role not in held:
                continue
            if role not in acting:
                acting[role] = self.directory.acting(actor, role)
            try:
                precheck(kind, acting[role], view)
            except DomainError:
                continue
            out.append(kind)
        return out

    def takes_over(self, actor: str, view: WageContractView) -> bool:
        """Whether ``actor``'s review decision would take over a round not escalated to
        their union (then the decision must give a reason)."""
        record = self.directory.actor(actor)
        if Role.REVIEWER not in record.spec.roles:
            return False
        return takes_over(self.directory.acting(actor, Role.REVIEWER), view)

    def _client(self) -> Client:
        if self.client is None:
            raise InvalidState("未连接 Temporal 服务", "not connected to a Temporal server")
        return self.client


__all__ = ["Stage", "WageContractService"]
