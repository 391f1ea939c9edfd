"""Ledger, witness, keys and the Temporal database are readable by their owner only.

Files 0600, directories 0700, whatever the umask: checked on a data directory created
fresh, as ``unionflow up`` creates it.
"""

from __future__ import annotations

import asyncio
import os
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from bootstrap import build_app
from ledger.seal import SealKey
from settings import Settings
from tests.ledger.conftest import Bank


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def loose_umask() -> Iterator[None]:
    previous = os.umask(0o022)  # the usual default: group and others may read
    yield
    os.umask(previous)


def test_a_fresh_data_dir_holds_the_ledger_witness_and_keys_for_its_owner_only(
    tmp_path: Path,
) -> None:
    data = tmp_path / "var"
    app = build_app(Settings(data_dir=data))
    polls = app.settings.poll_key_path
    try:
        Bank(app.ledger).open("ann")
        app.audit().seal()
        app.polls.box.create_key("poll-1")
    finally:
        app.close()

    files = [data / "ledger.db", data / "keys" / "seal_ed25519.pem"]
    files += [p for p in (data / "witness").rglob("*") if p.is_file()]
    files += [p for p in data.glob("ledger.db-*")]
    files += [p for p in polls.iterdir() if p.is_file()]
    dirs = [
        data,
        data / "keys",
        polls,
        data / "witness",
        data / "witness" / "leaves",
    ]
    assert len(files) >= 6
    assert {str(p.relative_to(data)): oct(mode(p)) for p in files if mode(p) != 0o600} == {}
    assert {str(p.relative_to(data)): oct(mode(p)) for p in dirs if mode(p) != 0o700} == {}


def test_a_seal_key_kept_apart_is_created_0600_in_a_0700_directory(tmp_path: Path) -> None:
    path = tmp_path / "secrets" / "seal" / "key.pem"
    settings = Settings(data_dir=tmp_path / "var", seal_key_file=path)

    SealKey.load_or_create(settings.seal_key_path)

    assert settings.seal_key_path == path
    assert (mode(path), mode(path.parent)) == (0o600, 0o700)
    assert not (tmp_path / "var" / "keys").exists()


def test_a_key_file_others_could_read_is_closed_when_loaded(tmp_path: Path) -> None:
    path = tmp_path / "key.pem"
    first = SealKey.load_or_create(path)
    path.chmod(0o644)

    again = SealKey.load_or_create(path)

    assert again.public_bytes() == first.public_bytes()
    assert mode(path) == 0o600


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.devserver
def test_the_temporal_dev_server_database_is_created_0600(tmp_path: Path) -> None:
    from stack import start_dev_server

    data = tmp_path / "var"
    data.mkdir(mode=0o700)
    settings = Settings(data_dir=data, dev_server_port=free_port(), dev_server_ui_port=free_port())

    async def start_and_stop() -> None:
        env = await start_dev_server(settings, data)
        await env.shutdown()

    asyncio.run(start_and_stop())

    created = list(data.glob("temporal.db*"))
    assert data / "temporal.db" in created
    assert {p.name: oct(mode(p)) for p in created if mode(p) != 0o600} == {}
    assert os.umask(0o022) == 0o022  # the server's umask was this process's only meanwhile
