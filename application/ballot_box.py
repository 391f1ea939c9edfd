"""Sealing secret ballots: each is encrypted to its poll's X25519 key, and waits in a spool.

Everything here lives in the poll key directory (``UNIONFLOW_POLL_KEY_DIR``, 0700, files
0600), which is not the ledger's data directory, so a copy of the data directory taken
during a poll holds neither a key nor a ballot:
- ``<poll>.x25519``: the private key, used once to open the ballots after the poll
  closes, then overwritten and deleted;
- ``<poll>.commit``: the SHA-256 fingerprint of the public key, written when the poll
  opens and kept, so a public key swapped in the stored event is refused (cast) and
  reported (``verify-receipt``) even by a process that never reads the ledger's seals;
- ``spool/<poll>/``: the sealed ballots between the vote and the close, in a log per
  process (``application.ballot_spool``). The vote appends (and syncs) its ballot before
  the participation that names its ticket is committed; after the close all of a poll's
  ballots move into the ledger in one shuffled batch that carries no ticket, and the
  spool is deleted.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from application.ballot_spool import Spool, Spooled

# Every plaintext is padded to this size, so a ciphertext's length reveals no choice.
PADDED_SIZE = 1024
_INFO = b"unionflow-ballot-v1"


class BallotBox:
    """Poll keys and their commitments on disk, the spool, sealing and opening ballots."""

    def __init__(self, key_dir: Path) -> None:
        self.key_dir = key_dir
        self._commitments: dict[str, str] = {}
        self._spool = Spool(key_dir / "spool", self._ensure_dir)

    def _path(self, poll_key: str) -> Path:
        return self.key_dir / f"{poll_key}.x25519"

    def _commit_path(self, poll_key: str) -> Path:
        return self.key_dir / f"{poll_key}.commit"

    def _ensure_dir(self, path: Path) -> None:
        """``path`` (inside the key directory) and every directory up to it: 0700."""
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        here = path
        while True:
            if here.stat().st_mode & 0o077:
                here.chmod(0o700)
            if here == self.key_dir or here == here.parent:
                return
            here = here.parent

    def create_key(self, poll_key: str) -> str:
        """Create (or reuse, for a retried open) the poll's key and its commitment; returns
        the public key, hex."""
        path = self._path(poll_key)
        self._ensure_dir(self.key_dir)
        if not path.exists():
            raw = X25519PrivateKey.generate().private_bytes(
                serialization.Encoding.Raw,
                serialization.PrivateFormat.Raw,
                serialization.NoEncryption(),
            )
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass  # a concurrent retry created it first
            else:
                with os.fdopen(fd, "wb") as f:
                    f.write(raw)
        private = X25519PrivateKey.from_private_bytes(path.read_bytes())
        public = (
            private.public_key()
            .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            .hex()
        )
        commit = self._commit_path(poll_key)
        if not commit.exists():
            _write_private(commit, _fingerprint(public).encode("ascii"), exclusive=False)
        return public

    def commitment(self, poll_key: str) -> str | None:
        """The fingerprint committed for the poll's public key when it opened, if kept here.

        A poll opened before commitments were kept has only its private key: the
        fingerprint of its public key stands in while the key exists.
        """
        found = self._commitments.get(poll_key)
        if found is not None:
            return found
        try:
            found = self._commit_path(poll_key).read_text(encoding="ascii").strip()
        except FileNotFoundError:
            try:
                raw = self._path(poll_key).read_bytes()
            except FileNotFoundError:
                return None
            public = X25519PrivateKey.from_private_bytes(raw).public_key()
            found = _fingerprint(
                public.public_bytes(
                    serialization.Encoding.Raw, serialization.PublicFormat.Raw
                ).hex()
            )
        self._commitments[poll_key] = found
        return found

    # -- the spool ------------------------------------------------------------------------

    def spool(
        self,
        poll_key: str,
        ephemeral_hex: str,
        nonce_hex: str,
        ciphertext_b64: str,
        *,
        sync: bool = True,
    ) -> str:
        """Append a sealed ballot to the poll's spool, synced to disk (``sync=False``: by
        the next :meth:`sync_spools` of the poll); returns its new ticket."""
        return self._spool.write(poll_key, ephemeral_hex, nonce_hex, ciphertext_b64, sync=sync)

    def sync_spools(self, poll_keys: list[str]) -> dict[str, BaseException]:
        """Every ballot this process spooled for these polls on disk, their logs synced at
        once; returns the error of each poll whose spool could not be synced."""
        return self._spool.sync(poll_keys)

    def unspool(self, poll_key: str, ticket: str) -> None:
        """Drop one spooled ballot (its participation was refused)."""
        self._spool.drop(poll_key, ticket)

    def spooled(self, poll_key: str) -> list[Spooled]:
        """Every ballot in the poll's spool (a partly written one, from a crash, is skipped:
        its participation was never committed)."""
        return self._spool.read(poll_key)

    def clear_spool(self, poll_key: str, tickets: list[str]) -> None:
        """Overwrite and delete these spooled ballots (moved to the ledger, or orphans)."""
        self._spool.clear(poll_key, tickets)

    @staticmethod
    def seal(public_key_hex: str, content: dict[str, Any]) -> tuple[str, str, str]:
        """Encrypt ``content`` to the poll's key: (ephemeral key hex, nonce hex, ciphertext b64)."""
        plain = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        if len(plain) > PADDED_SIZE:
            raise ValueError("ballot too large")
        plain = plain + b" " * (PADDED_SIZE - len(plain))
        ephemeral = X25519PrivateKey.generate()
        shared = ephemeral.exchange(
            X25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex))
        )
        key = _derive(shared)
        nonce = os.urandom(12)
        ciphertext = AESGCM(key).encrypt(nonce, plain, _INFO)
        ephemeral_hex = (
            ephemeral.public_key()
            .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            .hex()
        )
        return ephemeral_hex, nonce.hex(), base64.b64encode(ciphertext).decode("ascii")

    def open(
        self, poll_key: str, ephemeral_hex: str, nonce_hex: str, ciphertext_b64: str
    ) -> dict[str, Any]:
        """Decrypt one sealed ballot (only while the poll's key exists)."""
        return self.opener(poll_key)(ephemeral_hex, nonce_hex, ciphertext_b64)

    def opener(self, poll_key: str) -> Callable[[str, str, str], dict[str, Any]]:
        """A function that opens this poll's ballots, with the key read once."""
        private = X25519PrivateKey.from_private_bytes(self._path(poll_key).read_bytes())

        def open_one(ephemeral_hex: str, nonce_hex: str, ciphertext_b64: str) -> dict[str, Any]:
            peer = X25519PublicKey.from_public_bytes(bytes.fromhex(ephemeral_hex))
            plain = AESGCM(_derive(private.exchange(peer))).decrypt(
                bytes.fromhex(nonce_hex), base64.b64decode(ciphertext_b64), _INFO
            )
            return json.loads(plain.rstrip(b" ").decode("utf-8"))

        return open_one

    def has_key(self, poll_key: str) -> bool:
        """Whether the poll's private key still exists."""
        return self._path(poll_key).exists()

    def destroy(self, poll_key: str) -> None:
        """Overwrite and delete the private key (its commitment stays: it is public)."""
        _shred(self._path(poll_key))


def _fingerprint(public_key_hex: str) -> str:
    # The same as domain.poll.key_fingerprint (the domain may not be imported for I/O here).
    return hashlib.sha256(bytes.fromhex(public_key_hex)).hexdigest()


def _write_private(path: Path, data: bytes, *, exclusive: bool) -> None:
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _shred(path: Path) -> None:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    with path.open("r+b") as f:
        f.write(os.urandom(size))
        f.flush()
        os.fsync(f.fileno())
    path.unlink(missing_ok=True)


def _derive(shared: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(shared)
