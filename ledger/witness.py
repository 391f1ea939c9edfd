"""The witness (见证): every seal, and the events it covers, kept outside the ledger's database.

A database writer can delete seals, truncate the log or re-seal a rewrite with a key of
their own; they cannot change what the witness already holds, because it lives elsewhere
(its own directory, in production another machine or user). ``seals.jsonl`` is
append-only, one seal per line, each line fsynced; ``leaves/<version>.jsonl`` lists the
events a seal covers (notification id, aggregate id, version, hash, type-tagged hash), so
verify names the first changed, missing or inserted event. The first seal pins the key.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from domain.base import GENESIS_HASH, tagged_hash
from domain.errors import InvalidInput, InvalidState
from ledger.app import Ledger
from ledger.files import private_dir, sync_dir
from ledger.seal import (
    SEAL_CHAIN_ID,
    MerkleAccumulator,
    SealChain,
    SealView,
    leaf_hash,
    range_notifications,
    view_of,
)

SEALS_FILE = "seals.jsonl"
LEAVES_DIR = "leaves"


@dataclass(frozen=True)
class Leaf:
    """One sealed event as the witness recorded it."""

    notification_id: int
    aggregate_id: str
    version: int
    hash: str
    tagged: str

    def leaf(self) -> bytes:
        return leaf_hash(self.notification_id, self.aggregate_id, self.version, self.hash)


# A witnessed seal, and how to read the events it covers (None: the witness kept no list).
Witnessed = tuple[SealView, Callable[[], list[Leaf]] | None]


class WitnessInconsistent(Exception):
    """The witness contradicts itself: a broken chain of seals, a bad signature, a changed key."""

    def __init__(self, version: int, zh: str, en: str) -> None:
        super().__init__(en)
        self.version, self.zh, self.en = version, zh, en


def parse_seals(text: str) -> list[SealView]:
    """Seals from witness lines; a torn last line (a crash mid-write) was never written."""
    lines = text.split("\n")
    if lines and lines[-1] != "":
        lines = lines[:-1]
    seals = []
    for i, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            seals.append(SealView.model_validate_json(line))
        except ValidationError as e:
            raise InvalidInput(
                f"见证第 {i} 行不是封印：{e.errors()[0]['msg']}",
                f"witness line {i} is not a seal: {e.errors()[0]['msg']}",
            ) from None
    return seals


def check_chain(seals: list[SealView], prev: SealView | None = None) -> None:
    """Raise ``WitnessInconsistent`` unless the seals chain under one key, from the genesis
    or from ``prev``."""
    pinned = prev.public_key if prev is not None else seals[0].public_key if seals else ""
    for seal in seals:

        def broken(zh: str, en: str, version: int = seal.version) -> WitnessInconsistent:
            return WitnessInconsistent(version, f"见证不一致（封印第 {version} 版）：{zh}", en)

        if prev is None:
            if seal.from_notification_id != 0 or seal.prev_seal != GENESIS_HASH:
                raise broken("首个封印不是从头开始", "the first seal does not start the chain")
        elif (
            seal.version != prev.version + 1
            or seal.from_notification_id != prev.to_notification_id
            or seal.prev_seal != prev.digest()
        ):
            raise broken(
                "未接续上一封印", f"witness seal {seal.version} does not follow seal {prev.version}"
            )
        if not seal.signature_valid():
            raise broken("签名无效", f"witness seal {seal.version} has an invalid signature")
        if seal.public_key != pinned:
            raise broken(
                "签名密钥与首个封印固定的公钥不同",
                f"witness seal {seal.version} is signed by a key other than the one the first seal pinned",
            )
        prev = seal


class Witness:
    """The witness directory: ``seals.jsonl`` and the leaves of each seal."""

    def __init__(self, directory: Path, seals_file: Path | None = None) -> None:
        self.directory = directory
        self._seals_file = seals_file

    @classmethod
    def at(cls, path: Path) -> Witness:
        """A witness directory, or a seals file on its own (``audit export-witness``), read only."""
        return cls(path.parent, path) if path.is_file() else cls(path)

    @property
    def seals_path(self) -> Path:
        return self._seals_file or self.directory / SEALS_FILE

    def _leaves_path(self, version: int) -> Path:
        return self.directory / LEAVES_DIR / f"{version:08d}.jsonl"

    # -- reading ----------------------------------------------------------------------

    def seals(self) -> list[SealView]:
        """Every witnessed seal, oldest first (none when the witness does not exist yet)."""
        try:
            text = self.seals_path.read_text("utf-8")
        except FileNotFoundError:
            return []
        try:
            return parse_seals(text)
        except InvalidInput as e:
            raise WitnessInconsistent(0, f"见证不一致：{e.message_zh}", e.message_en) from None

    def ends(self) -> tuple[SealView, SealView] | None:
        """The first and the last witnessed seal, read without the lines between (sealing
        runs every minute; the whole witness is checked by verify)."""
        try:
            f = self.seals_path.open("rb")
        except FileNotFoundError:
            return None
        with f:
            first = f.readline()
            if not first.endswith(b"\n"):
                return None  # empty, or only a torn line
            end = f.seek(0, os.SEEK_END)
            chunk = b""
            while end > 0 and chunk.count(b"\n") < 3:
                start = max(0, end - 65536)
                f.seek(start)
                chunk = f.read(end - start) + chunk
                end = start
        complete = chunk[: chunk.rfind(b"\n") + 1]
        last = complete.rstrip(b"\n").rsplit(b"\n", 1)[-1] + b"\n"
        seals = parse_seals((first + last).decode("utf-8") if last != first else first.decode())
        return seals[0], seals[-1]

    def pinned_key(self) -> str | None:
        """The public key (hex) the first witnessed seal pinned."""
        ends = self.ends()
        return ends[0].public_key if ends else None

    def leaves(self, seal: SealView) -> list[Leaf] | None:
        """The events ``seal`` covers, as witnessed; None when their file is absent (an
        imported witness carries seals only)."""
        if self._seals_file is not None:
            return None  # an exported seals file carries no leaves
        try:
            text = self._leaves_path(seal.version).read_text("utf-8")
        except FileNotFoundError:
            return None
        rows = []
        try:
            for line in text.splitlines():
                n, oid, v, h, t = json.loads(line)
                rows.append(Leaf(int(n), str(oid), int(v), str(h), str(t)))
        except (ValueError, TypeError) as e:
            raise WitnessInconsistent(
                seal.version,
                f"见证不一致：封印第 {seal.version} 版的事件清单无法读取",
                f"the witnessed events of seal {seal.version} cannot be read: {e}",
            ) from None
        acc = MerkleAccumulator()
        last = seal.from_notification_id
        for row in rows:
            if not last < row.notification_id <= seal.to_notification_id:
                acc = MerkleAccumulator()  # out of order or out of range: fails below
                break
            last = row.notification_id
            acc.add(row.leaf())
        if acc.count != seal.count or acc.root() != seal.merkle_root:
            raise WitnessInconsistent(
                seal.version,
                f"见证不一致：封印第 {seal.version} 版的事件清单与其根哈希不符",
                f"the witnessed events of seal {seal.version} do not match its Merkle root",
            )
        return rows

    def vouches_for(self, ledger: Ledger, aggregate_id: uuid.UUID, version: int) -> int | None:
        """Whether the database still holds one event as it was witnessed.

        Returns the version of the seal that witnessed it, None when no witnessed seal
        covers it yet; raises ``InvalidState`` when the stored event differs from what the
        witness recorded (a rewrite, even one whose hash chain was recomputed). Newest
        seals are read first: the events asked about are usually recent.
        """
        stored = ledger.recorder.select_events(aggregate_id, gt=version - 1, lte=version)
        for seal in reversed(self.seals()):
            for leaf in self.leaves(seal) or []:
                if leaf.aggregate_id != str(aggregate_id) or leaf.version != version:
                    continue
                state = ledger.stored_state(stored[0]) if stored else None
                if state is None or (
                    str(state.get("hash")),
                    tagged_hash(state, stored[0].topic),
                ) != (
                    leaf.hash,
                    leaf.tagged,
                ):
                    raise InvalidState(
                        f"账本中的记录与见证（封印第 {seal.version} 版）所记不符：已被改写",
                        f"the record differs from what seal {seal.version}'s witness recorded: "
                        "it was rewritten",
                    )
                return seal.version
        return None

    def checked(self) -> list[Witnessed]:
        """Every seal with a reader of its events, after checking the whole witness is
        consistent (each list is read here once, and again when verify reaches it, so only
        one seal's list is held at a time)."""
        seals = self.seals()
        check_chain(seals)
        found: list[Witnessed] = []
        for seal in seals:
            if self.leaves(seal) is None:
                found.append((seal, None))
            else:
                found.append((seal, functools.partial(self._leaves_of, seal)))
        return found

    def _leaves_of(self, seal: SealView) -> list[Leaf]:
        leaves = self.leaves(seal)
        if leaves is None:
            raise WitnessInconsistent(
                seal.version,
                f"见证不一致：封印第 {seal.version} 版的事件清单在核验中消失",
                f"the witnessed events of seal {seal.version} vanished during the audit",
            )
        return leaves

    # -- writing ----------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        private_dir(self.directory)
        private_dir(self.directory / LEAVES_DIR)
        fd = os.open(self.directory / ".lock", os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _append(self, seal: SealView) -> None:
        fd = os.open(self.seals_path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                os.ftruncate(fd, size - len(os.pread(fd, size, 0).rsplit(b"\n", 1)[-1]))
            os.write(fd, (seal.model_dump_json() + "\n").encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        sync_dir(self.directory)

    def _write_leaves(self, ledger: Ledger, seal: SealView) -> None:
        """The events of the seal's range as the database holds them now, refused unless
        they reproduce its root (they would vouch for a change made since sealing)."""
        path = self._leaves_path(seal.version)
        tmp = path.with_suffix(".tmp")
        acc = MerkleAccumulator()
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            for n in range_notifications(
                ledger, seal.from_notification_id, seal.to_notification_id
            ):
                stored = ledger.stored_state(n)
                row = Leaf(
                    n.id,
                    str(n.originator_id),
                    n.originator_version,
                    str(stored.get("hash")),
                    tagged_hash(stored, n.topic),
                )
                acc.add(row.leaf())
                f.write(
                    json.dumps(
                        [row.notification_id, row.aggregate_id, row.version, row.hash, row.tagged]
                    )
                    + "\n"
                )
            f.flush()
            os.fsync(f.fileno())
        if acc.count != seal.count or acc.root() != seal.merkle_root:
            tmp.unlink()
            raise InvalidState(
                f"拒绝见证封印第 {seal.version} 版：其范围内的记录已与封印不符",
                f"refusing to witness seal {seal.version}: the records of its range no longer match it",
            )
        tmp.replace(path)
        sync_dir(path.parent)  # the list is durable before its seal's line is written

    def _checked_ends(self) -> tuple[SealView, SealView] | None:
        try:
            ends = self.ends()
        except InvalidInput as e:
            raise WitnessInconsistent(0, f"见证不一致：{e.message_zh}", e.message_en) from None
        if ends is not None:
            first, last = ends
            check_chain([first])
            if not last.signature_valid() or last.public_key != first.public_key:
                raise WitnessInconsistent(
                    last.version,
                    f"见证不一致（封印第 {last.version} 版）：签名无效或密钥不同",
                    f"witness seal {last.version}: invalid signature or another key",
                )
        return ends

    def sync(self, ledger: Ledger, signer: str | None = None) -> list[SealView]:
        """Append every seal of the ledger the witness does not hold yet, in order.

        Each must follow the witness's last seal and be signed by its pinned key (for an
        empty witness: ``signer``, the key this process seals with, when given). A seal
        that does not is refused, and nothing after it is witnessed.
        """
        with self._locked():
            ends = self._checked_ends()
            pinned = ends[0].public_key if ends else signer
            last = ends[1] if ends else None
            after = last.version if last else None
            added = []
            for event in ledger.stream(SEAL_CHAIN_ID, after=after):
                if not isinstance(event, SealChain.Sealed):
                    continue
                seal = view_of(event)
                try:
                    check_chain([seal], prev=last)
                except WitnessInconsistent as e:
                    raise InvalidState(
                        f"拒绝见证：账本中的封印第 {seal.version} 版不接续见证（{e.zh}）",
                        f"refusing to witness: ledger seal {seal.version} does not follow the witness ({e.en})",
                    ) from None
                if pinned is not None and seal.public_key != pinned:
                    raise InvalidState(
                        f"拒绝见证：封印第 {seal.version} 版的签名密钥不是见证固定的公钥",
                        f"refusing to witness: seal {seal.version} is signed by a key other than the witness's pinned key",
                    )
                self._write_leaves(ledger, seal)
                self._append(seal)
                added.append(seal)
                last, pinned = seal, seal.public_key
            return added

    # -- export and import --------------------------------------------------------------

    def export_text(self) -> str:
        """The witnessed seals, for a higher union to keep (the leaves stay here)."""
        seals = self.seals()
        check_chain(seals)
        return "".join(s.model_dump_json() + "\n" for s in seals)

    def import_seals(self, seals: list[SealView]) -> int:
        """Add seals a witness elsewhere holds: they must agree with these and extend them.

        Returns how many were new. Leaves are not imported: for those seals verify checks
        the Merkle root of the range, and names the seal rather than the event.
        """
        check_chain(seals)
        with self._locked():
            held = self.seals()
            for mine, theirs in zip(held, seals, strict=False):
                if mine != theirs:
                    raise InvalidState(
                        f"拒绝导入：封印第 {theirs.version} 版与本见证所持不同",
                        f"refusing to import: seal {theirs.version} differs from the one this witness holds",
                    )
            new = seals[len(held) :]
            for seal in new:
                self._append(seal)
            return len(new)
