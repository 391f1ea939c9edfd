"""Thin activities of the wage-contract process: each runs one ledger command."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from temporalio import activity

from activities.errors import domain_errors_not_retried
from activities.log import log_step
from contracts.session import PollFacts, PollRef
from contracts.wage_contract import CaseRef, OpenCaseRequest, WageCommandRequest
from domain.errors import InvalidInput, InvalidState, NotFound
from domain.poll import ItemKind, poll_id
from domain.profiles import ProfileError
from domain.session import session_ledger_id
from domain.wage_contract import VoteCount, WageContract, WageContractView, wage_contract_id
from domain.wage_contract.offer_request import offer_request_id

if TYPE_CHECKING:  # types only: injected by the composition root (workflows import this module)
    from application.calendar import CalendarSource
    from application.directory import DirectoryService
    from application.profiles import ProfileSource
    from ledger.app import Ledger


class WageContractActivities:
    """Activities with their dependencies, built once by the composition root."""

    def __init__(
        self,
        ledger: Ledger,
        calendars: CalendarSource,
        profiles: ProfileSource,
        directory: DirectoryService,
    ) -> None:
        self.ledger = ledger
        self.calendars = calendars
        self.profiles = profiles
        self.directory = directory

    @activity.defn(name="wage_contract.open")
    @domain_errors_not_retried
    def open_case(self, req: OpenCaseRequest) -> WageContractView:
        """Record the offer and the profile in force; a retry meets the same case."""
        try:
            profile = self.profiles.load(req.profile)
        except ProfileError as e:
            raise InvalidInput(f"规则配置无效：{e}", f"invalid rule profile: {e}") from e
        org = self.directory.organisation(req.command.unit_org)
        area = org.spec.wage_area_class or 1
        request = self.ledger.find(offer_request_id(req.command.unit_org, req.command.year))
        result = self.ledger.execute(
            wage_contract_id(req.command.case_id),
            req.meta,
            create=lambda: WageContract.open(
                req.command,
                req.meta,
                unit_path=list(org.path),
                wage_area_class=area,
                profile=profile,
                today=req.meta.today(),
                requested_by_employees=request.s.facts() if request is not None else None,
            ),
        )
        log_step("case_opened", req.command.case_id, req.meta.acting.actor_id, result.applied)
        return result.aggregate.view()

    @activity.defn(name="wage_contract.command")
    @domain_errors_not_retried
    def run_command(self, req: WageCommandRequest) -> WageContractView:
        """Run one command on the case, exactly once per command id."""
        meta = req.meta
        command = self._with_congress_facts(req.case_id, req.command)
        result = self.ledger.execute(
            wage_contract_id(req.case_id),
            meta,
            lambda agg: agg.handle(
                command, meta, today=meta.today(), calendar=self.calendars.current()
            ),
        )
        log_step(req.command.kind, req.case_id, meta.acting.actor_id, result.applied)
        return result.aggregate.view()

    def _with_congress_facts(self, case_id: str, command: Any) -> Any:
        """Check an adoption poll against its session, or read the tallied poll's result."""
        if command.kind == "request_adoption_poll":
            session = self.ledger.find(session_ledger_id(command.session_id))
            if session is None:
                raise NotFound(
                    f"会议 {command.session_id} 不存在", f"no session {command.session_id}"
                )
            item = session.s.item(command.item_no)
            case = self.ledger.find(wage_contract_id(case_id))
            if case is not None and session.s.unit_org != case.s.unit_org:
                raise InvalidInput(
                    "该会议不是本单位的职代会", "the session is not this unit's congress"
                )
            if item.wage_case_id != case_id or item.kind is not ItemKind.APPROVAL:
                raise InvalidInput(
                    f"第 {item.no} 项议题不是审议本合同草案",
                    f"item {item.no} is not this draft's approval",
                )
            if (
                case is not None
                and case.rule_profile.wage_contract.adoption_secret_ballot
                and not item.is_secret()
            ):
                raise InvalidInput(
                    f"工资专项集体合同草案须经职代会无记名投票通过：第 {item.no} 项是记名表决",
                    f"the wage contract is adopted by secret ballot: item {item.no} is named",
                )
        if command.kind == "record_adoption_from_poll":
            poll = self.ledger.find(poll_id(command.poll_key))
            if poll is None or poll.s.result is None:
                raise InvalidState("表决尚未计票", "the poll is not tallied")
            result = poll.s.result
            count = VoteCount(
                total_delegates=result.total_delegates,
                present=min(result.present, result.total_delegates),
                votes_for=result.counts.get("yes", 0),
                votes_against=result.counts.get("no", 0),
                abstentions=result.counts.get("abstain", 0),
            )
            return command.model_copy(update={"count": count})
        return command

    @activity.defn(name="wage_contract.poll_facts")
    @domain_errors_not_retried
    def poll_facts(self, ref: PollRef) -> PollFacts:
        """Whether the ledger has the adoption poll tallied: the signal is only a hint."""
        poll = self.ledger.find(poll_id(ref.poll_key))
        if poll is None:
            return PollFacts(poll_key=ref.poll_key, exists=False)
        return PollFacts(
            poll_key=ref.poll_key,
            exists=True,
            status=poll.s.status.value,
            tallied=poll.s.result is not None,
        )

    @activity.defn(name="wage_contract.view")
    @domain_errors_not_retried
    def view(self, ref: CaseRef) -> WageContractView:
        """The case as the ledger has it now."""
        aggregate = self.ledger.find(wage_contract_id(ref.case_id))
        if aggregate is None:
            raise NotFound(f"案件 {ref.case_id} 不存在", f"no case {ref.case_id}")
        return aggregate.view()
