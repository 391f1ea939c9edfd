"""The one place where domain errors cross into Temporal, and the one shape they cross in.

A ``DomainError`` becomes a non-retryable ``ApplicationError`` whose type is the error's
code and whose details are the Chinese and English messages. Activities raise it through
``domain_errors_not_retried`` and workflow update validators through ``refusal``; anything
else (database down, connection lost) propagates so Temporal retries the activity. The
facades turn it back with ``services.errors``, which reads it with ``refusal_parts``.

This module imports nothing but Temporal's exception types and the domain's errors, so
workflows may pass it through their sandbox.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import ValidationError
from temporalio.exceptions import ApplicationError, ApplicationErrorCategory

from domain.errors import ERRORS_BY_CODE, DomainError
from domain.text import invalid_input

F = TypeVar("F", bound=Callable[..., Any])


def refusal(error: DomainError) -> ApplicationError:
    """A refusal as Temporal carries it: typed, both languages, never retried.

    It is ``BENIGN``: an expected outcome, not a fault, so the worker logs no warning with a
    traceback for it (the activity logs one structured ``refused`` line instead).
    """
    return ApplicationError(
        error.message_en,
        error.message_zh,
        error.message_en,
        type=error.code,
        non_retryable=True,
        category=ApplicationErrorCategory.BENIGN,
    )


def refusal_parts(error: ApplicationError) -> tuple[str, str, str] | None:
    """(code, Chinese, English) of a refusal made by ``refusal``; None for other failures."""
    if error.type not in ERRORS_BY_CODE:
        return None
    details = [str(d) for d in error.details]
    zh = details[0] if details else error.message
    en = details[1] if len(details) > 1 else error.message
    return error.type or DomainError.code, zh, en


def domain_error(code: str, message_zh: str, message_en: str) -> DomainError:
    """The domain error a refusal's code names."""
    return ERRORS_BY_CODE.get(code, DomainError)(message_zh, message_en)


def domain_errors_not_retried(fn: F) -> F:
    """Run an activity body, mapping refusals to non-retryable application errors."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (DomainError, ValidationError) as error:
            refused = invalid_input(error) if isinstance(error, ValidationError) else error
            # Imported here, not at the top: workflows pass this module through their
            # sandbox, and only activities log.
            from activities.log import log_refusal

            log_refusal(refused)
            raise refusal(refused) from error

    return wrapper  # type: ignore[return-value]
