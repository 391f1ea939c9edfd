"""The secrets of sign-in, made and checked here so none reaches the ledger in clear.

- Passwords and setup codes: argon2id (``argon2-cffi``'s ``PasswordHasher``, RFC 9106's
  low-memory profile); a setup code is short and human-typed, so it gets the slow hash too.
- API tokens: ``uf1.<actor, base64url>.<token id>.<256 random bits>``; a SHA-256 of the
  whole token is stored (a random 256-bit secret needs no slow hash). The actor and token
  id in clear let a request find its account without scanning.
- TOTP codes: RFC 6238 (``pyotp``), the current 30-second step or one either side.
- TOTP secrets: sealed with AES-256-GCM under a key file outside the ledger (created 0600,
  like the seal key), the account id as associated data so a sealed secret cannot be moved
  to another account. The key's id (a SHA-256 prefix) is stored with each sealed secret:
  a lost or replaced key makes enrolled second factors unreadable, so their sign-ins fail
  until the person enrols again with a new setup code from an operator.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import os
import secrets
from datetime import datetime
from pathlib import Path

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ledger.files import private_dir

_HASHER = PasswordHasher()  # argon2id
# Crockford-style: no 0/O, 1/I/L, so a code read aloud or copied by hand survives.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_GROUPS = 3
CODE_GROUP_LEN = 4  # 12 symbols: ~59 bits
TOKEN_PREFIX = "uf1"


@functools.cache
def _dummy_hash() -> str:
    return _HASHER.hash(secrets.token_urlsafe(16))


def hash_secret(secret: str) -> str:
    """The argon2id hash of a password or a setup code."""
    return _HASHER.hash(secret)


def verify_secret(hashed: str | None, secret: str) -> bool:
    """Whether ``secret`` matches ``hashed``; a missing hash costs the same as a wrong one,
    so timing does not tell an account without a password from a wrong password."""
    try:
        return _HASHER.verify(hashed or _dummy_hash(), secret) and hashed is not None
    except (VerificationError, InvalidHashError):
        return False


def new_setup_code() -> str:
    """A one-time code like ``7KQ4-M2XA-9HTD``, to be read or typed by a person."""
    return new_code(CODE_GROUPS)


def new_code(groups: int) -> str:
    """``groups`` groups of ``CODE_GROUP_LEN`` random symbols of ``CODE_ALPHABET``."""
    return "-".join(
        "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUP_LEN)) for _ in range(groups)
    )


def normal_code(code: str) -> str:
    """A typed code as issued: upper case, dashes and spaces ignored."""
    plain = "".join(c for c in code.upper() if c.isalnum())
    size = CODE_GROUP_LEN
    return "-".join(plain[i : i + size] for i in range(0, len(plain), size))


def new_token(actor: str) -> tuple[str, str]:
    """A new API token for ``actor``: (token id, token)."""
    token_id = secrets.token_hex(4)
    who = base64.urlsafe_b64encode(actor.encode("utf-8")).decode("ascii").rstrip("=")
    return token_id, f"{TOKEN_PREFIX}.{who}.{token_id}.{secrets.token_urlsafe(32)}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_parts(token: str) -> tuple[str, str] | None:
    """(actor, token id) of a well-formed token, or None."""
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != TOKEN_PREFIX:
        return None
    try:
        actor = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (actor, parts[2]) if actor and parts[2] else None


def totp_step(secret: str, code: str, now: datetime, *, enrolling: bool = False) -> int | None:
    """The time step (the current one, or one either side) whose TOTP code ``code`` is;
    None for a wrong code. A secret offered for enrolment must be base32 of ≥ 160 bits."""
    if enrolling and len(secret) < 32:
        return None
    try:
        totp = pyotp.TOTP(secret)
        step = totp.timecode(now)
        for offset in (0, -1, 1):
            if same(totp.generate_otp(step + offset), code.strip()):
                return step + offset
    except (ValueError, TypeError, binascii.Error):  # not a base32 secret
        return None
    return None


def same(a: str, b: str) -> bool:
    """Constant-time comparison of two strings."""
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


class SecretBox:
    """AES-256-GCM under a key file of its own: seals TOTP secrets for the ledger."""

    VERSION = "v1"

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)
        self.key_id = hashlib.sha256(b"unionflow-totp-key\n" + key).hexdigest()[:16]

    @classmethod
    def load_or_create(cls, path: Path) -> SecretBox:
        """The key at ``path`` (32 bytes, 0600 in a 0700 directory), created when absent."""
        private_dir(path.parent)
        key = AESGCM.generate_key(bit_length=256)
        try:
            # O_EXCL: two processes starting at once must not each write their own key.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            if path.stat().st_mode & 0o077:
                path.chmod(0o600)
            stored = path.read_bytes()
            if len(stored) != 32:
                raise ValueError(f"{path} does not hold a 32-byte key") from None
            return cls(stored)
        with os.fdopen(fd, "wb") as f:
            f.write(key)
        return cls(key)

    def seal(self, secret: str, context: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, secret.encode("utf-8"), context.encode("utf-8"))
        return f"{self.VERSION}:{base64.b64encode(nonce + sealed).decode('ascii')}"

    def open(self, sealed: str, context: str) -> str | None:
        """The secret, or None when it was sealed under another key or altered."""
        version, _, body = sealed.partition(":")
        if version != self.VERSION:
            return None
        try:
            raw = base64.b64decode(body)
            plain = self._aead.decrypt(raw[:12], raw[12:], context.encode("utf-8"))
        except Exception:  # noqa: BLE001 -- any failure to open is "cannot read"
            return None
        return plain.decode("utf-8")
