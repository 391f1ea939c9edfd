"""Hash rule 2 is stored forever: today's code must hash as the code that wrote the events.

The digests below were computed by rule 2's code as first written (``domain.base._tagged``,
an ``isinstance`` chain): of a fixed state holding every supported kind of value, of a new
participation, and of every stored event of ``ledger-v1.db`` (what a witness records).
"""

from __future__ import annotations

import hashlib
import shutil
import uuid
from collections import OrderedDict
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum, IntEnum
from pathlib import Path
from typing import Any

from domain.actors import Acting, CommandMeta, Role
from domain.base import event_hash, tagged_hash
from domain.poll import Participation
from ledger.app import Ledger
from settings import Settings

LEDGER_V1 = Path(__file__).resolve().parent.parent / "guards" / "ledger-v1.db"


class Colour(str, Enum):  # noqa: UP042 - the mixed-in form (StrEnum differs only in str())
    RED = "red"
    GREEN = "green"


class Level(IntEnum):
    LOW = 1
    HIGH = 3


class Mark(Enum):
    DECIMAL = Decimal("1.5")
    NESTED = Colour.RED
    DAY = date(2026, 1, 2)
    PAIR = (1, "x")
    NOTHING = None
    FLOAT = 2.5


class Text(str):
    pass


class Count(int):
    pass


class Row(list):  # type: ignore[type-arg]
    pass


class Pair(tuple):  # type: ignore[type-arg]
    pass


class Moment(datetime):
    pass


def golden_state() -> dict[str, Any]:
    return {
        "s": '文本 "quoted" \n',
        "i": 7,
        "big": -(2**70),
        "f": 0.1,
        "inf": float("inf"),
        "b": True,
        "n": None,
        "u": uuid.UUID("6f1f4c0e-8c7a-5d43-9a0e-2f3b7d0c9a11"),
        "t": datetime(2026, 12, 7, 9, 30, tzinfo=UTC),
        "naive": datetime(2026, 1, 1),
        "d": date(2026, 12, 7),
        "m": Decimal("1.50"),
        "e": Colour.RED,
        "ie": Level.HIGH,
        "ee": [Mark.DECIMAL, Mark.NESTED],
        "l": [1, "1", 1.0, False, [], {}],
        "tu": (date(2026, 1, 2),),
        "dd": {"b": 1, "a": {"z": [None]}, 3: "int key", "3": "str key"},
        "od": OrderedDict([("y", 1), ("x", 2)]),
        "sub": [Text("t"), Count(5), Row([1]), Pair((2,)), Moment(2026, 2, 3, tzinfo=UTC)],
    }


def test_tagged_hash_of_a_fixed_state_is_the_one_the_reference_code_gave() -> None:
    assert (
        tagged_hash(golden_state(), "tests.ledger:Golden")
        == "c5e42196ccea23063c96bc6264846e585ae9e8be38aa426e9868136ab66ae755"
    )


def test_a_new_participation_hashes_as_under_the_reference_code() -> None:
    acting = Acting(
        actor_id="d0001", name="代表1", role=Role.DELEGATE, roles=[Role.DELEGATE], org_id="org-1"
    )
    meta = CommandMeta(
        command_id="vote-1",
        acting=acting,
        occurred_at=datetime(2026, 12, 7, 9, 30, tzinfo=UTC),
        comment="投票",
    )
    (event,) = Participation.record("c:s1:1", meta, "ticket-0123").collect_events()
    expected = "aca2dbe88bbb53b544186774e9c9cb7f278c94ed926ac53d6941b4f26d415b7a"
    assert event.__dict__["hash"] == event_hash(event) == expected


def test_the_recorded_ledger_tagged_hashes_as_under_the_reference_code(tmp_path: Path) -> None:
    """What a witness records of each stored event of ``ledger-v1.db``: its tagged hash."""
    settings = Settings(data_dir=tmp_path / "var")
    settings.sqlite_path.parent.mkdir(parents=True)
    shutil.copyfile(LEDGER_V1, settings.sqlite_path)
    ledger = Ledger(env=settings.ledger_env())
    try:
        digest = hashlib.sha256()
        count = 0
        for n in ledger.all_notifications():
            state = ledger.stored_state(n)
            digest.update(tagged_hash(state, n.topic).encode())
            count += 1
    finally:
        ledger.close()
    assert count == 285
    assert digest.hexdigest() == "cf3860a428ee2b9425e1310e9cfa30202612ee945c8174a79f75937626777c0a"
