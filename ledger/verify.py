"""The audit (账本核验): one pass over the notification log that recomputes every hash chain
and every seal, checks the log against the witness (the seals and sealed events kept
outside the database), and names the first bad event.
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Callable
from typing import Any, cast

from eventsourcing.persistence import Notification
from eventsourcing.utils import resolve_topic
from pydantic import BaseModel

from domain.base import GENESIS_HASH, hash_rule, tagged_hash
from ledger.app import Ledger
from ledger.seal import (
    SEAL_CHAIN_ID,
    MerkleAccumulator,
    SealChain,
    SealView,
    leaf_hash,
    range_notifications,
    view_of,
)
from ledger.witness import Leaf, Witness, Witnessed, WitnessInconsistent

# Start far below 1: a row forged at id <= 0 would otherwise hide from a walk from 1.
MIN_NOTIFICATION_ID = -(2**63)
# Leaves kept unhashed because a seal may end before them (written while it was being made).
LEAF_WINDOW = 4096
PROGRESS_EVERY = 1000


class BadEvent(BaseModel):
    """The first event that fails the audit.

    For ``version_gap`` the version is the one missing and the notification id that of the
    event that revealed the gap. Against the witness's list of sealed events,
    ``sealed_event_changed``, ``sealed_event_missing`` and ``sealed_event_inserted`` name the
    event itself (a missing one as the witness recorded it). Without that list a seal
    failure names the seal event, because a Merkle root alone cannot say which leaf changed;
    for ``seal_missing`` and ``witness_inconsistent`` the notification id is 0.
    """

    aggregate_id: str
    version: int
    notification_id: int
    reason_code: str
    reason_zh: str
    reason_en: str


class VerifyReport(BaseModel):
    """What the audit checked and the first bad event it found, if any.

    Counts stop at the first bad event. ``unsealed_events`` counts business events after
    the last seal in the database (the seal chain's own events are not counted);
    ``unwitnessed_events`` those not covered by a witnessed seal: nothing but a later
    witnessed seal protects them against a deleted tail or a forged append.
    ``legacy_hash_events`` were written under hash rule 1 (before type tags).
    """

    ok: bool
    events_checked: int
    aggregates_checked: int
    seals_checked: int
    last_sealed_notification_id: int
    unsealed_events: int
    witnessed_seals: int = 0
    witnessed_up_to: int = 0
    unwitnessed_events: int = 0
    legacy_hash_events: int = 0
    first_bad: BadEvent | None = None


class _Found(Exception):
    def __init__(self, bad: BadEvent) -> None:
        super().__init__(bad.reason_en)
        self.bad = bad


def _bad(
    code: str, zh: str, en: str, aggregate_id: Any, version: int, notification_id: int
) -> _Found:
    return _Found(
        BadEvent(
            aggregate_id=str(aggregate_id),
            version=version,
            notification_id=notification_id,
            reason_code=code,
            reason_zh=zh,
            reason_en=en,
        )
    )


class _PendingLeaves:
    """Leaves since the last seal: older ones folded into a Merkle accumulator, the newest raw."""

    def __init__(self) -> None:
        self.acc = MerkleAccumulator()
        self.acc_business = 0
        self.acc_last_id = MIN_NOTIFICATION_ID
        self.window: deque[tuple[int, bytes, bool]] = deque()

    def add(self, notification_id: int, leaf: bytes, business: bool) -> None:
        self.window.append((notification_id, leaf, business))
        if len(self.window) > LEAF_WINDOW:
            self._fold()

    def _fold(self) -> None:
        notification_id, leaf, business = self.window.popleft()
        self.acc.add(leaf)
        self.acc_business += business
        self.acc_last_id = notification_id

    def split(self, upto: int) -> tuple[str, int, int] | None:
        """Root, leaf count and business count of leaves up to ``upto``; None if some are folded past it."""
        if self.acc_last_id > upto:
            return None
        while self.window and self.window[0][0] <= upto:
            self._fold()
        result = (self.acc.root(), self.acc.count, self.acc_business)
        self.acc, self.acc_business = MerkleAccumulator(), 0
        return result

    def rebase(self, ledger: Ledger, upto: int) -> None:
        """Rebuild the folded part from the database after ``split`` overflowed."""
        acc, business = MerkleAccumulator(), 0
        for _, leaf, is_business in _leaves(ledger, upto, self.acc_last_id):
            acc.add(leaf)
            business += is_business
        self.acc, self.acc_business = acc, business


def _leaves(ledger: Ledger, after: int, upto: int) -> list[tuple[int, bytes, bool]]:
    leaves = []
    for n in range_notifications(ledger, after, upto):
        stored_hash = str(ledger.stored_state(n).get("hash"))
        leaf = leaf_hash(n.id, n.originator_id, n.originator_version, stored_hash)
        leaves.append((n.id, leaf, n.originator_id != SEAL_CHAIN_ID))
    return leaves


class _WitnessCursor:
    """Walks the witness's sealed events beside the log, both in notification order."""

    def __init__(self, witnessed: list[Witnessed]) -> None:
        self.ranges = witnessed
        self._loaded: tuple[int, list[Leaf] | None] = (-1, None)
        self.index = 0
        self.pos = 0
        self.up_to = witnessed[-1][0].to_notification_id if witnessed else 0
        self.events = sum(seal.count for seal, _ in witnessed)

    def _range(self, index: int) -> tuple[SealView, list[Leaf] | None]:
        """A witnessed seal and its events, read when the walk reaches it (one at a time)."""
        seal, load = self.ranges[index]
        if self._loaded[0] != index:
            self._loaded = (index, load() if load is not None else None)
        return seal, self._loaded[1]

    def _missing(self, leaf: Leaf, seal: SealView) -> _Found:
        return _bad(
            "sealed_event_missing",
            f"已封印并见证的事件缺失（见证封印第 {seal.version} 版；见证共记 {self.events} 个事件，止于通知号 {self.up_to}）",
            f"an event sealed and witnessed is missing (witnessed seal {seal.version}; the witness knows {self.events} events up to notification {self.up_to})",
            leaf.aggregate_id,
            leaf.version,
            leaf.notification_id,
        )

    def see(self, n: Notification, stored_hash: str, tagged: str) -> None:
        while self.index < len(self.ranges):
            seal, leaves = self._range(self.index)
            if n.id <= seal.to_notification_id:
                break
            if leaves is not None and self.pos < len(leaves):
                raise self._missing(leaves[self.pos], seal)
            self.index, self.pos = self.index + 1, 0
        else:
            return  # after the last witnessed seal
        seal, leaves = self._range(self.index)
        if n.id <= seal.from_notification_id or leaves is None:
            return  # below the log (the chains catch it) or no list kept: the root is checked
        while self.pos < len(leaves) and leaves[self.pos].notification_id < n.id:
            raise self._missing(leaves[self.pos], seal)
        if self.pos == len(leaves) or leaves[self.pos].notification_id != n.id:
            raise _bad(
                "sealed_event_inserted",
                f"事件插入在已见证的封印第 {seal.version} 版范围内",
                f"an event was inserted inside witnessed seal {seal.version}",
                n.originator_id,
                n.originator_version,
                n.id,
            )
        leaf = leaves[self.pos]
        self.pos += 1
        if (
            leaf.aggregate_id != str(n.originator_id)
            or leaf.version != n.originator_version
            or leaf.hash != stored_hash
            or leaf.tagged != tagged
        ):
            raise _bad(
                "sealed_event_changed",
                f"已封印并见证的事件被改写（见证封印第 {seal.version} 版；见证记为 {leaf.aggregate_id} 第 {leaf.version} 版）",
                f"an event sealed and witnessed was rewritten (witnessed seal {seal.version}; the witness recorded {leaf.aggregate_id} version {leaf.version})",
                leaf.aggregate_id,
                leaf.version,
                n.id,
            )

    def finish(self) -> None:
        for i in range(self.index, len(self.ranges)):
            seal, leaves = self._range(i)
            start = self.pos if i == self.index else 0
            if leaves is not None and start < len(leaves):
                raise self._missing(leaves[start], seal)


class _Audit:
    def __init__(
        self,
        ledger: Ledger,
        trusted_public_key: bytes | None,
        against: SealView | None,
        witnessed: list[Witnessed],
    ) -> None:
        self.ledger = ledger
        self.trusted = trusted_public_key.hex() if trusted_public_key is not None else None
        if self.trusted is None and witnessed:
            self.trusted = witnessed[0][0].public_key  # the key the first witnessed seal pinned
        self.witnessed = {seal.version: seal for seal, _ in witnessed}
        self.witnessed_seen: set[int] = set()
        self.unleafed = [seal for seal, load in witnessed if load is None]
        self.cursor = _WitnessCursor(witnessed)
        self.unwitnessed = 0
        self.legacy = 0
        self.against = against
        self.against_seen = False
        self.heads: dict[uuid.UUID, tuple[int, str]] = {}
        self.pending = _PendingLeaves()
        self.events = 0
        self.business = 0
        self.sealed_business = 0
        self.seals = 0
        self.sealed_up_to = 0
        self.last_seal_digest = GENESIS_HASH

    def check(self, n: Notification) -> None:
        try:
            # The stored attributes, not the upcast event: an upcaster must not break the
            # chain, and the hash covers what was written.
            stored = self.ledger.stored_state(n)
            event_class = resolve_topic(n.topic)
            tagged = tagged_hash(stored, n.topic)
            # Rule 2 is the common case: its hash is the tagged one, computed once.
            rule = 2 if stored.get("hash") == tagged else hash_rule(stored, n.topic)
        except Exception as e:  # noqa: BLE001 - any decoding failure is reported as undecodable
            raise _bad(
                "undecodable",
                f"无法解码：{type(e).__name__}",
                f"cannot be decoded: {type(e).__name__}: {e}",
                n.originator_id,
                n.originator_version,
                n.id,
            ) from None
        aggregate_id, version = cast(uuid.UUID, n.originator_id), n.originator_version
        head = self.heads.get(aggregate_id)
        expected = head[0] + 1 if head else 1
        if version != expected:
            raise _bad(
                "version_gap",
                f"版本 {expected} 缺失（下一条记录为版本 {version}）",
                f"version {expected} is missing (the next record is version {version})",
                aggregate_id,
                expected,
                n.id,
            )
        if rule is None:
            raise _bad(
                "hash_mismatch",
                "内容与其哈希不符：记录被改动",
                "content does not match its hash: the record was altered",
                aggregate_id,
                version,
                n.id,
            )
        if stored.get("prev_hash") != (head[1] if head else GENESIS_HASH):
            raise _bad(
                "chain_broken",
                "prev_hash 与上一版本的哈希不符：此处或上一版本被改写",
                "prev_hash does not match the previous version's hash: this or the previous version was rewritten",
                aggregate_id,
                version,
                n.id,
            )
        recomputed = str(stored["hash"])
        self.cursor.see(n, recomputed, tagged)
        self.heads[aggregate_id] = (version, recomputed)
        if isinstance(event_class, type) and issubclass(event_class, SealChain.Sealed):
            sealed = cast(SealChain.Sealed, self.ledger.mapper.to_domain_event(n))
            self._check_seal(n, view_of(sealed))
        business = aggregate_id != SEAL_CHAIN_ID
        self.business += business
        self.legacy += rule == 1
        self.unwitnessed += business and n.id > self.cursor.up_to
        self.pending.add(n.id, leaf_hash(n.id, aggregate_id, version, recomputed), business)
        self.events += 1

    def _check_seal(self, n: Notification, seal: SealView) -> None:
        def bad(code: str, zh: str, en: str) -> _Found:
            return _bad(code, zh, en, seal.seal_chain_id, seal.version, n.id)

        witnessed = self.witnessed.get(seal.version)
        if witnessed is not None:
            if seal != witnessed:
                raise bad(
                    "seal_not_witnessed",
                    f"账本中的封印第 {seal.version} 版与见证所记不同：封印被替换或重签",
                    f"ledger seal {seal.version} differs from the witnessed one: replaced or re-signed",
                )
            self.witnessed_seen.add(seal.version)
        if (
            seal.from_notification_id != self.sealed_up_to
            or seal.prev_seal != self.last_seal_digest
            or not seal.from_notification_id < seal.to_notification_id < n.id
        ):
            raise bad(
                "seal_chain_broken",
                f"封存链断裂：封存 ({seal.from_notification_id}, {seal.to_notification_id}] 未接续上一封存（止于 {self.sealed_up_to}）",
                f"seal chain broken: seal ({seal.from_notification_id}, {seal.to_notification_id}] does not follow the previous seal (up to {self.sealed_up_to})",
            )
        if not seal.signature_valid():
            raise bad("seal_signature_invalid", "封存签名无效", "the seal's signature is invalid")
        if self.trusted is not None and seal.public_key != self.trusted:
            raise bad(
                "seal_key_untrusted",
                "封存由非受信密钥签署",
                "the seal was signed with a key other than the trusted one",
            )
        split = self.pending.split(seal.to_notification_id)
        if split is None:
            leaves = _leaves(self.ledger, seal.from_notification_id, seal.to_notification_id)
            acc = MerkleAccumulator()
            for _, leaf, _ in leaves:
                acc.add(leaf)
            split = (acc.root(), acc.count, sum(b for _, _, b in leaves))
            self.pending.rebase(self.ledger, seal.to_notification_id)
        root, count, business = split
        if root != seal.merkle_root or count != seal.count:
            raise bad(
                "seal_root_mismatch",
                f"封存范围 ({seal.from_notification_id}, {seal.to_notification_id}] 内的记录已变：封存时 {seal.count} 条，现有 {count} 条，根哈希不符",
                f"records in sealed range ({seal.from_notification_id}, {seal.to_notification_id}] changed: {seal.count} sealed, {count} present, root differs",
            )
        if self.against is not None and seal.version == self.against.version:
            if seal != self.against:
                raise bad(
                    "seal_missing",
                    "导出的封存在账本中已被改动",
                    "the exported seal was changed in the ledger",
                )
            self.against_seen = True
        self.seals += 1
        self.sealed_business += business
        self.sealed_up_to = seal.to_notification_id
        self.last_seal_digest = seal.digest()

    def finish(self) -> None:
        self.cursor.finish()
        for seal in self.unleafed:
            # A witness without the list of sealed events: recompute the range's root.
            leaves = _leaves(self.ledger, seal.from_notification_id, seal.to_notification_id)
            acc = MerkleAccumulator()
            for _, leaf, _ in leaves:
                acc.add(leaf)
            if acc.root() != seal.merkle_root or acc.count != seal.count:
                raise _bad(
                    "seal_root_mismatch",
                    f"见证的封印第 {seal.version} 版范围 ({seal.from_notification_id}, {seal.to_notification_id}] 内的记录已变：封印时 {seal.count} 条，现有 {acc.count} 条",
                    f"records in witnessed seal {seal.version}'s range ({seal.from_notification_id}, {seal.to_notification_id}] changed: {seal.count} sealed, {acc.count} present",
                    seal.seal_chain_id,
                    seal.version,
                    0,
                )
        for version, seal in self.witnessed.items():
            if version not in self.witnessed_seen:
                raise _bad(
                    "seal_missing",
                    f"见证的封印第 {version} 版（止于 {seal.to_notification_id}）不在账本中",
                    f"witnessed seal {version} (up to {seal.to_notification_id}) is not in the ledger",
                    seal.seal_chain_id,
                    version,
                    0,
                )
        if self.against is not None and not self.against_seen:
            raise _bad(
                "seal_missing",
                f"导出的封存（第 {self.against.version} 版，止于 {self.against.to_notification_id}）不在账本中",
                f"the exported seal (version {self.against.version}, up to {self.against.to_notification_id}) is not in the ledger",
                self.against.seal_chain_id,
                self.against.version,
                0,
            )

    def report(self, bad: BadEvent | None) -> VerifyReport:
        return VerifyReport(
            ok=bad is None,
            events_checked=self.events,
            aggregates_checked=len(self.heads),
            seals_checked=self.seals,
            last_sealed_notification_id=self.sealed_up_to,
            unsealed_events=self.business - self.sealed_business,
            witnessed_seals=len(self.witnessed),
            witnessed_up_to=self.cursor.up_to,
            unwitnessed_events=self.unwitnessed,
            legacy_hash_events=self.legacy,
            first_bad=bad,
        )


def _inconsistent(e: WitnessInconsistent) -> BadEvent:
    return BadEvent(
        aggregate_id=str(SEAL_CHAIN_ID),
        version=e.version,
        notification_id=0,
        reason_code="witness_inconsistent",
        reason_zh=e.zh,
        reason_en=e.en,
    )


def verify_ledger(
    ledger: Ledger,
    *,
    trusted_public_key: bytes | None = None,
    against: dict[str, Any] | None = None,
    witness: Witness | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> VerifyReport:
    """Recompute every chain and seal in one streaming pass; stop at the first bad event.

    ``witness`` holds the seals, and the events they cover, as they were when sealed: every
    witnessed seal must still be in the ledger unchanged, with every event it covers; its
    first seal's key must have signed every seal. ``trusted_public_key`` (raw Ed25519), when
    given, must have signed every seal instead; ``against`` is a seal exported earlier
    (``export_seal``) that must still be in the ledger unchanged. ``progress`` is called with
    (events checked, highest notification id at the start).
    """
    bad: BadEvent | None = None
    witnessed: list[Witnessed] = []
    if witness is not None:
        try:
            witnessed = witness.checked()
        except WitnessInconsistent as e:
            bad = _inconsistent(e)
    audit = _Audit(
        ledger,
        trusted_public_key,
        SealView.model_validate(against) if against is not None else None,
        witnessed,
    )
    if bad is not None:
        return audit.report(bad)
    total = ledger.max_notification_id()
    try:
        for n in ledger.all_notifications(start=MIN_NOTIFICATION_ID):
            audit.check(n)
            if progress is not None and audit.events % PROGRESS_EVERY == 0:
                progress(audit.events, total)
        audit.finish()
    except _Found as found:
        bad = found.bad
    except WitnessInconsistent as e:  # a list of events changed while the audit ran
        bad = _inconsistent(e)
    if progress is not None:
        progress(audit.events, total)
    return audit.report(bad)
