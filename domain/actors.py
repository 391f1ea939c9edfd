"""Who acts: roles, and the acting actor as a command carries it."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Role(StrEnum):
    """Roles an actor can hold (see DESIGN.md, "Users")."""

    CADRE = "cadre"
    REVIEWER = "reviewer"
    DELEGATE = "delegate"
    JUDGE = "judge"
    DEPARTMENT = "department"
    AUDITOR = "auditor"
    SYSTEM = "system"  # the engine itself: deadlines, escalations, seals; never assigned


ASSIGNABLE_ROLES = frozenset(r for r in Role if r is not Role.SYSTEM)


class Acting(BaseModel):
    """An actor acting in one role, with the org path resolved from the directory.

    ``org_path`` runs from the root (市总工会) down to the actor's own org, inclusive.
    """

    model_config = ConfigDict(frozen=True)

    actor_id: str
    name: str = ""
    role: Role
    roles: list[Role]
    org_id: str
    org_path: list[str] = Field(default_factory=list)

    def stamp(self) -> dict[str, str]:
        """What every event records about who made it."""
        return {"id": self.actor_id, "role": self.role.value, "org": self.org_id}


class CommandMeta(BaseModel):
    """What every command carries besides its payload."""

    model_config = ConfigDict(frozen=True)

    command_id: str = Field(min_length=1, max_length=200)
    acting: Acting
    comment: str = ""


def system_acting(org_id: str = "system") -> Acting:
    """The engine acting on its own (a timer fired, a seal was due)."""
    return Acting(actor_id="system", name="UnionFlow", role=Role.SYSTEM, roles=[Role.SYSTEM], org_id=org_id)
