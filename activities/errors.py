"""The one place where domain errors cross into Temporal.

A ``DomainError`` becomes a non-retryable ``ApplicationError`` whose type is the error's
code and whose details carry the Chinese and English messages; anything else
(database down, connection lost) propagates so Temporal retries the activity.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from temporalio.exceptions import ApplicationError

from domain.errors import DomainError

F = TypeVar("F", bound=Callable[..., Any])


def to_application_error(error: DomainError) -> ApplicationError:
    """A refusal as Temporal carries it: typed, both languages, never retried."""
    return ApplicationError(
        error.message_en,
        error.message_zh,
        error.message_en,
        type=error.code,
        non_retryable=True,
    )


def domain_errors_not_retried(fn: F) -> F:
    """Run an activity body, mapping refusals to non-retryable application errors."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except DomainError as error:
            raise to_application_error(error) from error

    return wrapper  # type: ignore[return-value]
