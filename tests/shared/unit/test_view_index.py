"""Case lists kept by tailing the log: only what changed since the last call is re-read,
and the store is rebuilt when it does not match the ledger."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from application.directory import DirectoryService
from domain.directory import ActorRecord, ActorSpec, OrgSpec
from ledger.app import Ledger
from projections.views import ViewIndex
from tests.conftest import EXAMPLE_DIRECTORY


def ledger_at(path: Path) -> Ledger:
    return Ledger(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)})


def actors(ledger: Ledger, store: Path, view_type: type[ActorSpec] = ActorSpec) -> ViewIndex:
    return ViewIndex(ledger, ActorRecord, view_type, store=store, view=lambda a: a.spec)


@pytest.fixture
def directory(tmp_path: Path) -> DirectoryService:
    directory = DirectoryService(ledger_at(tmp_path / "ledger.db"))
    directory.load(directory.parse(EXAMPLE_DIRECTORY), operator="ops.admin")
    return directory


def rename_first_actor(directory: DirectoryService, tmp_path: Path, name: str) -> str:
    data = yaml.safe_load(EXAMPLE_DIRECTORY.read_text(encoding="utf-8"))
    data["actors"][0]["name"] = name
    path = tmp_path / "renamed.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    directory.load(directory.parse(path), operator="ops.admin")
    return data["actors"][0]["id"]


def test_views_follow_the_ledger_in_creation_order(directory: DirectoryService, tmp_path: Path):
    index = actors(directory.ledger, tmp_path / "p.db")
    data = yaml.safe_load(EXAMPLE_DIRECTORY.read_text(encoding="utf-8"))
    in_file_order = [a["id"] for a in data["actors"]]
    assert [v.id for v in index.views()] == in_file_order
    assert index.reads == len(in_file_order)
    assert sorted(index.views(), key=lambda v: v.id) == [a.spec for a in directory.actors()]
    assert index.reads == len(in_file_order)  # nothing new since: nothing re-read


def test_a_second_process_rereads_only_what_changed_since_the_last_call(
    directory: DirectoryService, tmp_path: Path
):
    first = actors(directory.ledger, tmp_path / "p.db")
    before = first.views()
    first.close()

    again = actors(directory.ledger, tmp_path / "p.db")
    assert again.views() == before and again.reads == 0

    changed = rename_first_actor(directory, tmp_path, "改名后的干部")
    after = actors(directory.ledger, tmp_path / "p.db")
    views = after.views()
    assert after.reads == 1
    assert [v.name for v in views if v.id == changed] == ["改名后的干部"]
    assert [v.id for v in views] == [v.id for v in before]


def test_a_store_of_another_ledger_is_rebuilt(directory: DirectoryService, tmp_path: Path):
    actors(directory.ledger, tmp_path / "p.db").views()
    other = DirectoryService(ledger_at(tmp_path / "other.db"))
    assert actors(other.ledger, tmp_path / "p.db").views() == []
    index = actors(directory.ledger, tmp_path / "p.db")
    assert len(index.views()) == index.reads > 0


def test_a_store_written_for_another_view_schema_is_rebuilt(
    directory: DirectoryService, tmp_path: Path
):
    class WiderSpec(ActorSpec):
        note: str = ""

    count = len(actors(directory.ledger, tmp_path / "p.db").views())
    wider = actors(directory.ledger, tmp_path / "p.db", WiderSpec)
    assert len(wider.views()) == wider.reads == count


def test_a_call_after_other_events_reads_the_log_only_from_where_the_last_one_ended(
    directory: DirectoryService, tmp_path: Path
):
    """Events of other aggregates move the index's position too: the next call does not
    scan them again (an index of motions under 30,000 ballots)."""
    from domain.directory import Organisation

    orgs = ViewIndex(directory.ledger, Organisation, OrgSpec, view=lambda o: o.spec)
    orgs.views()
    rename_first_actor(directory, tmp_path, "改名之后")  # events of actors only
    starts: list[int] = []
    real = directory.ledger.recorder.select_notifications

    def spy(start: int, *args, **kwargs):
        starts.append(start)
        return real(start, *args, **kwargs)

    directory.ledger.recorder.select_notifications = spy  # type: ignore[method-assign]
    orgs.views()  # reads past the rename once
    orgs.views()  # and then nothing more
    assert len(starts) == 1 and starts[0] <= directory.ledger.max_notification_id()


def test_groups_name_the_views_a_call_reads_and_follow_their_changes(
    directory: DirectoryService, tmp_path: Path
):
    index = ViewIndex(
        directory.ledger,
        ActorRecord,
        ActorSpec,
        view=lambda a: a.spec,
        groups=lambda spec: [f"org:{spec.org}", f"name:{spec.name}"],
    )
    every = index.views()
    bearing = [v for v in every if v.org == "dl-bearing"]
    assert bearing and index.views_in("org:dl-bearing") == bearing  # in creation order
    assert index.views_in("org:dl-bearing", "org:nowhere") == bearing
    renamed = rename_first_actor(directory, tmp_path, "改名之后")
    assert [v.id for v in index.views_in("name:改名之后")] == [renamed]
    old_name = next(v.name for v in every if v.id == renamed)
    assert renamed not in [v.id for v in index.views_in(f"name:{old_name}")]
