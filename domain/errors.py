"""Domain errors: every refusal a business rule can give, in one hierarchy.

    DomainError                  a command was refused; nothing was written
    ├── NotAuthorised            the actor may not do this (role, org, conflict of interest)
    ├── InvalidInput             the command's data breaks a rule (counts, amounts, dates)
    ├── InvalidState             the case is not at a step where this command applies
    └── NotFound                 the case, actor or organisation does not exist

Each error carries a stable ``code`` (for API clients and Temporal error types) and a
Chinese-first message with its English text.
"""

from __future__ import annotations


class DomainError(Exception):
    """A command was refused by a business rule; nothing was written."""

    code = "domain_error"

    def __init__(self, message_zh: str, message_en: str | None = None) -> None:
        self.message_zh = message_zh
        self.message_en = message_en or message_zh
        super().__init__(f"{message_zh} / {self.message_en}")

    def message(self, lang: str = "zh") -> str:
        """The message in the requested language."""
        return self.message_en if lang == "en" else self.message_zh


class NotAuthorised(DomainError):
    """The actor may not perform this command."""

    code = "not_authorised"


class InvalidInput(DomainError):
    """The command's data breaks a rule."""

    code = "invalid_input"


class InvalidState(DomainError):
    """The case is not at a step where this command applies."""

    code = "invalid_state"


class NotFound(DomainError):
    """The referenced case, actor or organisation does not exist."""

    code = "not_found"


ERRORS_BY_CODE: dict[str, type[DomainError]] = {
    cls.code: cls for cls in (DomainError, NotAuthorised, InvalidInput, InvalidState, NotFound)
}
