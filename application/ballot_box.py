"""Sealing secret ballots: each is encrypted to its poll's X25519 key.

The private key lives only in a file under the data directory (never in the ledger,
never in Temporal), is used once to open the ballots after the poll closes, and is then
destroyed, so the sealed records that sit next to participation records can never be
opened again.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

# Every plaintext is padded to this size, so a ciphertext's length reveals no choice.
PADDED_SIZE = 1024
_INFO = b"unionflow-ballot-v1"


class BallotBox:
    """Poll keys on disk, and the sealing and opening of ballots."""

    def __init__(self, key_dir: Path) -> None:
        self.key_dir = key_dir

    def _path(self, poll_key: str) -> Path:
        return self.key_dir / f"{poll_key}.x25519"

    def create_key(self, poll_key: str) -> str:
        """Create (or reuse, for a retried open) the poll's key; returns the public key, hex."""
        path = self._path(poll_key)
        self.key_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
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
        return (
            private.public_key()
            .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            .hex()
        )

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
        """Overwrite and delete the private key."""
        path = self._path(poll_key)
        if path.exists():
            size = path.stat().st_size
            with path.open("r+b") as f:
                f.write(os.urandom(size))
                f.flush()
                os.fsync(f.fileno())
            path.unlink()


def _derive(shared: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(shared)
