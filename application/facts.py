"""Facts from the ledger that a process's rules need: roster membership, departments.

Activities and facades both ask here, so a workflow's validator and its activity decide
on the same facts.
"""

from __future__ import annotations

from application.congress import CongressService
from application.directory import DirectoryService
from domain.actors import Role
from domain.errors import NotFound
from domain.motion import MotionFacts, facts_for


def department_org(directory: DirectoryService, code: str) -> str | None:
    """The org of an actor holding the department role (None when there is no such actor)."""
    try:
        record = directory.actor(code)
    except NotFound:
        return None
    return record.spec.org if Role.DEPARTMENT in record.spec.roles else None


class Facts:
    """Looks up the facts a process's command needs, for activities and facades alike."""

    def __init__(self, congresses: CongressService, directory: DirectoryService) -> None:
        self.congresses = congresses
        self.directory = directory

    def for_motion(self, command: object, actor_id: str, congress_key: str) -> MotionFacts:
        """The roster and directory facts a motion command needs."""
        return facts_for(
            command,
            actor_id,
            is_delegate=lambda a: self.congresses.delegate(congress_key, a) is not None,
            department_org=lambda code: department_org(self.directory, code),
        )
