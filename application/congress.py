"""The congress service: set up a term, import its roster from CSV/XLSX, keep it current."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from pydantic import BaseModel

from application.directory import DirectoryFile, DirectoryService, Finder
from application.profiles import ProfileSource
from application.roster_file import read_roster, refuse_roster
from domain.actors import (
    Acting,
    CommandMeta,
    Role,
    check_command_id,
    fingerprinted,
    system_acting,
)
from domain.congress import (
    Body,
    Congress,
    CongressView,
    Delegate,
    RowError,
    check_key,
    check_new_term,
    composition_checks,
    congress_id,
)
from domain.directory import ActorSpec, OrgKind, actor_id
from domain.errors import InvalidInput, InvalidState, NotFound
from domain.policies import check_unit_cadre
from domain.profiles import ProfileError, RuleProfile
from domain.wage_contract import Check
from ledger.app import Ledger
from projections.views import ViewIndex
from settings import Settings


class ImportReport(BaseModel):
    """What a roster import recorded."""

    key: str
    source: str
    imported: int
    actors_created: int
    actors_updated: int
    total: int
    checks: list[Check]


class CongressService:
    """Congress terms and their rosters, as the ledger records them."""

    def __init__(
        self,
        ledger: Ledger,
        directory: DirectoryService,
        profiles: ProfileSource,
        settings: Settings,
    ) -> None:
        self.ledger = ledger
        self.directory = directory
        self.profiles = profiles
        self.settings = settings
        self._congresses = ViewIndex(
            ledger, Congress, CongressView, store=settings.projection_dir / "congresses.db"
        )

    # -- commands --------------------------------------------------------------------

    def create(
        self,
        actor_id: str,
        key: str,
        unit_org: str,
        term_no: int,
        term_start: date,
        term_end: date,
        profile: str | None = None,
        *,
        comment: str = "",
        body: Body = Body.CONGRESS,
        command_id: str | None = None,
    ) -> CongressView:
        """Set up a congress term of ``unit_org`` (or a committee of any union, ``body``);
        only a cadre of the unit may. A caller's ``command_id`` (a form's) makes the same
        set-up posted twice apply once: the second gets the term the first created."""
        operation = [actor_id, key, unit_org, term_no, term_start, term_end, profile, body]
        done = self._applied(key, command_id, operation)
        if done is not None:
            return done.view()
        acting = self.directory.acting(actor_id, Role.CADRE)
        org = self.directory.organisation(unit_org)
        check_unit_cadre(acting, unit_org, ("建立职代会届次", "set up a congress term"))
        if body is Body.CONGRESS and org.spec.kind is not OrgKind.GRASSROOTS_UNION:
            raise InvalidInput(
                f"{unit_org} 不是基层工会，不召开职代会",
                f"{unit_org} is not a grassroots union; it holds no workers' congress",
            )
        check_key(key)
        if self.ledger.find(congress_id(key)) is not None:
            raise InvalidState(f"职代会 {key} 已存在", f"congress {key} exists")
        rules = self._profile(profile or self.settings.rule_profile)
        meta = self._meta(acting, comment, command_id, operation)

        def create() -> Congress:
            congress = Congress.create(
                key, unit_org, list(org.path), term_no, term_start, term_end, rules, meta, body
            )  # the term's own rules first, then the unit's other terms
            check_new_term(self.congresses(), unit_org, term_no, term_start, term_end, body)
            return congress

        result = self.ledger.execute(congress_id(key), meta, create=create)
        return result.aggregate.view()

    def import_roster(
        self,
        actor_id: str,
        key: str,
        path: Path,
        *,
        comment: str = "",
        command_id: str | None = None,
    ) -> ImportReport:
        """Import delegates from CSV or XLSX: every bad row is reported and then nothing is
        written. A caller's ``command_id`` (a form's) makes the same file posted twice
        import once: the second is answered from what the first recorded."""
        view = self.view(key)
        acting = self._cadre(actor_id, view, ("导入代表名册", "import the roster"))
        rows, errors = read_roster(path, self.settings.import_limits)
        delegates = [d for _, d in rows]
        operation = [actor_id, key, [d.model_dump(mode="json") for d in delegates]]
        done = self._applied(key, command_id, operation)
        if done is not None:
            after = done.view()
            return ImportReport(
                key=key,
                source=path.name,
                imported=len(delegates),
                actors_created=0,
                actors_updated=0,
                total=after.total(),
                checks=composition_checks(after, done.rule_profile),
            )
        errors.extend(self._roster_errors(view, rows))
        if errors:
            refuse_roster(errors, self.settings.import_limits)
        meta = self._meta(acting, comment, command_id, operation)
        result = self.ledger.execute(
            congress_id(key), meta, lambda c: c.import_roster(delegates, path.name, meta)
        )
        after = result.aggregate.view()
        created, updated = self._register_actors(after, source=f"congress {key} roster")
        return ImportReport(
            key=key,
            source=path.name,
            imported=len(delegates),
            actors_created=created,
            actors_updated=updated,
            total=after.total(),
            checks=composition_checks(after, result.aggregate.rule_profile),
        )

    def replace(
        self,
        actor_id: str,
        key: str,
        old_id: str,
        new: Delegate,
        reason: str,
        *,
        comment: str = "",
    ) -> CongressView:
        """Another delegate takes ``old_id``'s seat; the reason is recorded."""
        view = self.view(key)
        acting = self._cadre(actor_id, view, ("替补代表", "replace a delegate"))
        problem = self._actor_conflict(view, new)
        if problem is not None:
            raise InvalidInput(*problem)
        meta = self._meta(acting, comment)
        result = self.ledger.execute(
            congress_id(key), meta, lambda c: c.replace_delegate(old_id, new, reason, meta)
        )
        after = result.aggregate.view()
        self._register_actors(after, source=f"congress {key} replacement")
        return after

    def recall(
        self, actor_id: str, key: str, delegate_id: str, reason: str, *, comment: str = ""
    ) -> CongressView:
        """Recall a delegate (罢免); the directory role stays, the roster decides who sits."""
        view = self.view(key)
        acting = self._cadre(actor_id, view, ("罢免代表", "recall a delegate"))
        meta = self._meta(acting, comment)
        result = self.ledger.execute(
            congress_id(key), meta, lambda c: c.recall_delegate(delegate_id, reason, meta)
        )
        return result.aggregate.view()

    def elect_presidium(
        self, actor_id: str, key: str, ids: list[str], *, comment: str = ""
    ) -> CongressView:
        """Record the elected presidium (主席团)."""
        view = self.view(key)
        acting = self._cadre(actor_id, view, ("选举主席团", "elect the presidium"))
        meta = self._meta(acting, comment)
        result = self.ledger.execute(
            congress_id(key), meta, lambda c: c.elect_presidium(list(ids), meta)
        )
        return result.aggregate.view()

    # -- reads -----------------------------------------------------------------------

    def view(self, key: str, *, at: datetime | None = None) -> CongressView:
        """The congress term, now or as it was at an instant."""
        if at is not None:
            return self.ledger.get(congress_id(key), at=at).view()
        aggregate = self.ledger.find(congress_id(key))
        if aggregate is None:
            raise NotFound(f"职代会 {key} 不存在", f"no congress {key}")
        return aggregate.view()

    def composition(self, key: str) -> list[Check]:
        """The composition checks, under the profile recorded when the term was set up."""
        aggregate = self.ledger.find(congress_id(key))
        if aggregate is None:
            raise NotFound(f"职代会 {key} 不存在", f"no congress {key}")
        return composition_checks(aggregate.view(), aggregate.rule_profile)

    def congresses(self) -> list[CongressView]:
        """Every congress term, by unit and term number."""
        views = self._congresses.views()
        return sorted(views, key=lambda v: (v.unit_org, v.term_no, v.key))

    def state(self, key: str, *, find: Finder | None = None) -> CongressView:
        """The congress term's own state, not a copy: read it, never change it.

        ``find`` reads the aggregate: the ledger by default (a replay of the roster), or a
        read model as fresh as the ledger (the ballot box's ``LatestAggregates``), which
        keeps it between calls. A deep copy or a replay of a 1,000-seat roster per
        check-in was most of the cost of checking a congress in.
        """
        aggregate = (find or self.ledger.find)(congress_id(key))
        if aggregate is None:
            raise NotFound(f"职代会 {key} 不存在", f"no congress {key}")
        state: CongressView = aggregate.s
        return state

    def delegate(self, key: str, actor_id: str, *, find: Finder | None = None) -> Delegate | None:
        """The delegate in office with this actor id, if any (``find``: as ``state``)."""
        return self.state(key, find=find).delegate(actor_id)

    def check_tellers(self, key: str, tellers: list[str]) -> None:
        """Refuse a teller who is not a delegate in office of this congress.

        监票人 and 计票人 are chosen from the delegates and count under their own names,
        each entering the count as themselves (``congress count``).
        """
        aggregate = self.ledger.find(congress_id(key))
        if aggregate is None:
            raise NotFound(f"职代会 {key} 不存在", f"no congress {key}")
        congress: CongressView = aggregate.s
        for teller in tellers:
            found = self.ledger.find(actor_id(teller))
            if found is None:
                raise InvalidInput(
                    f"计票人 {teller} 不在人员名录中", f"teller {teller} is not in the directory"
                )
            if congress.delegate(teller) is None:
                raise InvalidInput(
                    f"计票人 {teller}（{found.spec.name}）不是本届职代会在任代表",
                    f"teller {teller} ({found.spec.name}) is not a delegate in office "
                    "of this congress",
                )

    # -- helpers ---------------------------------------------------------------------

    def _cadre(self, actor_id: str, view: CongressView, what: tuple[str, str]) -> Acting:
        acting = self.directory.acting(actor_id, Role.CADRE)
        check_unit_cadre(acting, view.unit_org, what)
        return acting

    def _profile(self, name: str) -> RuleProfile:
        try:
            return self.profiles.load(name)
        except ProfileError as e:
            raise InvalidInput(f"规则配置无效：{e}", f"invalid rule profile: {e}") from e

    def _applied(self, key: str, command_id: str | None, operation: object) -> Congress | None:
        """The term as it stands when a caller's ``command_id`` for ``operation`` was
        applied to it already (else None; the same id for another operation is refused)."""
        if command_id is None:
            return None
        found: Congress | None = self.ledger.find(congress_id(key))
        if found is None:
            return None
        bound = fingerprinted(command_id, operation)
        check_command_id(bound, found.commands)
        return found if found.has_applied(bound) else None

    @staticmethod
    def _meta(
        acting: Acting,
        comment: str,
        command_id: str | None = None,
        operation: object = None,
    ) -> CommandMeta:
        return CommandMeta(
            command_id=(
                fingerprinted(command_id, operation)
                if command_id is not None
                else f"congress:{uuid.uuid4()}"
            ),
            acting=acting,
            occurred_at=datetime.now(UTC),
            comment=comment,
        )

    def _roster_errors(
        self, view: CongressView, rows: list[tuple[int, Delegate]]
    ) -> list[RowError]:
        """Row-numbered refusals the aggregate would give by id alone, plus directory clashes."""
        errors: list[RowError] = []
        first_row: dict[str, int] = {}
        known = {d.id for d in view.delegates}
        for row, d in rows:
            if d.id in first_row:
                errors.append(
                    RowError(
                        row,
                        "id",
                        f"编号 {d.id} 与第{first_row[d.id]}行重复",
                        f"id {d.id} repeats row {first_row[d.id]}",
                    )
                )
                continue
            first_row[d.id] = row
            if d.id in known:
                errors.append(
                    RowError(row, "id", f"{d.id} 已在名册中", f"{d.id} is already on the roster")
                )
                continue
            problem = self._actor_conflict(view, d)
            if problem is not None:
                errors.append(RowError(row, "id", *problem))
        return errors

    def _actor_conflict(self, view: CongressView, d: Delegate) -> tuple[str, str] | None:
        """Why an existing actor with this id cannot be this delegate, if they cannot."""
        record = self.ledger.find(actor_id(d.id))
        if record is None:
            return None
        if record.spec.org != view.unit_org:
            return (
                f"人员 {d.id} 属于 {record.spec.org}，不是本单位（{view.unit_org}）的职工",
                f"actor {d.id} belongs to {record.spec.org}, not {view.unit_org}",
            )
        if record.spec.name != d.name:
            return (
                f"编号 {d.id} 在名录中是 {record.spec.name}，不是 {d.name}",
                f"id {d.id} is {record.spec.name} in the directory, not {d.name}",
            )
        return None

    def _register_actors(self, view: CongressView, *, source: str) -> tuple[int, int]:
        """Every delegate in office is a directory actor with the delegate role.

        All of them, not only the new ones, so a crash between the roster and the
        directory write is healed by the next change. Existing roles are kept.
        """
        specs = []
        for d in view.active_delegates():
            record = self.ledger.find(actor_id(d.id))
            if record is None:
                specs.append(
                    ActorSpec(id=d.id, name=d.name, org=view.unit_org, roles=[Role.DELEGATE])
                )
            elif Role.DELEGATE not in record.spec.roles:
                roles = [*record.spec.roles, Role.DELEGATE]
                specs.append(record.spec.model_copy(update={"roles": roles}))
        if not specs:
            return 0, 0
        # The engine's follow-up of the cadre's roster change (the roster event names them).
        report = self.directory.record(
            DirectoryFile(organisations=[], actors=specs), acting=system_acting(), source=source
        )
        return report.created, report.updated
