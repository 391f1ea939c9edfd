"""The directory: idempotent, all-or-nothing loads of the org tree and actors."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from application.directory import DirectoryService
from domain.actors import Role
from domain.errors import InvalidInput, NotAuthorised
from ledger.app import Ledger
from tests.conftest import EXAMPLE_DIRECTORY


@pytest.fixture
def directory(tmp_path: Path) -> DirectoryService:
    ledger = Ledger(
        env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "l.db")}
    )
    return DirectoryService(ledger)


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "dir.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def example() -> dict:
    return yaml.safe_load(EXAMPLE_DIRECTORY.read_text(encoding="utf-8"))


def test_loading_the_same_file_twice_changes_nothing(directory: DirectoryService):
    first = directory.load(directory.parse(EXAMPLE_DIRECTORY), operator="ops.admin")
    events = directory.ledger.max_notification_id()
    second = directory.load(directory.parse(EXAMPLE_DIRECTORY), operator="ops.admin")
    assert first.created == 27 and first.updated == 0
    assert second.created == 0 and second.updated == 0 and second.unchanged == 27
    assert directory.ledger.max_notification_id() == events


def test_a_changed_entry_is_updated_and_changing_it_back_is_recorded_too(directory, tmp_path):
    directory.load(directory.parse(EXAMPLE_DIRECTORY), operator="ops.admin")
    data = example()
    original = data["organisations"][1]["name"]
    data["organisations"][1]["name"] = "甘井子区总工会（新）"
    assert directory.load(directory.parse(write(tmp_path, data)), operator="ops.admin").updated == 1
    data["organisations"][1]["name"] = original
    assert directory.load(directory.parse(write(tmp_path, data)), operator="ops.admin").updated == 1
    assert directory.organisation("dl-ganjingzi").spec.name == original
    assert directory.organisation("dl-ganjingzi").version == 3


def test_org_paths_run_from_the_root(directory: DirectoryService):
    directory.load(directory.parse(EXAMPLE_DIRECTORY), operator="ops.admin")
    assert directory.organisation("dl-bearing").path == ["dl-city", "dl-ganjingzi", "dl-bearing"]
    acting = directory.acting("chen.jing", Role.REVIEWER)
    assert acting.org_path == ["dl-city", "dl-ganjingzi"]


def test_an_unknown_parent_refuses_the_whole_file(directory, tmp_path):
    data = example()
    data["organisations"].append(
        {"code": "x", "name": "X", "kind": "grassroots_union", "parent": "nowhere"}
    )
    with pytest.raises(InvalidInput, match="nowhere"):
        directory.load(directory.parse(write(tmp_path, data)), operator="ops.admin")
    assert directory.ledger.max_notification_id() == 0


def test_a_cycle_is_refused(directory, tmp_path):
    data = {
        "organisations": [
            {"code": "a", "name": "A", "kind": "district_union", "parent": "b"},
            {"code": "b", "name": "B", "kind": "district_union", "parent": "a"},
        ],
        # the operator the file declares for this first load of an empty ledger
        "actors": [{"id": "ops.admin", "name": "周运维", "org": "a", "roles": ["operator"]}],
    }
    with pytest.raises(InvalidInput, match="cycle"):
        directory.load(directory.parse(write(tmp_path, data)), operator="ops.admin")
    assert directory.ledger.max_notification_id() == 0


def test_an_actor_of_an_unknown_org_refuses_the_whole_file(directory, tmp_path):
    data = example()
    data["actors"].append({"id": "ghost", "name": "幽灵", "org": "nowhere", "roles": ["cadre"]})
    with pytest.raises(InvalidInput, match="nowhere"):
        directory.load(directory.parse(write(tmp_path, data)), operator="ops.admin")
    assert directory.ledger.max_notification_id() == 0


def test_the_system_role_cannot_be_assigned(directory, tmp_path):
    data = example()
    data["actors"][0]["roles"] = ["system"]
    with pytest.raises(InvalidInput, match="system"):
        directory.parse(write(tmp_path, data))


def test_acting_in_a_role_the_actor_does_not_hold_is_refused(directory):
    directory.load(directory.parse(EXAMPLE_DIRECTORY), operator="ops.admin")
    with pytest.raises(NotAuthorised):
        directory.acting("wang.li", Role.REVIEWER)
