"""Files only their owner reads: the ledger, the witness, keys (0600 in directories of 0700)."""

from __future__ import annotations

import os
from pathlib import Path


def private_dir(path: Path) -> Path:
    """``path`` created if absent, and closed to everyone but its owner (0700)."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)
    return path


def private_file(path: Path) -> Path:
    """``path`` created empty if absent (its directory too), readable by its owner only (0600)."""
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.close(fd)
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
    return path


def close_files(directory: Path, pattern: str) -> None:
    """Every file matching ``pattern`` in ``directory`` made 0600 (files another program made)."""
    for path in directory.glob(pattern):
        if path.is_file() and path.stat().st_mode & 0o077:
            path.chmod(0o600)


def sync_dir(directory: Path) -> None:
    """Make a directory's entries (a file created or renamed in it) durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
