"""Who acts in an activity is read from the ledger's directory, never from the request.

Every activity the worker registers goes through :func:`acting_from_ledger` (the
composition root wraps them all), so an update or a forged workflow input that claims a
role its actor does not hold is refused before any ledger step runs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from temporalio import activity

from activities.errors import domain_errors_not_retried
from domain.actors import CommandMeta, check_person

if TYPE_CHECKING:
    from application.directory import DirectoryService

# Activities that start a process from a workflow's start input, which a caller sends:
# only a person opens a case, convenes a session or files a motion, never the engine.
OPENED_BY_A_PERSON = frozenset({"wage_contract.open", "session.convene", "motion.file"})


def _resolved(directory: DirectoryService, request: Any, *, person_only: bool) -> Any:
    """The request with each of its command metas re-resolved from the directory."""
    from application.directory import acting_from_directory

    if not isinstance(request, BaseModel):
        return request
    if person_only:
        for value in vars(request).values():
            if isinstance(value, CommandMeta):
                check_person(value.acting)
    update = {
        name: acting_from_directory(directory, value)
        for name, value in vars(request).items()
        if isinstance(value, CommandMeta)
    }
    return request.model_copy(update=update) if update else request


def acting_from_ledger(
    method: Callable[..., Any], directory: DirectoryService
) -> Callable[..., Any]:
    """The activity ``method``, run with its request's actor resolved from the directory."""
    definition = getattr(method, "__temporal_activity_definition")
    person_only = definition.name in OPENED_BY_A_PERSON

    @domain_errors_not_retried
    def resolve(request: Any) -> Any:
        return _resolved(directory, request, person_only=person_only)

    @functools.wraps(method)
    def run(*args: Any) -> Any:
        return method(*(resolve(a) for a in args))

    # The wrapper must carry the same name and argument types for Temporal's converter.
    run.__dict__.pop("__temporal_activity_definition", None)
    return activity.defn(name=definition.name)(run)
