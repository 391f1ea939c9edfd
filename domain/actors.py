"""Who acts: roles, and the acting actor as a command carries it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.errors import InvalidInput, NotAuthorised
from domain.text import OptionalLongText

CHINA_TZ = ZoneInfo("Asia/Shanghai")


class Role(StrEnum):
    """Roles an actor can hold (see DESIGN.md, "Users")."""

    CADRE = "cadre"
    REVIEWER = "reviewer"
    DELEGATE = "delegate"
    JUDGE = "judge"
    DEPARTMENT = "department"
    AUDITOR = "auditor"
    OPERATOR = "operator"  # changes the directory, loads calendars, seals from the CLI
    SYSTEM = "system"  # the engine itself: deadlines, escalations, seals; never assigned


ASSIGNABLE_ROLES = frozenset(r for r in Role if r is not Role.SYSTEM)


class Channel(StrEnum):
    """The door an act came through (web page, API token, command line); recorded with it."""

    WEB = "web"
    API = "api"
    CLI = "cli"


class Acting(BaseModel):
    """An actor acting in one role, with the org path resolved from the directory.

    ``org_path`` runs from the root (市总工会) down to the actor's own org, inclusive.
    ``channel`` is the door the act came through; None for the engine's own acts and for
    everything recorded before channels were (their stamps and hashes stay as written).
    """

    model_config = ConfigDict(frozen=True)

    actor_id: str
    name: str = ""
    role: Role
    roles: list[Role]
    org_id: str
    org_path: list[str] = Field(default_factory=list)
    channel: Channel | None = None

    def stamp(self) -> dict[str, str]:
        """What every event records about who made it (the channel only when known)."""
        stamp = {"id": self.actor_id, "role": self.role.value, "org": self.org_id}
        if self.channel is not None:
            stamp["channel"] = self.channel.value
        return stamp


class CommandMeta(BaseModel):
    """What every command carries besides its payload.

    ``occurred_at`` is when the decision was made: the workflow's clock for steps a
    workflow drives (simulated time in tests and demos), the wall clock otherwise. It
    becomes the event's timestamp, so point-in-time reads follow business time.
    """

    model_config = ConfigDict(frozen=True)

    command_id: str = Field(min_length=1, max_length=200)
    acting: Acting
    occurred_at: AwareDatetime
    comment: OptionalLongText = ""

    def today(self) -> date:
        """The business date of the command, in China's time zone."""
        return self.occurred_at.astimezone(CHINA_TZ).date()


def china_date(moment: datetime) -> date:
    """The date of an instant in China's time zone."""
    return moment.astimezone(CHINA_TZ).date()


def system_acting(org_id: str = "system") -> Acting:
    """The engine acting on its own (a timer fired, a seal was due)."""
    return Acting(
        actor_id="system", name="UnionFlow", role=Role.SYSTEM, roles=[Role.SYSTEM], org_id=org_id
    )


def check_person(acting: Acting) -> None:
    """Refuse a command from outside the engine that claims to be the engine itself.

    Update validators call this on every person's command: ``system`` acts are built by
    workflows (deadlines, seals), never sent in by a caller.
    """
    if acting.role is Role.SYSTEM or acting.actor_id == "system":
        raise NotAuthorised(
            "系统角色只能由引擎自身使用，不能由外部命令声明",
            "the system role is the engine's own: a command from outside cannot claim it",
        )


# A caller's command id travels as "<command id>#<fingerprint of the operation>": a retry
# of the same operation meets its recorded result, and the same id reused for another
# operation is refused (``command_id_reused``). Keys typed by callers never contain "#".
FINGERPRINT_SEP = "#"


def fingerprinted(command_id: str, operation: object) -> str:
    """A caller's command id bound to the operation it names (what, by whom, why)."""
    payload = json.dumps(operation, sort_keys=True, ensure_ascii=False, default=str)
    digest = hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]
    return f"{command_id}{FINGERPRINT_SEP}{digest}"


def command_id_reused(command_id: str, applied: Iterable[str]) -> bool:
    """Whether ``applied`` holds the same caller's command id bound to another operation."""
    base, sep, _ = command_id.rpartition(FINGERPRINT_SEP)
    if not sep:
        return False
    prefix = base + FINGERPRINT_SEP
    return any(c.startswith(prefix) and c != command_id for c in applied)


def check_command_id(command_id: str, applied: Iterable[str]) -> None:
    """Refuse a command id already used for another operation."""
    if command_id_reused(command_id, applied):
        raise InvalidInput(
            "命令编号已用于另一操作", "command id already used for another operation"
        )
