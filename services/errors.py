"""The one place where Temporal's failures become domain errors for callers."""

from __future__ import annotations

from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError

from domain.errors import ERRORS_BY_CODE, DomainError, InvalidState


def as_domain_error(error: BaseException) -> DomainError | None:
    """The refusal inside a failed update, or None when it is not a refusal."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ApplicationError) and cause.type in ERRORS_BY_CODE:
            details = [str(d) for d in cause.details]
            zh = details[0] if details else cause.message
            en = details[1] if len(details) > 1 else cause.message
            if " / " in zh and not details:
                zh, en = zh.split(" / ", 1)
            return ERRORS_BY_CODE[cause.type](zh, en)
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
