"""The CLI's rich output: user text printed as data, never as markup.

How facts read in the user's language (people by name, checks, tallies) is shared with
the web app and lives in ``interfaces.text``.
"""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Table as RichTable
from rich.text import Text

# -- user text is data, never markup ---------------------------------------------------------


def plain(text: object) -> str:
    """Text someone typed (a name, a title, a comment), safe inside a markup string."""
    return escape(str(text))


def styled(markup: str) -> Text:
    """A table cell the CLI itself styles (only code's own strings, never user text)."""
    return Text.from_markup(markup)


class Table(RichTable):
    """A rich table whose string cells and title print as they are, never as markup.

    Every table of the CLI is this one: a comment or a name containing ``[/]`` or
    ``[bold red]`` prints literally and cannot break the output for every reader. A cell
    the CLI styles itself is passed as :func:`styled`.
    """

    def __init__(self, *headers: Any, title: str | Text | None = None, **kwargs: Any) -> None:
        super().__init__(*headers, title=Text(title) if isinstance(title, str) else title, **kwargs)

    def add_row(self, *renderables: Any, **kwargs: Any) -> None:
        super().add_row(*(Text(r) if isinstance(r, str) else r for r in renderables), **kwargs)
