"""Secret ballots attacked: a database writer, a backup holder, a swapped key, crashes.

Each test performs the attack or the fault and sees it refused or detected, with no
ballot lost and none counted twice.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from application import polls as polls_module
from application.ballot_box import BallotBox
from domain.errors import InvalidState
from domain.poll import Participation, PollKind, SealedBallot, key_fingerprint, poll_id
from settings import Settings
from tests.conftest import ROOT
from tests.congress.fixtures import Floor, make_floor

VOTERS = 30
CHANCE_BOUND = 6  # a random pairing of 30 gets more than 6 right about once in 10,000 runs


def _cast_all(floor: Floor, key: str) -> dict[str, str]:
    """Every delegate votes; returns voter -> receipt (what a coercer makes a voter show)."""
    receipts = {}
    for i, d in enumerate(floor.delegates):
        receipts[d] = floor.polls.cast(key, d, [["yes", "no", "abstain"][i % 3]]).receipt
    return receipts


def _stolen_key(floor: Floor, key: str, where: Path) -> BallotBox:
    """The worst case: the attacker also copied the poll's private key before the tally."""
    where.mkdir()
    shutil.copy(floor.polls.box.key_dir / f"{key}.x25519", where / f"{key}.x25519")
    return BallotBox(where)


def _links(floor: Floor, key: str, stolen: BallotBox, receipts: dict[str, str], xmin=None):
    """Try every link a database holder has: order, adjacent ids, timestamps, transactions.
    Returns how many voters each method pairs with their own sealed ballot."""
    rows = list(floor.ledger.all_notifications())
    p_topic = f"{Participation.Created.__module__}:{Participation.Created.__qualname__}"
    s_topic = f"{SealedBallot.Created.__module__}:{SealedBallot.Created.__qualname__}"
    parts = [(n, floor.ledger.mapper.to_domain_event(n)) for n in rows if n.topic == p_topic]
    sealed = [(n, floor.ledger.mapper.to_domain_event(n)) for n in rows if n.topic == s_topic]
    assert len(parts) == len(sealed) == VOTERS
    open_one = stolen.opener(key)
    owner = {r: v for v, r in receipts.items()}
    truth = [owner[open_one(e.ephemeral_key, e.nonce, e.ciphertext)["r"]] for _, e in sealed]
    voters = [e.voter for _, e in parts]
    by_order = sum(v == t for v, t in zip(voters, truth, strict=True))
    by_adjacent = 0
    by_time = 0
    for (n, e), t in zip(sealed, truth, strict=True):
        before = [p for p in parts if p[0].id < n.id]
        if before and before[-1][1].voter == t:
            by_adjacent += 1
        nearest = min(parts, key=lambda p: abs((p[1].timestamp - e.timestamp).total_seconds()))
        by_time += nearest[1].voter == t
    found = {"order": by_order, "adjacent ids": by_adjacent, "timestamps": by_time}
    if xmin is not None:
        by_tx = 0
        for (n, _), t in zip(sealed, truth, strict=True):
            same = [p for p in parts if xmin[p[0].id] == xmin[n.id]]
            by_tx += bool(same) and same[0][1].voter == t
        found["transactions"] = by_tx
    # Structure, not luck: every sealed ballot came in one batch after the last vote, in
    # its own transaction, all stamped with the poll's opening time and by nobody.
    assert min(n.id for n, _ in sealed) > max(n.id for n, _ in parts)
    assert len({e.timestamp for _, e in sealed}) == 1
    assert {e.actor["id"] for _, e in sealed} == {"anonymous"}
    if xmin is not None:
        assert len({xmin[n.id] for n, _ in sealed}) == 1
        assert not {xmin[n.id] for n, _ in sealed} & {xmin[n.id] for n, _ in parts}
    return found


def test_a_database_holder_with_the_stolen_key_links_no_voter_of_a_30_voter_poll(tmp_path: Path):
    floor = make_floor(tmp_path, VOTERS)
    floor.check_in(floor.delegates)
    key = floor.open(1, PollKind.YES_NO, secret=True)
    receipts = _cast_all(floor, key)
    # During the poll the ledger holds no ballot at all: they wait in the spool.
    sealed_topic = f"{SealedBallot.Created.__module__}:{SealedBallot.Created.__qualname__}"
    assert not [n for n in floor.ledger.all_notifications() if n.topic == sealed_topic]
    stolen = _stolen_key(floor, key, tmp_path / "stolen")
    view = floor.close_and_tally(key)
    assert view.result.ballots == VOTERS and view.ballots_collected == VOTERS
    found = _links(floor, key, stolen, receipts)
    assert all(n <= CHANCE_BOUND for n in found.values()), found


PG_DSN = "host=127.0.0.1 port=5432 dbname=test user=postgres"


@pytest.mark.postgres
def test_on_postgresql_no_transaction_id_or_order_links_a_voter_of_a_30_voter_poll(
    tmp_path: Path,
):
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": "test",
        "POSTGRES_HOST": "127.0.0.1",
        "POSTGRES_PORT": "5432",
        "POSTGRES_USER": "postgres",
        "POSTGRES_PASSWORD": "",
        "POSTGRES_SCHEMA": schema,
    }
    try:
        floor = make_floor(tmp_path, VOTERS, env=env)
        floor.check_in(floor.delegates)
        key = floor.open(1, PollKind.YES_NO, secret=True)
        receipts = _cast_all(floor, key)
        stolen = _stolen_key(floor, key, tmp_path / "stolen")
        floor.close_and_tally(key)
        with psycopg.connect(PG_DSN) as conn:
            xmin = dict(
                conn.execute(
                    sql.SQL("SELECT notification_id, xmin::text FROM {}").format(
                        sql.Identifier(schema, "unionflow_events")
                    )
                ).fetchall()
            )
        found = _links(floor, key, stolen, receipts, xmin=xmin)
        assert all(n <= CHANCE_BOUND for n in found.values()), found
        floor.ledger.close()
    finally:
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def test_a_backup_of_the_data_directory_taken_during_a_poll_links_nobody(tmp_path: Path):
    settings = Settings(data_dir=tmp_path / "var")
    key_dir = settings.poll_key_path
    assert settings.data_dir not in key_dir.parents and key_dir != settings.data_dir
    settings.data_dir.mkdir()
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(settings.sqlite_path),
    }
    floor = make_floor(tmp_path, 6, env=env, key_dir=key_dir)
    floor.check_in(floor.delegates)
    key = floor.open(1, PollKind.YES_NO, secret=True)
    _cast_all(floor, key)
    # 0700 directories, 0600 files: the key, its commitment, the spool.
    spool = key_dir / "spool" / key
    for d in (key_dir, key_dir / "spool", spool):
        assert stat.S_IMODE(d.stat().st_mode) == 0o700, d
    files = [key_dir / f"{key}.x25519", key_dir / f"{key}.commit", *spool.iterdir()]
    assert len(floor.polls.box.spooled(key)) == 6  # in one log: one process voted
    assert len(files) == 2 + 1
    for f in files:
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f

    backup = tmp_path / "backup"
    shutil.copytree(settings.data_dir, backup)
    ciphertexts = [b.ciphertext.encode() for b in floor.polls.box.spooled(key)]
    every_byte = b"".join(p.read_bytes() for p in backup.rglob("*") if p.is_file())
    assert not list(backup.rglob("*.x25519"))  # no key in the backup
    rows = sqlite3.connect(backup / "ledger.db").execute("SELECT topic FROM stored_events")
    assert "SealedBallot" not in " ".join(t for (t,) in rows)  # no ballot either
    for c in ciphertexts:
        assert c[-40:] not in every_byte
    view = floor.close_and_tally(key)
    assert view.result.ballots == 6 and not spool.exists()


def _swap_key(db: Path, key: str, attacker_key: str, *, fingerprint_too: bool) -> None:
    """What an active database writer does: rewrite the opened poll's stored public key."""
    conn = sqlite3.connect(db)
    (state,) = conn.execute(
        "SELECT state FROM stored_events WHERE originator_id = ? AND originator_version = 1",
        (poll_id(key).hex,),
    ).fetchone()
    import json

    body = json.loads(state)
    old = body["state"]["public_key"]
    body["state"]["public_key"] = attacker_key
    if fingerprint_too:
        body["state"]["key_fingerprint"] = key_fingerprint(attacker_key)
    new = json.dumps(body, separators=(",", ":")).encode()
    assert old != attacker_key
    conn.execute(
        "UPDATE stored_events SET state = ? WHERE originator_id = ? AND originator_version = 1",
        (new, poll_id(key).hex),
    )
    conn.commit()
    conn.close()


@pytest.mark.parametrize("fingerprint_too", [False, True])
def test_a_public_key_swapped_in_the_database_is_refused_and_reported(
    tmp_path: Path, fingerprint_too: bool
):
    floor = make_floor(tmp_path, 4)
    floor.check_in(floor.delegates)
    key = floor.open(1, PollKind.YES_NO, secret=True)
    first = floor.polls.cast(key, floor.delegates[0], ["yes"]).receipt
    attacker = BallotBox(tmp_path / "attacker").create_key("mine")
    _swap_key(tmp_path / "ledger.db", key, attacker, fingerprint_too=fingerprint_too)

    fresh = make_fresh_service(floor, tmp_path)  # a new process reads the rewritten row
    assert fresh.poll(key).public_key == attacker
    with pytest.raises(InvalidState, match="指纹"):
        fresh.cast(key, floor.delegates[1], ["no"])
    assert not fresh.has_voted(fresh.poll(key), floor.delegates[1])  # nothing written
    assert len(fresh.box.spooled(key)) == 1  # only the ballot cast before the swap

    floor.polls = fresh
    floor.close_and_tally(key)
    with pytest.raises(InvalidState, match="指纹"):
        fresh.verify_receipt(key, first)


def make_fresh_service(floor: Floor, tmp_path: Path):
    from application.directory import DirectoryService
    from application.polls import PollService
    from ledger.app import Ledger

    ledger = Ledger(
        env={
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(tmp_path / "ledger.db"),
        }
    )
    return PollService(ledger, DirectoryService(ledger), BallotBox(floor.polls.box.key_dir))


CHILD = """
import os, signal, sys
from datetime import UTC, datetime
from pathlib import Path
from application.ballot_box import BallotBox
from application.directory import DirectoryService
from application import polls as polls_module
from application.polls import PollService
from application.profiles import load_profile
from domain.actors import CommandMeta, Role
from ledger.app import Ledger

db, key_dir, key, where, voter = sys.argv[1:6]
polls_module.SPOOL_GRACE_SECONDS = 1.0
ledger = Ledger(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": db})
directory = DirectoryService(ledger)
polls = PollService(ledger, directory, BallotBox(Path(key_dir)))
die = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)

def after(obj, name):
    original = getattr(obj, name)
    def wrapped(*a, **k):
        result = original(*a, **k)
        die()
        return result
    setattr(obj, name, wrapped)

def before(obj, name, when=lambda *a: True):
    original = getattr(obj, name)
    def wrapped(*a, **k):
        if when(*a):
            die()
        return original(*a, **k)
    setattr(obj, name, wrapped)

if where == "after-spool":
    after(polls.box, "spool")
elif where == "after-participation":
    after(ledger, "save")
elif where == "before-batch":
    before(ledger, "save", when=lambda *a: len(a) > 1)
elif where == "after-batch":
    before(polls.box, "clear_spool")
if where.endswith("batch"):
    meta = CommandMeta(
        command_id="tally:crash", acting=directory.acting("wang.li", Role.CADRE),
        occurred_at=datetime.now(UTC),
    )
    polls.tally_poll(key, meta, load_profile("national"))
else:
    polls.cast(key, voter, ["no"])
"""


def _killed(tmp_path: Path, floor: Floor, key: str, where: str, voter: str = "") -> None:
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            str(tmp_path / "ledger.db"),
            str(floor.polls.box.key_dir),
            key,
            where,
            voter,
        ],
        cwd=ROOT,
        capture_output=True,
        timeout=60,
    )
    assert child.returncode == -9, child.stderr.decode()[-2000:]


def test_a_vote_killed_at_any_step_loses_no_ballot_and_counts_none_twice(
    tmp_path: Path, monkeypatch
):
    monkeypatch.setattr(polls_module, "SPOOL_GRACE_SECONDS", 1.0)
    floor = make_floor(tmp_path, 4)
    floor.check_in(floor.delegates)
    key = floor.open(1, PollKind.YES_NO, secret=True)
    a, b, c, d = floor.delegates
    # Killed after the spool, before the participation: an orphan; the delegate votes again.
    _killed(tmp_path, floor, key, "after-spool", a)
    assert not floor.polls.has_voted(floor.polls.poll(key), a)
    floor.polls.cast(key, a, ["yes"])
    # Killed after the participation, before the receipt: the vote stands, once.
    _killed(tmp_path, floor, key, "after-participation", b)
    with pytest.raises(InvalidState, match="已经投过票"):
        floor.polls.cast(key, b, ["yes"])
    floor.polls.cast(key, c, ["yes"])
    floor.polls.close_poll(key, "chair", floor.meta(f"close:{key}"))
    time.sleep(1.1)  # the orphan is older than the grace
    # The tally killed before its batch commits, then after: the retry finishes it.
    _killed(tmp_path, floor, key, "before-batch")
    assert floor.polls.poll(key).ballots_collected is None
    _killed(tmp_path, floor, key, "after-batch")
    assert floor.polls.poll(key).ballots_collected == 3
    view = floor.polls.tally_poll(key, floor.meta(f"tally:{key}"), floor.profile)
    assert view.result.counts == {"yes": 2, "no": 1, "abstain": 0}  # a, c yes; b no
    assert view.result.ballots == 3 and len(view.published_receipts) == 3
    assert floor.polls.box.spooled(key) == []
    assert not floor.polls.has_voted(view, d)
    assert not os.path.exists(floor.polls.box.key_dir / f"{key}.x25519")


def test_a_key_swapped_with_its_fingerprint_after_the_tally_is_caught_by_the_witness(
    tmp_path: Path,
):
    """Once the poll's own key files are gone, a database writer who swaps the public key
    *and* its fingerprint leaves nothing inside the database to contradict them; the
    witness of the seal made when the poll opened still does."""
    from application.audit import AuditService
    from ledger.witness import Witness

    settings = Settings(data_dir=tmp_path / "var")
    floor = make_floor(tmp_path, 4)
    floor.check_in(floor.delegates)
    key = floor.open(1, PollKind.YES_NO, secret=True)
    sealed = AuditService(floor.ledger, settings).seal("poll opened")  # as poll.open does
    receipt = floor.polls.cast(key, floor.delegates[0], ["yes"]).receipt
    floor.close_and_tally(key)
    witness = Witness(settings.witness_path)

    honest = make_fresh_service(floor, tmp_path)
    honest.witness = witness
    assert honest.verify_receipt(key, receipt).key_witnessed_in_seal == sealed.version

    for leftover in floor.polls.box.key_dir.glob(f"{key}.*"):
        leftover.unlink()  # gone after the tally, or never on the auditor's machine
    attacker = BallotBox(tmp_path / "attacker").create_key("mine")
    _swap_key(tmp_path / "ledger.db", key, attacker, fingerprint_too=True)

    blind = make_fresh_service(floor, tmp_path)  # nothing but the database to go on
    assert blind.poll(key).commitment_ok and blind.verify_receipt(key, receipt).counted
    watched = make_fresh_service(floor, tmp_path)
    watched.witness = witness
    with pytest.raises(InvalidState, match="见证"):
        watched.verify_receipt(key, receipt)
