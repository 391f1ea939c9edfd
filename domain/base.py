"""The base aggregate of the ledger: every event is stamped and hash-chained.

Each event records the actor (id, role, org), a comment and the ``command_id`` that
caused it, plus ``prev_hash`` and ``hash``: a SHA-256 over a canonical encoding of
(aggregate id, version, topic, timestamp, state, prev_hash). Events are written under hash
rule 2 (every value tagged with its type); events written before keep rule 1 (plain JSON,
where a datetime and its ISO string hash alike), and their stored hash says which rule. A command id the aggregate
has already applied is remembered, so a retried command is recognised and not applied
twice.
"""

from __future__ import annotations

import functools
import hashlib
import json
import uuid
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum, EnumType
from operator import itemgetter
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Self, TypeVar

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic
from pydantic import BaseModel

from domain.actors import CommandMeta
from domain.text import stored_facts

GENESIS_HASH = "0" * 64
UNIONFLOW_NAMESPACE = uuid.UUID("6f1f4c0e-8c7a-5d43-9a0e-2f3b7d0c9a11")


@functools.lru_cache(maxsize=1 << 16)
def deterministic_id(kind: str, key: str) -> uuid.UUID:
    """A stable aggregate id, so a retried "create" meets the existing aggregate (a pure
    function of its arguments, remembered: the ballot path asks for the same ids often)."""
    return uuid.uuid5(UNIONFLOW_NAMESPACE, f"{kind}:{key}")


def _plain(value: object) -> object:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return _plain(value.value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    raise TypeError(f"value of type {type(value).__name__} cannot be hashed canonically")


def canonical_bytes(value: object) -> bytes:
    """Canonical JSON: sorted keys, no spaces, UTF-8."""
    return json.dumps(
        _plain(value), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")


def state_hash(state: dict[str, Any], topic: str) -> str:
    """Hash rule 1, of events written before rule 2: plain canonical JSON of the attributes
    (``hash`` itself left out) under the topic. A value and its ISO or string form hash alike."""
    body = {k: v for k, v in state.items() if k != "hash"}
    body["topic"] = topic
    return hashlib.sha256(canonical_bytes(body)).hexdigest()


# Prefixed to rule 2's bytes, so no rule-2 hash can equal a rule-1 hash of the same event.
_RULE_2 = b"unionflow-hash-v2\n"


# Scalars by type, tested in order (bool before int, datetime before date).
_SCALAR_TAGS: tuple[tuple[type, str, Any], ...] = (
    (uuid.UUID, "u", lambda v: v.hex),
    (datetime, "t", lambda v: v.isoformat()),
    (date, "D", lambda v: v.isoformat()),
    (Decimal, "m", str),
    (bool, "b", bool),
    (int, "i", int),
    (float, "f", float),
    (str, "s", str),
)


def _tagged_reference(value: object) -> object:
    """Hash rule 2's encoding, by definition: every node as [type, value]. A datetime and its
    ISO string, a UUID and its text, a Decimal and a str, a dict and a tag look-alike all
    differ. ``_tagged`` gives the same output faster; this is the rule it must match."""
    if isinstance(value, dict):
        items = sorted(((str(k), v) for k, v in value.items()), key=lambda kv: kv[0])
        return ["d", [[k, _tagged_reference(v)] for k, v in items]]
    if isinstance(value, (list, tuple)):
        return ["l", [_tagged_reference(v) for v in value]]
    if isinstance(value, Enum):
        return _tagged_reference(value.value)  # stored as its value: it reads back as one
    if value is None:
        return ["n"]
    for kind, tag, plain in _SCALAR_TAGS:
        if isinstance(value, kind):
            return [tag, plain(value)]
    raise TypeError(f"value of type {type(value).__name__} cannot be hashed canonically")


# ``_tagged`` dispatches on ``type(value)``: the branch of the chain above that a value
# takes depends only on its type, as long as ``isinstance`` sees that type. It would not for
# an object whose ``__class__`` is not its type (a proxy), so a type that defines
# ``__class__`` or ``__getattribute__`` (the C types below define only the generic one), or
# whose metaclass is not a plain one, is never memoised: its values take the chain each time.
_GENERIC_ATTRIBUTES = frozenset(
    {object, dict, list, tuple, int, float, str, date, datetime, Decimal}
)
_PLAIN_METACLASSES = frozenset({type, EnumType})
# Scalars that are their own plain form (``str(s) is s`` for an exact str, and so on).
_AS_IS = frozenset({bool, int, float, str})
_KEY = itemgetter(0)

# Per type, the branch of the chain: a scalar's tag when the value is its own plain form,
# else (tag, plain), plain None for "d" (dict), "l" (list, tuple), "e" (Enum), "n" (None).
_Rule = str | tuple[str, Callable[[Any], object] | None]
_RULES: dict[type, _Rule] = {}


def _learn(value: object) -> _Rule:
    """The branch ``_tagged_reference`` takes for ``value``, memoised for its type when
    its type decides it. Raises the chain's TypeError for an unsupported type."""
    cls = type(value)
    rule: _Rule
    if isinstance(value, dict):
        rule = ("d", None)
    elif isinstance(value, (list, tuple)):
        rule = ("l", None)
    elif isinstance(value, Enum):
        rule = ("e", None)
    elif value is None:
        rule = ("n", None)
    else:
        for kind, tag, plain in _SCALAR_TAGS:
            if isinstance(value, kind):
                rule = tag if cls is kind and cls in _AS_IS else (tag, plain)
                break
        else:
            raise TypeError(f"value of type {cls.__name__} cannot be hashed canonically")
    if type(cls) in _PLAIN_METACLASSES and all(
        base in _GENERIC_ATTRIBUTES or not {"__class__", "__getattribute__"} & vars(base).keys()
        for base in cls.__mro__
    ):
        _RULES[cls] = rule
    return rule


def _tagged(value: Any) -> object:
    """Exactly ``_tagged_reference(value)``, by a look-up of the type's branch instead of a
    test of each type in turn (a new event's hash is computed as it is created)."""
    rule = _RULES.get(type(value)) or _learn(value)
    if isinstance(rule, str):
        return [rule, value]
    tag, plain = rule
    if plain is not None:
        return [tag, plain(value)]
    if tag == "d":
        items = sorted([(k if type(k) is str else str(k), v) for k, v in value.items()], key=_KEY)
        return ["d", [[k, _tagged(v)] for k, v in items]]
    if tag == "l":
        return ["l", [_tagged(v) for v in value]]
    if tag == "n":
        return ["n"]
    return _tagged(value.value)  # an Enum: stored as its value


# The encoding of the tagged form; ``check_circular`` off changes no output (the tagged
# form is built afresh, a cycle in the value never gets this far) and saves its look-ups.
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode


def tagged_hash(state: dict[str, Any], topic: str) -> str:
    """Hash rule 2: the type-tagged canonical form of the attributes (``hash`` left out)."""
    body = {k: v for k, v in state.items() if k != "hash"}
    body["topic"] = topic
    encoded = _ENCODE(_tagged(body))
    return hashlib.sha256(_RULE_2 + encoded.encode("utf-8")).hexdigest()


def hash_rule(state: dict[str, Any], topic: str) -> int | None:
    """The rule (2, or 1 for events written before it) under which the stored ``hash``
    matches the attributes; None when it matches under neither: the event was altered."""
    stored = state.get("hash")
    if stored == tagged_hash(state, topic):
        return 2
    if stored == state_hash(state, topic):
        return 1
    return None


def event_hash(event: object, topic: str | None = None) -> str:
    """The chain hash of an event, computed from its attributes when it is created.

    Readers of stored events hash what was stored instead (``Ledger.stored_state``), so
    that neither a class moved under its old topic nor an upcaster changes the hash.
    """
    # (tagged_hash copies the attributes, leaving ``hash`` out)
    return tagged_hash(vars(event), topic if topic is not None else get_topic(type(event)))


class LedgerAggregate(Aggregate):
    """An aggregate whose events are stamped with actor and command, and hash-chained."""

    KIND: ClassVar[str] = "aggregate"

    class Event(Aggregate.Event):
        actor: dict[str, str]
        command_id: str
        comment: str
        prev_hash: str

        def __post_init__(self) -> None:
            super().__post_init__()
            # ``hash`` is not a dataclass field: it is derived, then stored with the event.
            object.__setattr__(self, "hash", event_hash(self))

        def mutate(self, aggregate: Any) -> Any:
            # A stored event is a fact: its text loads as stored, whatever today's bounds.
            with stored_facts():
                aggregate = super().mutate(aggregate)
            aggregate.chain_head = self.__dict__["hash"]
            # The last version a command reached is its recorded result.
            aggregate.commands[self.command_id] = self.originator_version
            return aggregate

    class Created(Event, Aggregate.Created):
        pass

    def __init__(self) -> None:
        self.chain_head = GENESIS_HASH
        self.commands: dict[str, int] = {}

    @classmethod
    def _new(cls, aggregate_id: uuid.UUID, meta: CommandMeta, **fields: Any) -> Self:
        """Create the aggregate with the stamped Created event."""
        return cls._create(
            cls.Created,
            id=aggregate_id,
            actor=meta.acting.stamp(),
            command_id=meta.command_id,
            comment=meta.comment,
            prev_hash=GENESIS_HASH,
            timestamp=meta.occurred_at,
            **fields,
        )

    def _emit(
        self, event_class: type[LedgerAggregate.Event], meta: CommandMeta, **fields: Any
    ) -> None:
        """Trigger a stamped, chained event."""
        self.trigger_event(
            event_class,
            actor=meta.acting.stamp(),
            command_id=meta.command_id,
            comment=meta.comment,
            prev_hash=self.chain_head,
            timestamp=meta.occurred_at,
            **fields,
        )

    def has_applied(self, command_id: str) -> bool:
        """Whether a command with this id already changed this aggregate."""
        return command_id in self.commands


# -- aggregates whose state is one view ---------------------------------------------------
# Plain mixins, not nested event classes: eventsourcing redefines a base aggregate's nested
# events on every subclass (new topics), and each aggregate's events must keep its own.

V = TypeVar("V", bound=BaseModel)


class ViewState(Generic[V]):
    """Mixin for an aggregate whose whole state is one pydantic view ``s`` of type ``VIEW``.

    Its ``Created`` event mixes in ``CreatesView`` and carries the first view as ``state``;
    its ``Changed`` base mixes in ``ChangesView`` and each change event ``evolve``s the view.
    """

    VIEW: ClassVar[type[BaseModel]]
    if TYPE_CHECKING:
        s: V

    def view(self) -> V:
        """A copy of the current state."""
        return self.s.model_copy(deep=True)


class CreatesView:
    """Mixin for a ``Created`` event that carries the aggregate's first view as ``state``."""

    if TYPE_CHECKING:
        state: dict[str, Any]

    def apply(self, aggregate: Any) -> None:
        aggregate.s = type(aggregate).VIEW.model_validate(self.state)


class ChangesView:
    """Mixin for the base of change events: each evolves the view, whose version follows."""

    if TYPE_CHECKING:
        originator_version: int

    def apply(self, aggregate: Any) -> None:
        self.evolve(aggregate.s)
        aggregate.s.version = self.originator_version

    def evolve(self, s: Any) -> None:
        """Assign this event's facts to the view (events only assign; commands check)."""
        raise NotImplementedError
