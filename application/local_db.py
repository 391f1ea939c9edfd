"""A small SQLite file of this host (sign-in sessions, check-in codes): not the ledger.

What such a file holds is short-lived and never a business fact; it is created 0600 in the
0700 data directory, shared by the threads of one process under one lock, and losing it
costs a sign-in or a new code, nothing more.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from ledger.files import private_file


class LocalDb:
    """One SQLite connection with its schema, for the threads of one web process."""

    SCHEMA = ""

    def __init__(self, path: Path) -> None:
        private_file(path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, timeout=30, check_same_thread=False)
        with self._lock, self._db:
            self._db.executescript(self.SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()
