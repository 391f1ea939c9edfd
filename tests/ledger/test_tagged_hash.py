"""Hash rule 2 is stored forever: the fast ``_tagged`` must equal its reference on every input.

``domain.base._tagged`` looks up the branch of a value's type; ``_tagged_reference`` is the
rule as first written (an ``isinstance`` chain, tried in turn). Every event since rule 2 was
hashed by the reference, so the fast one must give the same output, or the same TypeError,
for every value: subclasses, enum members, look-alikes and proxies included. The digests
below were computed by the reference code before the fast one existed.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import uuid
from collections import OrderedDict
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum, IntEnum, IntFlag, StrEnum
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from domain import base
from domain.actors import Acting, CommandMeta, Role
from domain.base import _RULE_2, _tagged, _tagged_reference, event_hash, tagged_hash
from domain.poll import Participation
from ledger.app import Ledger
from settings import Settings

LEDGER_V1 = Path(__file__).resolve().parent.parent / "guards" / "ledger-v1.db"


def reference_tagged_hash(state: dict[str, Any], topic: str) -> str:
    """``tagged_hash`` as first written."""
    body = {k: v for k, v in state.items() if k != "hash"}
    body["topic"] = topic
    encoded = json.dumps(_tagged_reference(body), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(_RULE_2 + encoded.encode("utf-8")).hexdigest()


class Colour(str, Enum):  # noqa: UP042 - the mixed-in form, beside the StrEnum below
    RED = "red"
    GREEN = "green"


class Kind(StrEnum):
    A = "a"


class Level(IntEnum):
    LOW = 1
    HIGH = 3


class Perm(IntFlag):
    R = 4
    W = 2


class Mark(Enum):
    DECIMAL = Decimal("1.5")
    NESTED = Colour.RED
    DAY = date(2026, 1, 2)
    PAIR = (1, "x")
    NOTHING = None
    FLOAT = 2.5


class Text(str):
    pass


class Shout(str):
    def __str__(self) -> str:
        return self.upper()


class Count(int):
    pass


class Ratio(float):
    pass


class Row(list):  # type: ignore[type-arg]
    pass


class Pair(tuple):  # type: ignore[type-arg]
    pass


class Mapping(dict):  # type: ignore[type-arg]
    pass


class Moment(datetime):
    pass


class Day(date):
    pass


class Money(Decimal):
    pass


class Id(uuid.UUID):
    pass


class PretendsToBeText:
    """A proxy: ``isinstance`` sees its ``__class__``, not its type."""

    __class__ = property(lambda self: str)  # type: ignore[assignment]

    def __str__(self) -> str:
        return "pretend"


class Unsupported:
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
            hashed = tagged_hash(state, n.topic)
            assert hashed == reference_tagged_hash(state, n.topic)
            digest.update(hashed.encode())
            count += 1
    finally:
        ledger.close()
    assert count == 285
    assert digest.hexdigest() == "cf3860a428ee2b9425e1310e9cfa30202612ee945c8174a79f75937626777c0a"


def outcome(tag: Any, value: object) -> tuple[str, str]:
    """What a tagging function gives for ``value``: its JSON text (what is hashed) or its
    error; JSON, not ``==``, so that a NaN equals itself."""
    try:
        return "ok", json.dumps(tag(value), ensure_ascii=False, separators=(",", ":"))
    except TypeError as e:
        return "TypeError", str(e)


def assert_same(value: object) -> None:
    expected = outcome(_tagged_reference, value)
    assert outcome(_tagged, value) == expected  # the type maybe seen for the first time
    assert outcome(_tagged, value) == expected  # and now surely memoised
    if expected[0] == "ok":
        state = {"v": value, "hash": "left out"}
        assert tagged_hash(state, "t:T") == reference_tagged_hash(state, "t:T")


zones = st.sampled_from([None, UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-3))])
datetimes = st.datetimes(timezones=zones)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(),
    st.uuids(),
    datetimes,
    st.dates(),
    st.decimals(),
    st.sampled_from([*Colour, *Kind, *Level, *Perm, *Mark, Perm.R | Perm.W]),
    st.text().map(Text),
    st.text().map(Shout),
    st.integers().map(Count),
    st.floats().map(Ratio),
    datetimes.map(lambda t: Moment.fromisoformat(t.isoformat())),
    st.dates().map(lambda d: Day(d.year, d.month, d.day)),
    st.decimals().map(Money),
    st.uuids().map(lambda u: Id(int=u.int)),
)
# Keys that tag alike once made str (3, Level.HIGH and "3"; Colour.RED and its name) sort
# as they came: the order is part of the hash.
keys = st.one_of(
    st.text(max_size=3),
    st.integers(-3, 3),
    st.sampled_from([*Colour, *Kind, *Level, "1", "3", "Colour.RED", True, None, Text("3")]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.lists(inner, max_size=4).map(Row),
        st.lists(inner, max_size=4).map(Pair),
        st.dictionaries(keys, inner, max_size=4),
        st.dictionaries(keys, inner, max_size=4).map(Mapping),
        st.dictionaries(keys, inner, max_size=4).map(lambda d: OrderedDict(reversed(d.items()))),
    ),
    max_leaves=20,
)
odd = st.sampled_from([PretendsToBeText(), Unsupported(), b"bytes", {1, 2}, 1j, object()])


@given(values)
def test_fast_tagging_equals_the_reference(value: object) -> None:
    assert_same(value)


@given(st.lists(st.one_of(values, odd), min_size=1, max_size=4))
def test_fast_tagging_equals_the_reference_with_proxies_and_unsupported_values(
    value: list[object],
) -> None:
    assert_same(value)
    assert_same({str(i): v for i, v in enumerate(value)})


def test_keys_alike_as_str_keep_their_order() -> None:
    for value in [
        {3: "int", "3": 1},
        {"3": 1, 3: "int"},
        {Colour.RED: [], "Colour.RED": 2.0, Level.HIGH: None, "3": Text("x")},
        Mapping({True: 1, "True": "t", None: 0, "None": False}),
    ]:
        assert_same(value)
    tagged = _tagged({3: "int", "3": 1})
    assert tagged == ["d", [["3", ["s", "int"]], ["3", ["i", 1]]]]


def test_a_type_seen_for_the_first_time_and_a_proxy_tag_as_the_reference() -> None:
    class Fresh(StrEnum):
        A = "a"

    class FreshMapping(dict):  # type: ignore[type-arg]
        pass

    for value in [Fresh.A, FreshMapping(x=Fresh.A), [PretendsToBeText()], Unsupported()]:
        assert_same(value)
    assert Fresh in base._RULES and FreshMapping in base._RULES
    assert PretendsToBeText not in base._RULES  # its values take the chain each time
    assert outcome(_tagged, PretendsToBeText()) == ("ok", '["s","pretend"]')
    assert outcome(_tagged, Unsupported()) == (
        "TypeError",
        "value of type Unsupported cannot be hashed canonically",
    )
