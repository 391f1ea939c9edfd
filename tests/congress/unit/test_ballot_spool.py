"""The spool's log: group sync, torn lines, drops, clearing, and the older per-ticket files."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path
from unittest import mock

import pytest

from application import ballot_spool
from application.ballot_box import BallotBox

POLL = "s1-1"


def _box(tmp_path: Path) -> BallotBox:
    return BallotBox(tmp_path / "keys")


def _logs(box: BallotBox) -> list[Path]:
    return sorted((box.key_dir / "spool" / POLL).glob("*.log"))


def test_every_ballot_is_read_back_with_its_ticket_and_files_are_private(tmp_path: Path) -> None:
    box = _box(tmp_path)
    tickets = [box.spool(POLL, f"e{i}", f"n{i}", f"c{i}") for i in range(5)]
    found = {b.ticket: b for b in box.spooled(POLL)}
    assert set(found) == set(tickets) and len(set(tickets)) == 5
    assert [found[t].ciphertext for t in tickets] == [f"c{i}" for i in range(5)]
    (log,) = _logs(box)
    assert log.name.startswith(f"{os.getpid()}-")
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700


def test_concurrent_votes_share_syncs_and_each_returns_only_once_its_line_is_synced(
    tmp_path: Path,
) -> None:
    box = _box(tmp_path)
    box.spool(POLL, "e", "n", "c")  # the log exists
    (log,) = _logs(box)
    real = os.fdatasync
    gate = threading.Event()
    covered = [0]  # bytes of the log that a finished sync covers
    syncs: list[int] = []
    early: list[str] = []

    def slow_sync(fd: int) -> None:
        size = os.fstat(fd).st_size  # what this sync covers: every line written before it
        gate.wait(5)  # the other voters write and queue meanwhile
        real(fd)
        covered[0] = max(covered[0], size)
        syncs.append(size)

    def vote(i: int) -> None:
        ticket = box.spool(POLL, "e", "n", f"c{i}")
        if ticket.encode() not in log.read_bytes()[: covered[0]]:
            early.append(ticket)

    with mock.patch.object(ballot_spool.os, "fdatasync", side_effect=slow_sync):
        threads = [threading.Thread(target=vote, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        threading.Event().wait(0.3)
        gate.set()
        for t in threads:
            t.join()
    assert early == []
    assert len(box.spooled(POLL)) == 21
    # 20 votes, a few syncs: the votes that queued behind the first were synced together.
    assert 1 <= len(syncs) <= 3


def test_a_torn_last_line_is_skipped_and_the_next_process_writes_a_new_log(
    tmp_path: Path,
) -> None:
    box = _box(tmp_path)
    kept = box.spool(POLL, "e", "n", "c")
    (log,) = _logs(box)
    with log.open("ab") as f:
        f.write(b'{"t":"abc","e":"x","n":"y","c":"z')  # crashed mid-write
    assert [b.ticket for b in box.spooled(POLL)] == [kept]
    after = _box(tmp_path)  # another process (a restarted one)
    second = after.spool(POLL, "e", "n", "c2")
    assert len(_logs(after)) == 2
    assert {b.ticket for b in after.spooled(POLL)} == {kept, second}


def test_a_short_write_breaks_the_log_and_the_next_vote_opens_another(tmp_path: Path) -> None:
    box = _box(tmp_path)
    first = box.spool(POLL, "e", "n", "c")
    with (
        mock.patch.object(ballot_spool.os, "write", return_value=3),
        pytest.raises(OSError, match="short write"),
    ):
        box.spool(POLL, "e", "n", "c")
    with open(_logs(box)[0], "ab") as f:
        f.write(b'{"t"')  # what the short write left
    second = box.spool(POLL, "e", "n", "c2")
    assert len(_logs(box)) == 2
    assert {b.ticket for b in box.spooled(POLL)} == {first, second}


def test_a_dropped_ballot_is_not_read_and_does_not_keep_its_log(tmp_path: Path) -> None:
    box = _box(tmp_path)
    kept = box.spool(POLL, "e", "n", "c")
    refused = box.spool(POLL, "e", "n", "c")
    box.unspool(POLL, refused)
    assert [b.ticket for b in box.spooled(POLL)] == [kept]
    box.clear_spool(POLL, [kept])
    assert not (box.key_dir / "spool" / POLL).exists()


def test_a_log_holding_a_ballot_not_cleared_stays_and_a_later_vote_opens_a_new_log(
    tmp_path: Path,
) -> None:
    box, other = _box(tmp_path), _box(tmp_path)  # two processes
    mine = box.spool(POLL, "e", "n", "c")
    late = other.spool(POLL, "e", "n", "c")
    box.clear_spool(POLL, [mine])  # the batch read before ``late`` landed
    assert [b.ticket for b in box.spooled(POLL)] == [late]
    assert len(_logs(box)) == 1
    again = box.spool(POLL, "e", "n", "c")  # its own log was shredded: a new one
    assert {b.ticket for b in box.spooled(POLL)} == {late, again}
    box.clear_spool(POLL, [late, again])
    assert not (box.key_dir / "spool" / POLL).exists()


def test_ballots_spooled_one_file_each_before_the_log_are_read_and_cleared(
    tmp_path: Path,
) -> None:
    box = _box(tmp_path)
    directory = box.key_dir / "spool" / POLL
    directory.mkdir(parents=True)
    old = "ab" * 16
    (directory / old).write_text(json.dumps({"e": "e0", "n": "n0", "c": "c0"}))
    new = box.spool(POLL, "e", "n", "c")
    found = {b.ticket: b for b in box.spooled(POLL)}
    assert set(found) == {old, new} and found[old].ciphertext == "c0"
    box.clear_spool(POLL, [old, new])
    assert not directory.exists()


def test_unsynced_ballots_of_several_polls_are_synced_together_once_each(
    tmp_path: Path,
) -> None:
    box = _box(tmp_path)
    polls = [f"s1-{i}" for i in range(4)]
    real = os.fdatasync
    synced: list[int] = []
    with mock.patch.object(
        ballot_spool.os, "fdatasync", side_effect=lambda fd: (synced.append(fd), real(fd))
    ):
        tickets = {
            p: [box.spool(p, "e", "n", f"c{i}", sync=False) for i in range(3)] for p in polls
        }
        assert synced == []  # appended, not synced yet
        assert box.sync_spools(polls) == {}
        assert len(synced) == len(polls) == len(set(synced))  # every log once
        assert box.sync_spools(polls) == {}
        assert len(synced) == len(polls)  # nothing new: nothing synced again
    for p in polls:
        assert {b.ticket for b in box.spooled(p)} == set(tickets[p])


def test_a_log_closed_before_its_sync_is_synced_when_closed(tmp_path: Path) -> None:
    box = _box(tmp_path)
    real = os.fdatasync
    synced: list[int] = []
    with (
        mock.patch.object(ballot_spool, "_OPEN_LOGS", 1),
        mock.patch.object(
            ballot_spool.os, "fdatasync", side_effect=lambda fd: (synced.append(fd), real(fd))
        ),
    ):
        first = box.spool("s1-1", "e", "n", "c", sync=False)
        box.spool("s1-2", "e", "n", "c", sync=False)  # closes the first poll's log
        assert len(synced) == 1  # the first log, as it closed
        assert box.sync_spools(["s1-1", "s1-2"]) == {}
        assert len(synced) == 2
    assert [b.ticket for b in box.spooled("s1-1")] == [first]


def test_a_failed_sync_is_reported_for_its_poll_only(tmp_path: Path) -> None:
    box = _box(tmp_path)
    box.spool("s1-1", "e", "n", "c", sync=False)
    box.spool("s1-2", "e", "n", "c", sync=False)
    bad = box._spool._logs["s1-2"].fd
    real = os.fdatasync

    def failing(fd: int) -> None:
        if fd == bad:
            raise OSError("disk gone")
        real(fd)

    with mock.patch.object(ballot_spool.os, "fdatasync", side_effect=failing):
        failed = box.sync_spools(["s1-1", "s1-2"])
    assert set(failed) == {"s1-2"} and "disk gone" in str(failed["s1-2"])


def test_a_secret_vote_is_committed_only_after_its_spooled_ballot_is_synced(
    tmp_path: Path,
) -> None:
    from domain.poll import Participation, PollKind
    from tests.congress.fixtures import make_floor

    floor = make_floor(tmp_path, 6)
    floor.check_in(floor.delegates)
    key = floor.open(1, PollKind.YES_NO, secret=True)
    box = floor.polls.box
    real_sync, real_save = os.fdatasync, floor.ledger.save
    problems: list[str] = []

    def save(*objs: object, **kw: object) -> object:
        for obj in objs:
            ticket = getattr(obj, "ticket", None)
            if isinstance(obj, Participation.Created) and ticket:
                # Its ballot's line is in the spool and on disk already.
                log = box._spool._logs[key]
                data = log.path.read_bytes()
                at = data.find(ticket.encode())
                if at < 0 or data.index(b"\n", at) + 1 > log.synced:
                    problems.append(ticket)
        return real_save(*objs, **kw)

    with (
        mock.patch.object(ballot_spool.os, "fdatasync", side_effect=real_sync),
        mock.patch.object(floor.ledger, "save", side_effect=save),
    ):
        threads = [
            threading.Thread(target=floor.polls.cast, args=(key, d, ["yes"]))
            for d in floor.delegates
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert problems == []
    assert len(box.spooled(key)) == 6
    view = floor.close_and_tally(key)
    assert view.result.counts["yes"] == 6 and len(view.published_receipts) == 6
