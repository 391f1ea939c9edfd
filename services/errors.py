"""The one place where Temporal's failures become domain errors for callers.

It reads the shape that ``activities.errors.refusal`` gives every refusal, whether an
activity or a workflow's update validator refused.
"""

from __future__ import annotations

from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError

from activities.errors import domain_error, refusal_parts
from domain.errors import DomainError, InvalidState


def as_domain_error(error: BaseException) -> DomainError | None:
    """The refusal inside a failed update, or None when it is not a refusal."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ApplicationError):
            parts = refusal_parts(cause)
            if parts is not None:
                return domain_error(*parts)
        cause = cause.__cause__ or getattr(cause, "cause", None)
    return None


def raise_domain_error(error: BaseException) -> None:
    """Re-raise a refusal as its domain error; anything else unchanged."""
    domain = as_domain_error(error)
    if domain is not None:
        raise domain from None
    if isinstance(error, RPCError) and "not found" in str(error).lower():
        raise InvalidState("流程未运行", "the process is not running") from error
    raise error
