"""The spool of a secret poll: sealed ballots between the vote and the close, appended to
a log per process and synced to disk in groups.

A vote appends one line (its random ticket, the sealed parts, when it was written) to its
process's log of the poll, ``spool/<poll>/<pid>-<random>.log`` (0600, directories 0700),
and returns once that line is on disk. Concurrent votes share one ``fdatasync``: the first
to reach the sync covers every line written before it, the others find their line synced
and return. The ballot box's votes append without syncing and leave the sync to the one
thread that commits their participations (``ledger.group_commit``): it syncs every poll's
log its batch wrote to at once (:meth:`Spool.sync`), before the batch's transaction. A
refused vote appends a drop line (not synced: a lost drop only leaves an orphan, which the
close waits out and drops). A torn last line (a crash mid-write) is skipped: its
participation was never committed.

Ballots spooled one file per ticket (``spool/<poll>/<ticket>``, before the log) are still
read and cleared, so a poll open across an upgrade tallies every ballot.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ledger.files import sync_dir

# Logs kept open per process; the oldest is closed beyond this (a closed poll's log is
# never written again, and a later vote simply opens a new one).
_OPEN_LOGS = 64
# Logs of different polls synced at once by :meth:`Spool.sync` (the disk merges
# concurrent syncs into one journal commit; one after the other, each waits its own).
_SYNC_THREADS = 8


@dataclass(frozen=True)
class Spooled:
    """A sealed ballot waiting in the spool: its ticket, its parts, when it was written."""

    ticket: str
    ephemeral_key: str
    nonce: str
    ciphertext: str
    written_at: float


class _Log:
    """One process's append-only log of one poll, with group sync."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL, 0o600)
        sync_dir(path.parent)  # the log itself is durable before any line counts
        self.write_lock = threading.Lock()
        self.sync_lock = threading.Lock()
        self.written = 0
        self.synced = 0
        self.broken = False
        self.closed = False

    def gone(self) -> bool:
        """Whether the log was cleared (shredded) under this process's feet."""
        return os.fstat(self.fd).st_nlink == 0

    def append(self, line: bytes, *, sync: bool) -> bool:
        """Append ``line`` (synced when ``sync``); False when the log was closed first."""
        with self.write_lock:
            if self.closed:
                return False
            if self.broken:
                raise OSError(f"the spool log {self.path.name} is no longer written")
            if os.write(self.fd, line) != len(line):
                # A short write (a full disk) leaves a torn line: nothing more goes after
                # it, the next vote opens a new log.
                self.broken = True
                raise OSError(f"short write to the spool log {self.path.name}")
            self.written += len(line)
            mine = self.written
        if sync:
            self.sync(mine)
        return True

    def sync(self, upto: int | None = None) -> None:
        """Every line written up to byte ``upto`` (all of them: None) on disk."""
        with self.sync_lock:
            wanted = self.written if upto is None else upto
            if self.synced >= wanted or self.closed:
                return  # another sync covered it (a closed log was synced when closed)
            covered = self.written
            os.fdatasync(self.fd)
            self.synced = covered

    def close(self) -> None:
        """Sync what is not synced yet (a vote may still count on it), then close."""
        with self.write_lock, self.sync_lock:
            if self.closed:
                return
            try:
                if self.synced < self.written:
                    os.fdatasync(self.fd)
                    self.synced = self.written
            finally:
                self.closed = True
                os.close(self.fd)


class Spool:
    """The spool directory of every poll: ``<key dir>/spool/<poll>/``."""

    def __init__(self, root: Path, ensure_dir: Callable[[Path], None]) -> None:
        self.root = root
        self._ensure_dir = ensure_dir
        self._logs: OrderedDict[str, _Log] = OrderedDict()
        self._lock = threading.Lock()
        self._syncers: ThreadPoolExecutor | None = None

    def directory(self, poll_key: str) -> Path:
        return self.root / poll_key

    def _log(self, poll_key: str) -> _Log:
        with self._lock:
            log = self._logs.get(poll_key)
            if log is not None and not log.broken and not log.gone():
                self._logs.move_to_end(poll_key)
                return log
            if log is not None:
                log.close()
            directory = self.directory(poll_key)
            self._ensure_dir(directory)
            log = _Log(directory / f"{os.getpid()}-{secrets.token_hex(8)}.log")
            self._logs[poll_key] = log
            while len(self._logs) > _OPEN_LOGS:
                _, oldest = self._logs.popitem(last=False)
                oldest.close()
            return log

    def write(
        self,
        poll_key: str,
        ephemeral_hex: str,
        nonce_hex: str,
        ciphertext_b64: str,
        *,
        sync: bool = True,
    ) -> str:
        """Append a sealed ballot, synced to disk (or, ``sync=False``, by the next
        :meth:`sync` of the poll); returns its new ticket."""
        ticket = secrets.token_hex(16)
        line = {"t": ticket, "e": ephemeral_hex, "n": nonce_hex, "c": ciphertext_b64}
        line["w"] = repr(time.time())
        self._append(poll_key, _encode(line), sync=sync)
        return ticket

    def drop(self, poll_key: str, ticket: str) -> None:
        """Mark one spooled ballot as never counted (its participation was refused)."""
        self._append(poll_key, _encode({"x": ticket}), sync=False)
        (self.directory(poll_key) / ticket).unlink(missing_ok=True)  # a per-ticket one

    def _append(self, poll_key: str, line: bytes, *, sync: bool) -> None:
        while not self._log(poll_key).append(line, sync=sync):
            pass  # closed meanwhile (too many open): the next one opens afresh

    def sync(self, poll_keys: Iterable[str]) -> dict[str, BaseException]:
        """Every line this process wrote to these polls' logs on disk, the logs synced at
        once; returns the error of each poll whose log could not be synced."""
        with self._lock:
            logs = [(k, log) for k in poll_keys if (log := self._logs.get(k)) is not None]
        # A poll without an open log here has nothing unsynced: a log is synced when closed.
        failed: dict[str, BaseException] = {}
        if len(logs) > 1:
            with self._lock:
                if self._syncers is None:
                    self._syncers = ThreadPoolExecutor(
                        _SYNC_THREADS, thread_name_prefix="unionflow-spool-sync"
                    )
                syncers = self._syncers
            futures = [(k, syncers.submit(log.sync)) for k, log in logs[1:]]
        else:
            futures = []
        for k, log in logs[:1]:
            try:
                log.sync()
            except OSError as error:
                failed[k] = error
        for k, future in futures:
            problem = future.exception()
            if problem is not None:
                failed[k] = problem
        return failed

    def read(self, poll_key: str) -> list[Spooled]:
        """Every ballot spooled for the poll and not dropped, from every process's log."""
        directory = self.directory(poll_key)
        if not directory.exists():
            return []
        found: dict[str, Spooled] = {}
        dropped: set[str] = set()
        for path in directory.iterdir():
            if path.suffix == ".log":
                for line in _lines(path):
                    if "x" in line:
                        dropped.add(line["x"])
                    else:
                        found[line["t"]] = _spooled(line)
            else:
                found[path.name] = _one_file(path)
        return [b for ticket, b in found.items() if ticket not in dropped]

    def clear(self, poll_key: str, tickets: list[str]) -> None:
        """Overwrite and delete the spooled ballots of ``tickets`` (moved to the ledger, or
        orphans). A log goes once every ballot in it is among them (or dropped); a log
        still holding another ballot stays for the next clearing."""
        wanted = set(tickets)
        directory = self.directory(poll_key)
        if not directory.exists():
            return
        holding: dict[Path, set[str]] = {}
        for path in directory.iterdir():
            if path.suffix == ".log":
                lines = _lines(path)
                dropped = {line["x"] for line in lines if "x" in line}
                holding[path] = {line["t"] for line in lines if "t" in line} - dropped
            elif path.name in wanted:
                holding[path] = {path.name}
        for path, held in holding.items():
            if held <= wanted:
                _shred(path)
        with self._lock:
            log = self._logs.get(poll_key)
            if log is not None and log.gone():
                del self._logs[poll_key]
                log.close()
        if not any(directory.iterdir()):
            directory.rmdir()


def _encode(line: dict[str, str]) -> bytes:
    return json.dumps(line, separators=(",", ":")).encode("ascii") + b"\n"


def _lines(path: Path) -> list[dict[str, str]]:
    """The whole lines of a log; a torn or garbled one (a crash mid-write) is skipped."""
    try:
        raw = path.read_bytes()
    except OSError:
        return []
    out = []
    for chunk in raw.split(b"\n"):
        try:
            line = json.loads(chunk)
        except ValueError:
            continue
        if isinstance(line, dict) and ("t" in line or "x" in line):
            out.append(line)
    return out


def _spooled(line: dict[str, str]) -> Spooled:
    try:
        written = float(line.get("w", "0"))
    except ValueError:
        written = 0.0
    return Spooled(line["t"], line.get("e", ""), line.get("n", ""), line.get("c", ""), written)


def _one_file(path: Path) -> Spooled:
    """A ballot spooled as its own file (the layout before the log)."""
    try:
        body = json.loads(path.read_bytes())
        return Spooled(path.name, body["e"], body["n"], body["c"], path.stat().st_mtime)
    except (OSError, ValueError, KeyError, TypeError):
        return Spooled(path.name, "", "", "", _mtime(path))


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return time.time()


def _shred(path: Path) -> None:
    """Overwrite a file with random bytes, sync, delete."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    with path.open("r+b") as f:
        f.write(os.urandom(size))
        f.flush()
        os.fsync(f.fileno())
    path.unlink(missing_ok=True)
