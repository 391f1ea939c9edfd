"""The award-selection facade: the one entry point of the CLI, web, demo and tests.

Opening a round records it in the ledger and starts its workflow; a federation cadre's
round steps (start the notice, record the committee's poll, publish) are updates of that
workflow, with the caller's command id as the update id. Acts on nominations (the unit's
steps, reviews, clearances, objections) go to the ledger through the service layer, not
through the workflow: a round has thousands of them.
"""

from __future__ import annotations

import contextlib
import uuid
from datetime import date
from typing import Any

from temporalio.client import Client, WorkflowHandle

from application.awards import ROLE_OF, AwardService, Dashboard, FactCheck
from application.directory import DirectoryService
from application.read_policy import READ_ALL, may_read_nomination, may_read_round, reader_of
from domain.actors import Role
from domain.award import checks
from domain.award.commands import NominationCommand, OpenRound, PublishList, StartRoundNotice
from domain.award.permissions import RULES, notice_org, precheck, round_precheck
from domain.award.values import (
    ClearanceStatus,
    NominationStage,
    NominationView,
    Nominee,
    NoticeLevel,
    RoundStage,
    RoundView,
)
from domain.errors import DomainError, InvalidState
from services.errors import raise_domain_error
from services.workflows import Clock, start_once, wall_clock
from settings import Settings
from workflows.award_round import (
    AwardRoundInput,
    AwardRoundWorkflow,
    CommitteeActRequest,
    RoundActRequest,
    RoundStatus,
    award_round_workflow_id,
)

S = NominationStage

# A person's steps on a nomination, in the order a page shows them.
_PERSON_STEPS = ("joint_agreement", "congress_approval", "unit_notice", "submit",
                 "first_review", "second_review", "clearance", "resolve_objection",
                 "withdraw")  # fmt: skip


def _due(kind: str, n: NominationView) -> bool:
    """Whether the unit's step is still to take (each is recorded once, in order)."""
    if kind == "joint_agreement":
        return not n.joint_agreement
    if kind == "congress_approval":
        return not n.congress_poll
    if kind == "unit_notice":
        return n.notice(NoticeLevel.UNIT) is None
    if kind == "submit":
        return n.notice_of_unit_closed()
    return True


class AwardTask:
    """One thing waiting for a person in a round: a nomination (or the round) and what."""

    def __init__(
        self,
        round_view: RoundView,
        kind: str,
        nomination: NominationView | None = None,
        due: date | None = None,
    ) -> None:
        self.round = round_view
        self.kind = kind
        self.nomination = nomination
        self.due = due


class AwardFacade:
    """Award rounds for every role that touches them."""

    def __init__(
        self,
        client: Client | None,
        awards: AwardService,
        directory: DirectoryService,
        settings: Settings,
        task_queue: str | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.client = client
        self.awards = awards
        self.directory = directory
        self.settings = settings
        self.task_queue = task_queue or settings.task_queue
        self.clock = clock or wall_clock

    # -- a federation cadre ------------------------------------------------------------

    async def open_round(
        self, actor: str, c: OpenRound, *, comment: str = "", command_id: str | None = None
    ) -> RoundView:
        """Record the round, then start its workflow (a retry meets both)."""
        view = self.awards.open_round(
            actor, c, comment=comment, command_id=command_id, now=await self.clock()
        )
        if self.client is not None:
            # A retry of the same opening meets the round's workflow running already.
            with contextlib.suppress(InvalidState):
                await start_once(
                    self.client,
                    AwardRoundWorkflow.run,
                    AwardRoundInput(
                        round_key=view.key,
                        activity_timeout_seconds=self.settings.activity_timeout_seconds,
                    ),
                    workflow_id=award_round_workflow_id(view.key),
                    task_queue=self.task_queue,
                    exists=(f"评选 {view.key} 已在进行", f"round {view.key} is running"),
                )
        return view

    async def start_notice(
        self,
        actor: str,
        round_key: str,
        starts: date,
        *,
        comment: str = "",
        command_id: str | None = None,
    ) -> RoundView:
        await self._update(actor, round_key, StartRoundNotice(starts=starts), comment, command_id)
        return self.awards.round(round_key)

    async def publish(
        self,
        actor: str,
        round_key: str,
        channel: str,
        decision: str,
        *,
        comment: str = "",
        command_id: str | None = None,
    ) -> RoundView:
        command = PublishList(channel=channel, decision=decision)
        await self._update(actor, round_key, command, comment, command_id)
        return self.awards.round(round_key)

    async def record_committee(
        self,
        actor: str,
        round_key: str,
        poll_key: str,
        *,
        comment: str = "",
        command_id: str | None = None,
    ) -> RoundView:
        acting = self.directory.acting(actor, Role.CADRE)
        req = CommitteeActRequest(poll_key=poll_key, acting=acting, comment=comment)
        try:
            await self._handle(round_key).execute_update(
                AwardRoundWorkflow.record_committee, req, id=command_id or str(uuid.uuid4())
            )
        except Exception as e:
            raise_domain_error(e)
            raise
        return self.awards.round(round_key)

    # -- nominations: straight to the ledger ---------------------------------------------

    async def nominate(
        self,
        actor: str,
        round_key: str,
        nominee: Nominee,
        *,
        comment: str = "",
        command_id: str | None = None,
    ) -> NominationView:
        return self.awards.nominate(
            actor,
            round_key,
            nominee,
            comment=comment,
            command_id=command_id,
            now=await self.clock(),
        )

    async def act(
        self,
        actor: str,
        key: str,
        command: NominationCommand,
        *,
        comment: str = "",
        command_id: str | None = None,
    ) -> NominationView:
        return self.awards.act(
            actor, key, command, comment=comment, command_id=command_id, now=await self.clock()
        )

    # -- reading ---------------------------------------------------------------------------

    def round(self, key: str) -> RoundView:
        return self.awards.round(key)

    async def status(self, round_key: str) -> RoundStatus | None:
        """The round workflow's status query (None when no client or no workflow)."""
        if self.client is None:
            return None
        try:
            status: RoundStatus = await self._handle(round_key).query(AwardRoundWorkflow.status)
        except Exception:  # noqa: BLE001 - no workflow (yet, or any more): the ledger answers
            return None
        return status

    def rounds(self) -> list[RoundView]:
        return self.awards.rounds()

    def nominations(self, round_key: str) -> list[NominationView]:
        return self.awards.nominations(round_key)

    def nomination(self, key: str) -> NominationView:
        return self.awards.nomination(key)

    def dashboard(self, round_key: str) -> Dashboard:
        return self.awards.dashboard(round_key)

    def what_if(self, key: str, *, remove: bool) -> list[checks.ShareChange]:
        return self.awards.what_if(key, remove=remove)

    def fact_checks(self, key: str) -> list[FactCheck]:
        return self.awards.fact_checks(key)

    def steps(self, actor: str, n: NominationView, r: RoundView) -> list[str]:
        """The people's steps ``actor`` may take on the nomination now ("may this actor
        do X?", to show only those forms; ``act`` still checks each one taken): command
        kinds, ``clearance:KEY`` for each clearance and ``resolve_objection:NO`` for each
        open objection that is theirs."""
        record = self.directory.actor(actor)
        out: list[str] = []
        for kind in _PERSON_STEPS:
            role = ROLE_OF[RULES[kind][0]]
            if role not in record.spec.roles or not _due(kind, n):
                continue
            acting = self.directory.acting(actor, role)
            extra: list[tuple[str, dict[str, Any]]] = [(kind, {})]
            if kind == "clearance":
                extra = [(f"clearance:{c.key}", {"clearance_key": c.key}) for c in n.clearances
                         if c.status is ClearanceStatus.PENDING]  # fmt: skip
            elif kind == "resolve_objection":
                extra = [(f"resolve_objection:{o.no}", {"objection_no": o.no})
                         for o in n.open_objections()]  # fmt: skip
            for name, args in extra:
                try:
                    precheck(kind, acting, n, r, **args)
                except DomainError:
                    continue
                out.append(name)
        return out

    def sees_objector(self, actor: str, n: NominationView, r: RoundView, no: int) -> bool:
        """Whether ``actor`` reads who filed objection ``no`` (name and contact): a
        reviewer of the union that investigates it, an auditor or an operator."""
        record = self.directory.actor(actor)
        roles = set(record.spec.roles)
        o = next((x for x in n.objections if x.no == no), None)
        if o is None:
            return False
        if roles & READ_ALL:
            return True
        return Role.REVIEWER in roles and record.spec.org == notice_org(
            n, o.notice, r.federation_org
        )

    def redacted(self, actor: str, n: NominationView, r: RoundView) -> NominationView:
        """The nomination as ``actor`` may read it: the name and contact of an objector
        left out unless ``sees_objector``."""
        hidden = [o.no for o in n.objections if (o.name or o.contact)
                  and not self.sees_objector(actor, n, r, o.no)]  # fmt: skip
        if not hidden:
            return n
        objections = [
            o.model_copy(update={"name": "", "contact": ""}) if o.no in hidden else o
            for o in n.objections
        ]
        return n.model_copy(update={"objections": objections})

    @staticmethod
    def public_view(n: NominationView) -> NominationView:
        """The nomination as its public notice shows it, for someone who may not read the
        nomination (who filed an objection through the notice): the nominee and the
        notices, nothing of the reviews, clearances, objections or the unit's records."""
        return NominationView(
            key=n.key,
            round_key=n.round_key,
            definition_key=n.definition_key,
            nominee=n.nominee,
            stage=n.stage,
            nominated_by="",
            notices=n.notices,
        )

    def nominating_for(self, actor: str, r: RoundView) -> list[str]:
        """The sub-unions with places in the round above ``actor``'s unit, while the round
        takes nominations and ``actor`` is a unit's cadre (to show the nomination form;
        ``nominate`` still checks)."""
        record = self.directory.actor(actor)
        if Role.CADRE not in record.spec.roles or r.stage is not RoundStage.NOMINATING:
            return []
        path = list(self.directory.organisation(record.spec.org).path)
        return [org for org in path[:-1] if org in r.definition.places]

    def may_nominate(self, actor: str, r: RoundView) -> bool:
        return bool(self.nominating_for(actor, r))

    def round_steps(self, actor: str, r: RoundView) -> list[str]:
        """The federation cadre's round steps ``actor`` may take now (to show the forms)."""
        record = self.directory.actor(actor)
        if Role.CADRE not in record.spec.roles:
            return []
        acting = self.directory.acting(actor, Role.CADRE)
        out = []
        for kind in ("start_notice", "record_committee", "publish"):
            try:
                round_precheck(kind, acting, r)
            except DomainError:
                continue
            out.append(kind)
        return out

    def tasks(self, actor: str) -> list[AwardTask]:
        """What waits for ``actor`` in every round: reviews, clearances, objections to
        investigate, the unit's own next steps, and the federation's round steps."""
        record = self.directory.actor(actor)
        roles, org = record.spec.roles, record.spec.org
        found: list[AwardTask] = []
        for r in self.awards.rounds():
            if r.stage is RoundStage.PUBLISHED:
                continue
            noms = self.awards.nominations(r.key)
            if Role.CADRE in roles and org == r.federation_org:
                if (
                    r.stage is RoundStage.REVIEWING
                    and noms
                    and all(n.stage in (S.RECOMMENDED, S.REMOVED, S.WITHDRAWN) for n in noms)
                    and any(n.stage is S.RECOMMENDED for n in noms)
                ):
                    found.append(AwardTask(r, "start_notice"))
                if r.stage is RoundStage.COMMITTEE:
                    found.append(AwardTask(r, "record_committee"))
                if r.stage is RoundStage.APPROVED:
                    found.append(AwardTask(r, "publish"))
            for n in noms:
                found.extend(self._nomination_tasks(r, n, actor, roles, org))
        reader = reader_of(self.directory, actor)  # the inbox holds only what they may read
        return [
            t
            for t in found
            if (
                may_read_round(reader, t.round)
                if t.nomination is None
                else may_read_nomination(reader, t.nomination, t.round)
            )
        ]

    def _nomination_tasks(
        self, r: RoundView, n: NominationView, actor: str, roles: list[Role], org: str
    ) -> list[AwardTask]:
        tasks: list[AwardTask] = []
        if Role.CADRE in roles and org == n.nominee.unit_org and n.stage is S.PREPARING:
            unit = n.notice_of_unit_closed()
            tasks.append(AwardTask(r, "submit" if unit else "unit_steps", n))
        if Role.REVIEWER in roles:
            if n.stage is S.SUBMITTED and org == n.nominee.sub_union:
                tasks.append(AwardTask(r, "first_review", n))
            if n.stage is S.SECOND_REVIEW and org == r.federation_org:
                tasks.append(AwardTask(r, "second_review", n))
            for o in n.open_objections():
                investigator = (
                    r.federation_org if o.notice.value == "federation" else n.nominee.sub_union
                )
                if org == investigator:
                    tasks.append(AwardTask(r, "resolve_objection", n))
        if Role.DEPARTMENT in roles and n.stage is S.CLEARANCES:
            for c in n.clearances:
                if c.department == actor and c.status is ClearanceStatus.PENDING:
                    tasks.append(AwardTask(r, "clearance", n, c.due))
        return tasks

    # -- plumbing --------------------------------------------------------------------------

    def _handle(self, round_key: str) -> WorkflowHandle[AwardRoundWorkflow, object]:
        if self.client is None:
            raise InvalidState("没有连接 Temporal", "not connected to Temporal")
        return self.client.get_workflow_handle(award_round_workflow_id(round_key))

    async def _update(
        self,
        actor: str,
        round_key: str,
        command: StartRoundNotice | PublishList,
        comment: str,
        command_id: str | None,
    ) -> None:
        acting = self.directory.acting(actor, Role.CADRE)
        req = RoundActRequest(command=command, acting=acting, comment=comment)
        try:
            await self._handle(round_key).execute_update(
                AwardRoundWorkflow.act, req, id=command_id or str(uuid.uuid4())
            )
        except Exception as e:
            raise_domain_error(e)
            raise
