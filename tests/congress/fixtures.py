"""A congress session with N delegates, built straight on the ledger (no workflow)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from application.ballot_box import BallotBox
from application.directory import DirectoryFile, DirectoryService
from application.polls import PollService
from application.profiles import load_profile
from domain.actors import CommandMeta, Role
from domain.directory import ActorSpec
from domain.poll import ItemKind, PollKind, PollSpec
from domain.profiles import RuleProfile
from domain.session import AgendaItem, Session, SessionKind, SessionView, session_ledger_id
from ledger.app import Ledger
from tests.conftest import EXAMPLE_DIRECTORY

UNIT = "dl-bearing"
CHAIR = "wang.li"


@dataclass
class Floor:
    """A session in progress with its delegates."""

    ledger: Ledger
    directory: DirectoryService
    polls: PollService
    profile: RuleProfile
    session_id: str
    delegates: list[str]

    def meta(self, command_id: str, actor: str = CHAIR, role: Role = Role.CADRE) -> CommandMeta:
        return CommandMeta(
            command_id=command_id,
            acting=self.directory.acting(actor, role),
            occurred_at=datetime.now(UTC),
        )

    def check_in(self, delegates: list[str]) -> None:
        for d in delegates:
            self.polls.check_in(self.session_id, d, is_delegate=self.delegates.__contains__)

    def open(self, item_no: int, kind: PollKind, secret: bool, **spec_kw) -> str:
        key = f"{self.session_id}:item{item_no}"
        item_kind = {
            PollKind.ELECTION: ItemKind.ELECTION,
            PollKind.APPRAISAL: ItemKind.APPRAISAL,
        }.get(kind, ItemKind.APPROVAL)
        spec = PollSpec(
            poll_key=key,
            congress_key="c",
            session_id=self.session_id,
            item_no=item_no,
            title=f"item {item_no}",
            item_kind=item_kind,
            kind=kind,
            secret=secret,
            **spec_kw,
        )
        self.polls.open_poll(
            spec,
            self.meta(f"open:{key}"),
            total_delegates=len(self.delegates),
            profile=self.profile,
        )
        return key

    def close_and_tally(self, key: str):
        self.polls.close_poll(key, "chair", self.meta(f"close:{key}"))
        return self.polls.tally_poll(key, self.meta(f"tally:{key}"), self.profile)


def make_floor(
    tmp_path: Path,
    n: int,
    *,
    sqlite_file: str = "ledger.db",
    env: dict[str, str] | None = None,
    key_dir: Path | None = None,
) -> Floor:
    ledger = Ledger(
        env=env
        or {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(tmp_path / sqlite_file),
            "SQLITE_LOCK_TIMEOUT": "30",
        }
    )
    directory = DirectoryService(ledger)
    directory.load(directory.parse(EXAMPLE_DIRECTORY), operator="ops.admin")
    delegates = [f"d{i:04d}" for i in range(n)]
    directory.load(
        DirectoryFile(
            organisations=[],
            actors=[
                ActorSpec(id=d, name=f"代表{i}", org=UNIT, roles=[Role.DELEGATE])
                for i, d in enumerate(delegates)
            ],
        ),
        operator="ops.admin",
    )
    profile = load_profile("national")
    polls = PollService(ledger, directory, BallotBox(key_dir or tmp_path / "keys"))
    session_id = "c:s1"
    today = date.today()
    state = SessionView(
        session_id=session_id,
        congress_key="c",
        unit_org=UNIT,
        unit_path=["dl-city", "dl-ganjingzi", UNIT],
        kind=SessionKind.REGULAR,
        agenda=[AgendaItem(no=1, title="x", kind=ItemKind.APPROVAL)],
        papers_sent_on=today - timedelta(days=7),
        opens_on=today,
        status="convened",
    )
    floor = Floor(ledger, directory, polls, profile, session_id, delegates)
    session = Session.convene(state, floor.meta("convene"), profile=profile, total_delegates=n)
    session.open(floor.meta("open"))
    ledger.save(session)
    assert ledger.find(session_ledger_id(session_id)) is not None
    return floor
