"""Encryption of what UnionFlow hands to Temporal (载荷加密): an AES-GCM ``PayloadCodec``
with keys by id, read from one key file that every client, worker and replayer shares.

Temporal keeps workflow inputs, results, update arguments and failures in its database and
shows them in its UI. With a key file configured (``UNIONFLOW_PAYLOAD_KEY_FILE``) each
payload is ciphertext there; failure messages too, because the composition root pairs this
codec with ``DefaultFailureConverterWithEncodedAttributes``. Temporal itself must read
workflow ids, types, activity names, timers and search attributes, so those stay plain.

The key file holds one or more keys, oldest first: the newest encrypts, every one decrypts,
so a key is rotated by adding one (``unionflow keys new-payload-key``) and old histories
stay readable; a process meeting a key id it does not know reads the file again. A payload that is not encrypted (written before the key was configured) is
passed through, so switching encryption on does not strand running processes.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from ledger.files import private_dir, sync_dir

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
FILE_FORMAT = "unionflow-payload-keys/1"
KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12


class PayloadKeyError(Exception):
    """A payload key file that cannot be used, or a payload none of its keys opens.

    PayloadKeyError          the key file is missing, malformed or readable by others
     ├── UnknownPayloadKey   a payload encrypted under a key id the file does not hold
     └── PayloadNotAuthentic a payload whose ciphertext or key id was changed
    """

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_zh = message_zh
        self.message_en = message_en


class UnknownPayloadKey(PayloadKeyError):
    """Encrypted under a key id this key file does not hold."""


class PayloadNotAuthentic(PayloadKeyError):
    """The AES-GCM tag does not match: the ciphertext or its key id was changed."""


@dataclass(frozen=True)
class PayloadKeys:
    """The keys of one key file by id, oldest first; the last one encrypts."""

    path: Path
    keys: dict[str, bytes]

    @property
    def current(self) -> str:
        """The id of the key that encrypts."""
        return next(reversed(self.keys))


def load_payload_keys(path: Path) -> PayloadKeys:
    """The keys in ``path``; a missing, malformed or shared file (group or others may read
    it) is refused, never half used."""
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PayloadKeyError(
            f"没有载荷密钥文件 {path}：用 unionflow keys new-payload-key 创建",
            f"no payload key file at {path}: create it with unionflow keys new-payload-key",
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        raise _malformed(path, str(e)) from None
    if mode & 0o077:
        raise PayloadKeyError(
            f"载荷密钥文件 {path} 的权限为 {mode & 0o777:04o}，他人可读：请 chmod 600",
            f"the payload key file {path} is mode {mode & 0o777:04o}, readable by others: "
            "chmod 600 it",
        )
    return PayloadKeys(path, _parse(path, text))


def _parse(path: Path, text: str) -> dict[str, bytes]:
    try:
        document = json.loads(text)
        if not isinstance(document, dict) or document.get("format") != FILE_FORMAT:
            raise ValueError(f"not a {FILE_FORMAT} file")
        entries = document["keys"]
        if not isinstance(entries, list) or not entries:
            raise ValueError("it holds no key")
        keys: dict[str, bytes] = {}
        for entry in entries:
            key_id, key = str(entry["id"]), base64.b64decode(entry["key"], validate=True)
            if not key_id.isascii() or not key_id.strip() or key_id in keys:
                raise ValueError(f"key id {key_id!r} is blank, not ASCII or repeated")
            if len(key) != KEY_BYTES:
                raise ValueError(f"key {key_id} is {len(key)} bytes, not {KEY_BYTES}")
            keys[key_id] = key
    except (ValueError, KeyError, TypeError, binascii.Error) as e:
        raise _malformed(path, str(e)) from None
    return keys


def _malformed(path: Path, why: str) -> PayloadKeyError:
    return PayloadKeyError(
        f"载荷密钥文件 {path} 无法使用：{why}",
        f"the payload key file {path} cannot be used: {why}",
    )


def add_payload_key(path: Path) -> str:
    """A new key appended to the file at ``path`` (created 0600 in a 0700 directory when
    absent); it encrypts from now on, the older ones still decrypt. Returns its id."""
    keys = load_payload_keys(path).keys if path.exists() else {}
    key_id = f"pk-{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(4)}"
    keys[key_id] = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
    document = {
        "format": FILE_FORMAT,
        "keys": [{"id": i, "key": base64.b64encode(k).decode()} for i, k in keys.items()],
    }
    private_dir(path.parent)
    # A new file renamed over the old one: a crash leaves the old keys or the new, never half.
    staged = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(json.dumps(document, indent=2) + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(staged, path)
    sync_dir(path.parent)
    return key_id


class PayloadCipher(PayloadCodec):
    """AES-GCM over each whole payload (its metadata too), under the newest key; the key
    id is bound to the ciphertext as associated data.

    A payload under a key id it does not know makes it read the key file again: after a
    rotation, a process that loaded the file earlier reads what newer processes write.
    """

    def __init__(self, keys: PayloadKeys) -> None:
        self._use(keys)

    def _use(self, keys: PayloadKeys) -> None:
        self._keys = keys
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys.keys.items()}

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        key_id = self._keys.current
        cipher = self._ciphers[key_id]
        out = []
        for payload in payloads:
            nonce = os.urandom(NONCE_BYTES)
            sealed = cipher.encrypt(nonce, payload.SerializeToString(), key_id.encode())
            out.append(
                Payload(
                    metadata={"encoding": ENCODING, KEY_ID: key_id.encode()},
                    data=nonce + sealed,
                )
            )
        return out

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self._open(p) if p.metadata.get("encoding") == ENCODING else p for p in payloads]

    def _open(self, payload: Payload) -> Payload:
        key_id = payload.metadata.get(KEY_ID, b"").decode("utf-8", "replace")
        if key_id not in self._ciphers:
            self._use(load_payload_keys(self._keys.path))
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            path, known = self._keys.path, ", ".join(self._keys.keys)
            raise UnknownPayloadKey(
                f"载荷由密钥 {key_id!r} 加密，而密钥文件 {path} 中没有它（已有：{known}）："
                "所有客户端和工作进程须使用同一密钥文件",
                f"a payload is encrypted under key id {key_id!r}, which the key file {path} "
                f"does not hold (it holds: {known}): every client and worker needs the same "
                "key file",
            )
        data = payload.data
        try:
            plain = cipher.decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], key_id.encode())
        except InvalidTag:
            raise PayloadNotAuthentic(
                f"载荷（密钥 {key_id}）未通过认证：密文已被改动",
                f"a payload (key {key_id}) fails authentication: its ciphertext was changed",
            ) from None
        return Payload.FromString(plain)
