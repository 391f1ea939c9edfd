"""Ledger facts award rules rest on: a unit's wage contract in force, its congress meeting
in the term, accidents, the approving poll, and the honours register.

Each fact names the record and the event it comes from (``FactRef``), so a disqualifier
shown to a cadre or a reviewer says which entry of the ledger it rests on.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from application.congress import CongressService
from application.polls import PollService
from application.safety import accident_ref
from application.unit_facts import IN_FORCE, UnitFactsIndex
from domain.actors import CommandMeta
from domain.award.aggregate import Honours
from domain.award.checks import FactRef, HonourHeld, UnitFacts
from domain.award.permissions import ApprovalPoll
from domain.award.values import honours_ledger_id
from domain.congress import Body
from domain.contest.definition import SEVERITY_LABELS, Severity
from domain.poll import poll_id
from domain.safety import safety_ledger_id
from domain.session import SessionStatus
from ledger.app import Ledger
from settings import Settings


class AwardFacts:
    """Reads the facts for one unit or person from the ledger's read models: the unit
    facts index (``application.unit_facts``, one read model of units' wage contracts and
    sessions for awards, contests and campaigns alike), the congresses, the polls."""

    def __init__(
        self,
        ledger: Ledger,
        congresses: CongressService,
        polls: PollService,
        settings: Settings,
        unit_facts: UnitFactsIndex | None = None,
    ) -> None:
        self.ledger = ledger
        self.congresses = congresses
        self.polls = polls
        self.index = unit_facts or UnitFactsIndex(ledger, settings)

    def unit(self, unit_org: str, today: date) -> UnitFacts:
        """What the ledger knows of ``unit_org`` on ``today``."""
        self.index.catch_up()
        with self.index.tail.lock:  # copies: the index folds later events into its own
            cases = [c.model_copy() for c in self.index.contracts_unlocked(unit_org)]
            sessions = [s.model_copy() for s in self.index.sessions_unlocked(unit_org)]
        in_force = [
            c
            for c in cases
            if c.stage in IN_FORCE
            and c.effective_on is not None
            and c.effective_on <= today
            and (c.expires_on is None or today <= c.expires_on)
        ]
        facts = UnitFacts(
            unit_org=unit_org,
            unit_name=self.congresses.directory.organisation(unit_org).spec.name,
            accidents=self.serious_accidents(unit_org, today),
        )
        if in_force:
            c = in_force[-1]
            facts.wage_contract_in_force = FactRef(
                record=c.case_id,
                event="WageContract.TookEffect",
                on=c.effective_on,
                detail=f"{c.effective_on} 至 {c.expires_on}",
            )
        elif cases:
            c = cases[-1]
            expired = c.expires_on is not None and c.expires_on < today
            facts.last_wage_contract = FactRef(
                record=c.case_id,
                event="WageContract.TookEffect" if c.effective_on else "WageContract.Created",
                on=c.effective_on,
                detail=f"已于 {c.expires_on} 到期" if expired else f"当前阶段：{c.stage.value}",
            )
        terms = [
            t
            for t in self.congresses.congresses()
            if t.unit_org == unit_org
            and t.body is Body.CONGRESS
            and t.term_start <= today <= t.term_end
        ]
        if terms:
            term = terms[-1]
            held = [
                s
                for s in sessions
                if s.congress_key == term.key
                and s.status in (SessionStatus.CLOSED, SessionStatus.PUBLISHED)
                and s.closed_on is not None
            ]
            if held:
                s = held[-1]
                facts.congress_in_term = FactRef(
                    record=s.session_id, event="Session.Closed", on=s.closed_on
                )
            else:
                facts.congress_term = FactRef(
                    record=term.key,
                    event="Congress.Created",
                    on=term.term_start,
                    detail=f"{term.term_start} 至 {term.term_end}",
                )
        return facts

    def serious_accidents(self, unit_org: str, today: date) -> list[FactRef]:
        """The unit's fatal or serious accidents up to ``today`` (``unionflow safety
        accident``), each naming its event in the unit's safety record."""
        record = self.ledger.find(safety_ledger_id(unit_org))
        if record is None:
            return []
        found = []
        for a in record.accidents:
            if a.severity in (Severity.FATAL, Severity.SERIOUS) and a.on <= today:
                ref = accident_ref(unit_org, a)
                found.append(ref.model_copy(update={"detail": SEVERITY_LABELS[a.severity][0]}))
        return [FactRef.model_validate(r.model_dump()) for r in found]

    def approval_poll(self, poll_key: str) -> ApprovalPoll:
        """The poll a unit's congress approved a nominee in, as the ledger records it."""
        aggregate = self.ledger.find(poll_id(poll_key))
        if aggregate is None:
            return ApprovalPoll(poll=poll_key)
        view = aggregate.view()
        term = self.congresses.view(view.spec.congress_key)
        result = view.result
        summary = ""
        if result is not None:
            counts = result.counts
            summary = (
                f"赞成 {counts.get('yes', 0)} · 反对 {counts.get('no', 0)} · "
                f"弃权 {counts.get('abstain', 0)}（应到 {result.total_delegates}）"
            )
        return ApprovalPoll(
            poll=poll_key,
            exists=True,
            unit_org=term.unit_org,
            tallied=result is not None,
            passed=bool(result is not None and result.passed),
            summary=summary,
        )

    def honours(self, person: str) -> list[HonourHeld]:
        """Every title the honours register records for ``person``."""
        register = self.ledger.find(honours_ledger_id(person))
        return list(register.held) if register is not None else []


def record_honour(
    ledger: Ledger,
    holder: str,
    grant: Callable[[Honours], None],
    meta: CommandMeta,
) -> None:
    """Enter a title in ``holder``'s honours register (started on its first title):
    award rounds and contests' titled award categories both feed it."""
    register_id = honours_ledger_id(holder)
    if ledger.find(register_id) is None:

        def create() -> Honours:
            register = Honours.start(holder, meta)
            grant(register)
            return register

        ledger.execute(register_id, meta, create=create)
    else:
        ledger.execute(register_id, meta, grant)
