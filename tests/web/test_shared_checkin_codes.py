"""On a PostgreSQL ledger, delegates' check-in codes live in tables beside the ledger's, so
every web process shares them: a code shown by one process is redeemed at a door served by
another, once; wrong codes counted on both pause the desk on both. The tables are made by
``unionflow migrate``; SQLite keeps its local file."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest

from application.checkin_codes import (
    MAX_WRONG,
    CheckInCodeRefused,
    LocalCheckInCodeStore,
    PostgresCheckInCodeStore,
    TooManyWrongCodes,
    create_checkin_code_tables,
    open_checkin_code_store,
)
from bootstrap import App, build_app, build_ledger
from domain.errors import NotFound
from interfaces.web.context import WebContext
from ledger.app import Ledger
from ledger.tables import create_tables
from settings import Settings
from tests.web.conftest import Clock
from tests.web.test_shared_sessions import app, schema, settings

pytestmark = pytest.mark.postgres

__all__ = ["app", "schema", "settings"]  # fixtures: a migrated schema of the test's own

SID = "dl-bearing-6:2026-1"


def test_a_code_issued_on_one_process_is_redeemed_on_another_once(app: App, settings: Settings):
    now = Clock()()
    first = open_checkin_code_store(settings, app.ledger)
    second_app = build_app(settings)
    try:
        second = open_checkin_code_store(settings, second_app.ledger)
        assert isinstance(first, PostgresCheckInCodeStore)
        code = first.issue(SID, "dlb-d01", now + timedelta(minutes=5))
        assert second.has_live(SID, "dlb-d01", now)
        assert second.redeem(SID, code, "wang.li", now) == "dlb-d01"
        with pytest.raises(CheckInCodeRefused, match="已使用过"):
            first.redeem(SID, code, "wang.li", now)
        assert not first.has_live(SID, "dlb-d01", now)
        # A new code on the second process replaces the first process's unused one.
        old = first.issue(SID, "dlb-d02", now + timedelta(minutes=5))
        new = second.issue(SID, "dlb-d02", now + timedelta(minutes=5))
        with pytest.raises(CheckInCodeRefused, match="签到码不正确"):
            first.redeem(SID, old, "wang.li", now)
        assert first.redeem(SID, new, "wang.li", now) == "dlb-d02"
    finally:
        second_app.close()
    assert not (settings.data_dir / "checkin_codes.db").exists()  # nothing local


def test_two_doors_given_the_same_code_at_once_check_in_one_delegate(app: App, settings: Settings):
    now = Clock()()
    stores = [open_checkin_code_store(settings, app.ledger)]
    other = build_app(settings)
    try:
        stores.append(open_checkin_code_store(settings, other.ledger))
        for n in range(5):
            code = stores[0].issue(SID, f"dlb-d1{n}", now + timedelta(minutes=5))
            got: list[str] = []
            refused: list[Exception] = []
            start = threading.Barrier(2)

            def door(store, got=got, refused=refused, code=code, start=start) -> None:
                start.wait()
                try:
                    got.append(store.redeem(SID, code, "wang.li", now))
                except CheckInCodeRefused as e:
                    refused.append(e)

            threads = [threading.Thread(target=door, args=(s,)) for s in stores]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert got == [f"dlb-d1{n}"] and len(refused) == 1, (got, refused)
    finally:
        other.close()


def test_wrong_codes_on_both_processes_pause_the_desk_on_both(app: App, settings: Settings):
    now = Clock()()
    first = open_checkin_code_store(settings, app.ledger)
    other = build_app(settings)
    try:
        second = open_checkin_code_store(settings, other.ledger)
        for i in range(MAX_WRONG):
            with pytest.raises(CheckInCodeRefused):
                (first if i % 2 else second).redeem(SID, f"WRNG-{i:04d}", "wang.li", now)
        for store in (first, second):
            with pytest.raises(TooManyWrongCodes):
                store.redeem(SID, "ANYC-ODE1", "wang.li", now)
        # Another desk is not paused: its wrong code is refused as wrong, not paused.
        with pytest.raises(CheckInCodeRefused):
            second.redeem(SID, "ANYC-ODE1", "he.jun", now)
        later = now + timedelta(minutes=2)
        with pytest.raises(CheckInCodeRefused):  # the pause is over: wrong again, not paused
            first.redeem(SID, "ANYC-ODE1", "wang.li", later)
    finally:
        other.close()


def test_the_web_process_uses_the_shared_tables(app: App):
    context = WebContext(app)
    try:
        assert isinstance(context.checkin_codes().store, PostgresCheckInCodeStore)
    finally:
        context.close()


def test_the_tables_come_from_migrate_not_from_opening(settings: Settings, schema: str):
    env = {**settings.ledger_env(), "CREATE_TABLE": "false"}
    bare = Ledger(env=env)
    try:
        create_tables(bare)  # the ledger's tables only, as before these tables existed
        with pytest.raises(NotFound, match="unionflow migrate"):
            open_checkin_code_store(settings, bare)
        create_checkin_code_tables(bare)
        create_checkin_code_tables(bare)  # again: nothing changes
        store = open_checkin_code_store(settings, bare)
        assert store.has_tables()
        store.drop_tables()
        assert not store.has_tables()
    finally:
        bare.close()
    migrated = build_ledger(settings, migrate=True)  # what `unionflow migrate` runs
    try:
        assert open_checkin_code_store(settings, migrated).has_tables()
    finally:
        migrated.close()


def test_sqlite_keeps_its_local_file(tmp_path: Path):
    local = Settings(data_dir=tmp_path / "var")
    ledger = build_ledger(local)
    try:
        store = open_checkin_code_store(local, ledger)
        assert isinstance(store, LocalCheckInCodeStore)
        now = Clock()()
        code = store.issue(SID, "dlb-d01", now + timedelta(minutes=5))
        assert store.redeem(SID, code, "wang.li", now) == "dlb-d01"
        store.close()
    finally:
        ledger.close()
    assert (tmp_path / "var" / "checkin_codes.db").exists()
