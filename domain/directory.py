"""The directory: the organisation tree (市总工会 → 区县/产业工会 → 基层工会) and actors.

Both live in the ledger. An organisation knows its path from the root, so "is this
union an ancestor of that one" is a pure check; an actor holds roles in one org.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

from domain.actors import ASSIGNABLE_ROLES, Acting, CommandMeta, Role
from domain.base import LedgerAggregate, deterministic_id
from domain.errors import InvalidInput, NotAuthorised
from domain.text import NAME_MAX, Name


class OrgKind(StrEnum):
    """Levels of the union tree."""

    CITY_FEDERATION = "city_federation"  # 市总工会
    DISTRICT_UNION = "district_union"  # 区县工会
    INDUSTRY_UNION = "industry_union"  # 产业工会
    GRASSROOTS_UNION = "grassroots_union"  # 基层工会


class OrgSpec(BaseModel):
    """An organisation as a directory file declares it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    name: Name
    name_en: str = Field(default="", max_length=NAME_MAX)
    kind: OrgKind
    parent: str | None = None
    region: str = ""
    wage_area_class: int | None = Field(default=None, ge=1, le=4)
    employees: int | None = Field(default=None, ge=0)
    # What a campaign's population filter reads of a grassroots union's enterprise (optional:
    # a campaign imports its population from the directory only where they are written).
    industry: str = Field(default="", max_length=NAME_MAX)
    ownership: str = Field(default="", pattern=r"^(|public|non_public)$")


class ActorSpec(BaseModel):
    """An actor as a directory file declares it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    name: Name
    org: str
    roles: list[Role] = Field(min_length=1)

    @field_validator("roles")
    @classmethod
    def _assignable(cls, roles: list[Role]) -> list[Role]:
        bad = [r for r in roles if r not in ASSIGNABLE_ROLES]
        if bad:
            raise ValueError(f"role {bad[0].value} cannot be assigned")
        return sorted(set(roles), key=list(Role).index)


def org_id(code: str) -> UUID:
    """The ledger id of an organisation."""
    return deterministic_id("org", code)


def actor_id(code: str) -> UUID:
    """The ledger id of an actor."""
    return deterministic_id("actor", code)


class Organisation(LedgerAggregate):
    """A union organisation in the tree."""

    class Created(LedgerAggregate.Created):
        spec: dict[str, Any]
        path: list[str]

        def apply(self, aggregate: Organisation) -> None:
            aggregate.spec = OrgSpec.model_validate(self.spec)
            aggregate.path = list(self.path)

    class Updated(LedgerAggregate.Event):
        spec: dict[str, Any]
        path: list[str]

        def apply(self, aggregate: Organisation) -> None:
            aggregate.spec = OrgSpec.model_validate(self.spec)
            aggregate.path = list(self.path)

    def __init__(self, spec: dict[str, Any], path: list[str]) -> None:
        super().__init__()
        self.spec = OrgSpec.model_validate(spec)
        self.path = list(path)

    @classmethod
    def register(cls, spec: OrgSpec, path: list[str], meta: CommandMeta) -> Organisation:
        """Register an organisation under its parent's path."""
        _check_path(spec, path)
        return cls._new(org_id(spec.code), meta, spec=spec.model_dump(mode="json"), path=path)

    def update(self, spec: OrgSpec, path: list[str], meta: CommandMeta) -> None:
        """Record a changed declaration (name, parent, attributes)."""
        _check_path(spec, path)
        if spec.code != self.spec.code:
            raise InvalidInput("组织代码不可更改", "an organisation's code cannot change")
        if spec == self.spec and path == self.path:
            return
        self._emit(self.Updated, meta, spec=spec.model_dump(mode="json"), path=path)


def _check_path(spec: OrgSpec, path: list[str]) -> None:
    if not path or path[-1] != spec.code:
        raise InvalidInput(f"组织 {spec.code} 的路径无效", f"invalid path for {spec.code}")
    if len(set(path)) != len(path):
        raise InvalidInput(f"组织 {spec.code} 形成循环", f"organisation {spec.code} forms a cycle")


class ActorRecord(LedgerAggregate):
    """A person who acts in UnionFlow, with roles in one organisation."""

    class Created(LedgerAggregate.Created):
        spec: dict[str, Any]

        def apply(self, aggregate: ActorRecord) -> None:
            aggregate.spec = ActorSpec.model_validate(self.spec)

    class Updated(LedgerAggregate.Event):
        spec: dict[str, Any]

        def apply(self, aggregate: ActorRecord) -> None:
            aggregate.spec = ActorSpec.model_validate(self.spec)

    def __init__(self, spec: dict[str, Any]) -> None:
        super().__init__()
        self.spec = ActorSpec.model_validate(spec)

    @classmethod
    def register(cls, spec: ActorSpec, meta: CommandMeta) -> ActorRecord:
        """Register an actor."""
        return cls._new(actor_id(spec.id), meta, spec=spec.model_dump(mode="json"))

    def update(self, spec: ActorSpec, meta: CommandMeta) -> None:
        """Record changed roles, org or name."""
        if spec.id != self.spec.id:
            raise InvalidInput("人员编号不可更改", "an actor's id cannot change")
        if spec != self.spec:
            self._emit(self.Updated, meta, spec=spec.model_dump(mode="json"))

    def acting_as(self, role: Role, org_path: list[str]) -> Acting:
        """This actor acting in ``role``; refused when the actor does not hold it."""
        if role not in self.spec.roles:
            raise NotAuthorised(
                f"{self.spec.name}（{self.spec.id}）没有“{ROLE_LABELS_ZH[role]}”角色",
                f"{self.spec.id} does not hold the role {role.value}",
            )
        return Acting(
            actor_id=self.spec.id,
            name=self.spec.name,
            role=role,
            roles=list(self.spec.roles),
            org_id=self.spec.org,
            org_path=org_path,
        )


ROLE_LABELS_ZH: dict[Role, str] = {
    Role.CADRE: "工会干部",
    Role.REVIEWER: "上级工会审查人",
    Role.DELEGATE: "职工代表",
    Role.JUDGE: "评委",
    Role.DEPARTMENT: "承办部门",
    Role.AUDITOR: "审计",
    Role.OPERATOR: "运维管理员",
    Role.SYSTEM: "系统",
}


def is_ancestor(ancestor_code: str, org_path: list[str]) -> bool:
    """Whether ``ancestor_code`` is a strict ancestor of the org whose path is given."""
    return ancestor_code in org_path[:-1]
