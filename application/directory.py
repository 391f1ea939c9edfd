"""The directory service: load the org tree and actors from YAML, resolve who acts."""

from __future__ import annotations

import functools
import hashlib
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from application.channel import current_channel
from application.input_files import as_model, read_yaml
from domain.actors import Acting, CommandMeta, Role
from domain.base import canonical_bytes
from domain.directory import (
    ActorRecord,
    ActorSpec,
    Organisation,
    OrgSpec,
    actor_id,
    org_id,
)
from domain.errors import InvalidInput, NotAuthorised, NotFound
from ledger.app import Ledger
from projections.index import CreatedIndex
from settings import ImportLimits

Finder = Callable[[uuid.UUID], Any]


class DirectoryFile(BaseModel):
    """A directory file: organisations and actors."""

    organisations: list[OrgSpec]
    actors: list[ActorSpec] = []


class LoadReport(BaseModel):
    """What a load changed."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


class DirectoryService:
    """Organisations and actors, as the ledger records them."""

    def __init__(self, ledger: Ledger, limits: ImportLimits | None = None) -> None:
        self.ledger = ledger
        self.limits = limits or ImportLimits()
        self._orgs = CreatedIndex(ledger, Organisation.Created)
        self._actors = CreatedIndex(ledger, ActorRecord.Created)

    # -- loading ---------------------------------------------------------------------

    def parse(self, path: Path) -> DirectoryFile:
        """Read and validate a directory file; nothing is written."""
        return as_model(
            read_yaml(path, self.limits, "名录") or {}, DirectoryFile, "名录", str(path)
        )

    def load(self, data: DirectoryFile, *, operator: str, source: str = "") -> LoadReport:
        """Write the directory as the operator ``operator``; idempotent, checked whole first.

        The operator must hold the operator role in the directory the ledger holds. Only
        an empty ledger (no organisation, no actor yet) may be set up by an operator that
        the file itself declares; that bootstrap is recorded as such in every event.
        """
        acting, bootstrap = self.operator_acting(data, operator)
        if bootstrap:
            source = f"{source} (bootstrap: operator {operator} declared by the file)".strip()
        return self.record(data, acting=acting, source=source)

    def operator_acting(self, data: DirectoryFile, operator: str) -> tuple[Acting, bool]:
        """Who changes the directory, and whether it is the bootstrap of an empty ledger."""
        counts = self.summary()
        if counts["organisations"] or counts["actors"]:
            try:
                return self.acting(operator, Role.OPERATOR), False
            except NotFound as e:
                raise NotAuthorised(
                    f"人员 {operator} 不在名录中，不能修改名录",
                    f"{operator} is not in the directory and may not change it",
                ) from e
        spec = next((a for a in data.actors if a.id == operator), None)
        if spec is None or Role.OPERATOR not in spec.roles:
            raise NotAuthorised(
                f"空账本的首次名录导入须由文件中声明的运维管理员执行：{operator} 不是",
                f"the first directory load of an empty ledger is made by an operator the "
                f"file declares: {operator} is not one",
            )
        path = self._paths(data.organisations).get(spec.org, [])
        acting = Acting(
            actor_id=spec.id,
            name=spec.name,
            role=Role.OPERATOR,
            roles=list(spec.roles),
            org_id=spec.org,
            org_path=path,
            channel=current_channel(),
        )
        return acting, True

    def record(self, data: DirectoryFile, *, acting: Acting, source: str = "") -> LoadReport:
        """Write the directory as ``acting``; idempotent, checked whole before writing."""
        paths = self._paths(data.organisations)
        known_orgs = set(paths)
        for a in data.actors:
            if a.org not in known_orgs and self.ledger.find(org_id(a.org)) is None:
                raise InvalidInput(
                    f"人员 {a.id} 所属组织 {a.org} 不存在", f"actor {a.id}: unknown org {a.org}"
                )
        ids = [a.id for a in data.actors]
        if len(set(ids)) != len(ids):
            raise InvalidInput("名录中人员编号重复", "duplicate actor ids in the file")

        report = LoadReport()
        now = datetime.now(UTC)
        for spec in data.organisations:
            existing = self.ledger.find(org_id(spec.code))
            version = existing.version if existing else 0
            meta = self._meta(acting, now, "org", spec, paths[spec.code], source, version)
            if existing is None:
                self.ledger.execute(
                    org_id(spec.code),
                    meta,
                    create=functools.partial(Organisation.register, spec, paths[spec.code], meta),
                )
                report.created += 1
            elif existing.spec == spec and existing.path == paths[spec.code]:
                report.unchanged += 1
            else:
                self.ledger.execute(
                    org_id(spec.code),
                    meta,
                    functools.partial(
                        Organisation.update, spec=spec, path=paths[spec.code], meta=meta
                    ),
                )
                report.updated += 1
        for actor in data.actors:
            existing = self.ledger.find(actor_id(actor.id))
            version = existing.version if existing else 0
            meta = self._meta(acting, now, "actor", actor, [], source, version)
            if existing is None:
                self.ledger.execute(
                    actor_id(actor.id),
                    meta,
                    create=functools.partial(ActorRecord.register, actor, meta),
                )
                report.created += 1
            elif existing.spec == actor:
                report.unchanged += 1
            else:
                self.ledger.execute(
                    actor_id(actor.id),
                    meta,
                    functools.partial(ActorRecord.update, spec=actor, meta=meta),
                )
                report.updated += 1
        return report

    def _paths(self, orgs: list[OrgSpec]) -> dict[str, list[str]]:
        by_code: dict[str, OrgSpec] = {}
        for o in orgs:
            if o.code in by_code:
                raise InvalidInput(f"组织代码 {o.code} 重复", f"duplicate organisation {o.code}")
            by_code[o.code] = o
        paths: dict[str, list[str]] = {}

        def path_of(code: str, seen: tuple[str, ...]) -> list[str]:
            if code in paths:
                return paths[code]
            if code in seen:
                raise InvalidInput(f"组织 {code} 形成循环", f"organisation {code} forms a cycle")
            spec = by_code.get(code)
            if spec is None:
                stored = self.ledger.find(org_id(code))
                if stored is None:
                    raise InvalidInput(
                        f"上级组织 {code} 不存在", f"unknown parent organisation {code}"
                    )
                return list(stored.path)
            parent = [] if spec.parent is None else path_of(spec.parent, (*seen, code))
            paths[code] = [*parent, code]
            return paths[code]

        for code in by_code:
            path_of(code, ())
        return paths

    @staticmethod
    def _meta(
        acting: Acting,
        now: datetime,
        kind: str,
        spec: BaseModel,
        path: list[str],
        source: str,
        version: int,
    ) -> CommandMeta:
        # The version makes a change back to an earlier declaration a new command.
        digest = hashlib.sha256(canonical_bytes([spec.model_dump(mode="json"), path])).hexdigest()
        key = getattr(spec, "code", None) or getattr(spec, "id", "")
        return CommandMeta(
            command_id=f"directory:{kind}:{key}:v{version}:{digest[:24]}",
            acting=acting,
            occurred_at=now,
            comment=f"directory load {source}".strip(),
        )

    # -- reading ---------------------------------------------------------------------

    def organisation(self, code: str, *, find: Finder | None = None) -> Organisation:
        """An organisation by code (``find``: where to read it, the ledger by default)."""
        org = (find or self.ledger.find)(org_id(code))
        if org is None:
            raise NotFound(f"组织 {code} 不存在", f"no organisation {code}")
        return org

    def actor(self, code: str, *, find: Finder | None = None) -> ActorRecord:
        """An actor by id (``find``: where to read it, the ledger by default)."""
        record = (find or self.ledger.find)(actor_id(code))
        if record is None:
            raise NotFound(f"人员 {code} 不存在", f"no actor {code}")
        return record

    def knows(self, code: str) -> bool:
        """Whether the directory in the ledger has an actor ``code``."""
        return self.ledger.find(actor_id(code)) is not None

    def acting(self, code: str, role: Role, *, find: Finder | None = None) -> Acting:
        """The actor acting in ``role``, with its org path; refused if it lacks the role.

        ``find`` reads the actor and its organisation: the ledger by default, or a
        read model as fresh as the ledger (the ballot box's ``LatestAggregates``). The
        channel is the current context's (``application.channel``).
        """
        record = self.actor(code, find=find)
        acting = record.acting_as(role, list(self.organisation(record.spec.org, find=find).path))
        channel = current_channel()
        return acting if channel is None else acting.model_copy(update={"channel": channel})

    def as_operator(self, code: str) -> Acting:
        """The actor acting as an operator; refused unless the directory gives them the role."""
        try:
            return self.acting(code, Role.OPERATOR)
        except NotFound as e:
            raise NotAuthorised(
                f"人员 {code} 不在名录中，不能执行此操作",
                f"{code} is not in the directory and may not do this",
            ) from e

    def organisations(self) -> list[Organisation]:
        """Every organisation, in tree order."""
        orgs = [self.ledger.get(i) for i in self._orgs.ids()]
        return sorted(orgs, key=lambda o: o.path)

    def actors(self) -> list[ActorRecord]:
        """Every actor."""
        return sorted((self.ledger.get(i) for i in self._actors.ids()), key=lambda a: a.spec.id)

    def summary(self) -> dict[str, Any]:
        """Counts, for a status line."""
        return {"organisations": len(self._orgs.ids()), "actors": len(self._actors.ids())}


def acting_from_directory(directory: DirectoryService, meta: CommandMeta) -> CommandMeta:
    """``meta`` with its actor re-resolved from the directory in the ledger, now.

    Only the actor id and the requested role are read from the command: name, org,
    org path and roles come from the directory, and an actor that is not in it or does
    not hold the role is refused. The channel is the one the command carried: it names
    the door the act came through, not a right, and the worker cannot see that door.
    The engine's own acts (role ``system``) pass as they are: the workflows build them,
    and their update validators refuse a person's command that claims ``system``.
    """
    claimed = meta.acting
    if claimed.role is Role.SYSTEM:
        return meta
    try:
        resolved = directory.acting(claimed.actor_id, claimed.role)
    except NotFound as e:
        raise NotAuthorised(
            f"人员 {claimed.actor_id} 不在名录中，不能操作",
            f"{claimed.actor_id} is not in the directory and may not act",
        ) from e
    if resolved.channel != claimed.channel:
        resolved = resolved.model_copy(update={"channel": claimed.channel})
    if resolved == claimed:
        return meta
    return meta.model_copy(update={"acting": resolved})
