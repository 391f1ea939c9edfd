"""Seals (封存): signed Merkle roots over the global notification log, chained one to the next.

A seal lets an auditor detect what the per-aggregate hash chain cannot: a deleted stream
tail, or a history rewritten with every later hash recomputed.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from eventsourcing.persistence import Notification
from pydantic import BaseModel, ConfigDict

from domain.actors import CommandMeta
from domain.base import (
    GENESIS_HASH,
    LedgerAggregate,
    canonical_bytes,
    deterministic_id,
    hash_rule,
)
from domain.errors import InvalidInput, InvalidState
from ledger.app import Ledger
from ledger.files import private_dir

SEAL_CHAIN_ID = deterministic_id("seal-chain", "global")
# Bound into every signature so a seal cannot be replayed as some other signed message.
SEAL_PURPOSE = "unionflow-seal-v1"
_PAGE = 500


# -- Merkle tree --------------------------------------------------------------------------


def leaf_hash(
    notification_id: int, originator_id: uuid.UUID | str, version: int, hash_: str
) -> bytes:
    """The Merkle leaf of one recorded event."""
    return hashlib.sha256(f"{notification_id}:{originator_id}:{version}:{hash_}".encode()).digest()


class MerkleAccumulator:
    """A SHA-256 Merkle root built leaf by leaf in O(log n) memory; an odd node is paired with itself."""

    def __init__(self) -> None:
        # levels[i] is a finished subtree of 2**i leaves still waiting for its right sibling.
        self._levels: list[bytes | None] = []
        self.count = 0

    def add(self, leaf: bytes) -> None:
        node, level = leaf, 0
        while level < len(self._levels):
            left = self._levels[level]
            if left is None:
                break
            node = hashlib.sha256(left + node).digest()
            self._levels[level] = None
            level += 1
        if level == len(self._levels):
            self._levels.append(node)
        else:
            self._levels[level] = node
        self.count += 1

    def root(self) -> str:
        """The hex root; the hash of nothing for an empty tree."""
        if self.count == 0:
            return hashlib.sha256(b"").hexdigest()
        top = max(i for i, node in enumerate(self._levels) if node is not None)
        carry: bytes | None = None
        for level in range(top + 1):
            pending = self._levels[level]
            if pending is not None and carry is not None:
                carry = hashlib.sha256(pending + carry).digest()
            elif pending is not None:
                # Alone below the top means an odd count at this level: pair it with itself.
                carry = pending if level == top else hashlib.sha256(pending + pending).digest()
            elif carry is not None:
                carry = hashlib.sha256(carry + carry).digest()
        return carry.hex() if carry is not None else ""


def merkle_root(leaves: Iterable[bytes]) -> str:
    """The hex Merkle root of the leaves, in order."""
    acc = MerkleAccumulator()
    for leaf in leaves:
        acc.add(leaf)
    return acc.root()


# -- key ----------------------------------------------------------------------------------


class SealKey:
    """The Ed25519 key that signs seals (封存密钥); it lives outside the database."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key

    @classmethod
    def generate(cls) -> SealKey:
        """A fresh key held only in memory."""
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def load_or_create(cls, path: Path | str) -> SealKey:
        """The key stored at ``path`` (PEM, mode 0600 in a 0700 directory), created there
        when absent; a key file others could read is closed to them."""
        path = Path(path)
        private_dir(path.parent)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:
            # O_EXCL: two processes starting at once must not each write their own key.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            if path.stat().st_mode & 0o077:
                path.chmod(0o600)
            loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
            if not isinstance(loaded, Ed25519PrivateKey):
                raise ValueError(f"{path} does not hold an Ed25519 private key") from None
            return cls(loaded)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
        return cls(key)

    def public_bytes(self) -> bytes:
        """The raw 32-byte public key."""
        return self._key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data)


# -- the seal chain -----------------------------------------------------------------------


def seal_payload(
    *,
    from_notification_id: int,
    to_notification_id: int,
    count: int,
    merkle_root: str,
    prev_seal: str,
    public_key: str,
) -> bytes:
    """The canonical bytes a seal's signature covers."""
    return canonical_bytes(
        {
            "purpose": SEAL_PURPOSE,
            "from_notification_id": from_notification_id,
            "to_notification_id": to_notification_id,
            "count": count,
            "merkle_root": merkle_root,
            "prev_seal": prev_seal,
            "public_key": public_key,
        }
    )


class SealView(BaseModel):
    """One seal as recorded, JSON-ready for export to an auditor."""

    model_config = ConfigDict(frozen=True)

    seal_chain_id: str
    version: int
    sealed_at: datetime
    from_notification_id: int
    to_notification_id: int
    count: int
    merkle_root: str
    prev_seal: str
    public_key: str
    signature: str

    def payload(self) -> bytes:
        return seal_payload(
            from_notification_id=self.from_notification_id,
            to_notification_id=self.to_notification_id,
            count=self.count,
            merkle_root=self.merkle_root,
            prev_seal=self.prev_seal,
            public_key=self.public_key,
        )

    def digest(self) -> str:
        """What the next seal's ``prev_seal`` must equal."""
        return hashlib.sha256(self.payload()).hexdigest()

    def signature_valid(self) -> bool:
        try:
            key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(self.public_key))
            key.verify(bytes.fromhex(self.signature), self.payload())
        except (ValueError, InvalidSignature):
            return False
        return True


class SealChain(LedgerAggregate):
    """The one chain of seals over the whole ledger (封存链)."""

    KIND = "seal-chain"

    class Created(LedgerAggregate.Created):
        pass

    class Sealed(LedgerAggregate.Event):
        from_notification_id: int
        to_notification_id: int
        count: int
        merkle_root: str
        prev_seal: str
        public_key: str
        signature: str

        def apply(self, aggregate: SealChain) -> None:
            aggregate.last = view_of(self)

    def __init__(self) -> None:
        super().__init__()
        self.last: SealView | None = None

    @property
    def sealed_up_to(self) -> int:
        """The last notification id covered by a seal (0 before the first seal)."""
        return self.last.to_notification_id if self.last else 0

    def seal(
        self,
        meta: CommandMeta,
        key: SealKey,
        *,
        to_notification_id: int,
        count: int,
        merkle_root: str,
    ) -> None:
        """Sign and record a seal over the log from the last seal up to ``to_notification_id``."""
        if to_notification_id <= self.sealed_up_to:
            raise InvalidInput(
                f"封存范围无效：{to_notification_id} 不在 {self.sealed_up_to} 之后",
                f"invalid seal range: {to_notification_id} is not after {self.sealed_up_to}",
            )
        fields: dict[str, Any] = {
            "from_notification_id": self.sealed_up_to,
            "to_notification_id": to_notification_id,
            "count": count,
            "merkle_root": merkle_root,
            "prev_seal": self.last.digest() if self.last else GENESIS_HASH,
            "public_key": key.public_bytes().hex(),
        }
        signature = key.sign(seal_payload(**fields)).hex()
        self._emit(self.Sealed, meta, signature=signature, **fields)


def view_of(event: SealChain.Sealed) -> SealView:
    """The seal a ``Sealed`` event records."""
    return SealView(
        seal_chain_id=str(event.originator_id),
        version=event.originator_version,
        sealed_at=event.timestamp,
        from_notification_id=event.from_notification_id,
        to_notification_id=event.to_notification_id,
        count=event.count,
        merkle_root=event.merkle_root,
        prev_seal=event.prev_seal,
        public_key=event.public_key,
        signature=event.signature,
    )


def range_notifications(ledger: Ledger, after: int, upto: int) -> Iterator[Notification]:
    """The recorded events with ``after < id <= upto``, gaps in ids allowed."""
    start = after + 1
    while start <= upto:
        batch = ledger.recorder.select_notifications(start, _PAGE, stop=upto)
        if not batch:
            return
        yield from batch
        start = batch[-1].id + 1


def _range_root(ledger: Ledger, after: int, upto: int) -> tuple[str, int, int]:
    """Merkle root, leaf count and count of non-seal events in a range, refusing bad hashes."""
    acc = MerkleAccumulator()
    business = 0
    for n in range_notifications(ledger, after, upto):
        stored = ledger.stored_state(n)
        recomputed = str(stored.get("hash"))
        if hash_rule(stored, n.topic) is None:
            # Sealing a tampered event would vouch for it.
            raise InvalidState(
                f"拒绝封存：事件 {n.originator_id} v{n.originator_version} 的哈希不符",
                f"refusing to seal: event {n.originator_id} v{n.originator_version} fails its hash",
            )
        acc.add(leaf_hash(n.id, n.originator_id, n.originator_version, recomputed))
        # The seal chain's own events are not business: sealing only them would never end.
        if n.originator_id != SEAL_CHAIN_ID:
            business += 1
    return acc.root(), acc.count, business


def seal_ledger(ledger: Ledger, key: SealKey, meta: CommandMeta) -> SealView | None:
    """Seal everything recorded since the last seal; None when only seals are new.

    Retrying with the same ``meta.command_id`` returns the seal that command recorded.
    """
    if ledger.max_notification_id() == 0:
        return None
    sealed: list[bool] = []

    def command(chain: SealChain) -> None:
        sealed.clear()
        # Read before saving: the seal's own event lands after this id, in the next range.
        upto = ledger.max_notification_id()
        after = chain.sealed_up_to
        root, count, business = _range_root(ledger, after, upto)
        if business == 0:
            return
        chain.seal(meta, key, to_notification_id=upto, count=count, merkle_root=root)
        sealed.append(True)

    result = ledger.execute(
        SEAL_CHAIN_ID, meta, command, create=lambda: SealChain._new(SEAL_CHAIN_ID, meta)
    )
    if result.applied and not sealed:
        return None
    return result.aggregate.last


def settled_head(ledger: Ledger) -> int | None:
    """The last notification id when everything before it is sealed (only seals follow the
    last seal's range); None while business events wait for a seal."""
    chain: SealChain | None = ledger.find(SEAL_CHAIN_ID)
    after = chain.sealed_up_to if chain is not None else 0
    head = ledger.max_notification_id()
    for n in range_notifications(ledger, after, head):
        if n.originator_id != SEAL_CHAIN_ID:
            return None
    return head


def seal_views(ledger: Ledger) -> list[SealView]:
    """Every seal the database holds, oldest first."""
    return [view_of(e) for e in ledger.stream(SEAL_CHAIN_ID) if isinstance(e, SealChain.Sealed)]


def export_seal(ledger: Ledger) -> dict[str, Any] | None:
    """The last seal, JSON-ready, for an auditor to keep outside the database."""
    chain: SealChain | None = ledger.find(SEAL_CHAIN_ID)
    if chain is None or chain.last is None:
        return None
    return chain.last.model_dump(mode="json")
