"""Who may act: the actor predicates every process shares, each refusing with one message.

A process's own ``permissions`` module says *which* predicate guards *which* command at
which stage; the predicates themselves live here, so "only a cadre of this unit" is
written once.
"""

from __future__ import annotations

from domain.actors import Acting, Role
from domain.errors import NotAuthorised

Label = tuple[str, str]  # (Chinese, English)


def is_unit_cadre(acting: Acting, unit_org: str) -> bool:
    """A union cadre (工会干部) of the unit itself."""
    return acting.role is Role.CADRE and acting.org_id == unit_org


def check_unit_cadre(
    acting: Acting, unit_org: str, what: Label, *, acting_as: Label | None = None
) -> None:
    """Only a cadre of ``unit_org`` may do ``what`` (optionally in a named capacity)."""
    if not is_unit_cadre(acting, unit_org):
        as_zh = f"（{acting_as[0]}）" if acting_as else ""
        as_en = f", as {acting_as[1]}," if acting_as else ""
        raise NotAuthorised(
            f"只有本单位（{unit_org}）工会干部{as_zh}可以{what[0]}",
            f"only a cadre of {unit_org}{as_en} may {what[1]}",
        )


def check_engine(acting: Acting) -> None:
    """Only the engine itself (a deadline, an escalation) performs this step."""
    if acting.role is not Role.SYSTEM:
        raise NotAuthorised("此操作只能由系统执行", "only the engine performs this step")
