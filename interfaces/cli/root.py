"""The root ``unionflow`` app: the ``--lang`` option and every command group."""

from __future__ import annotations

import typer

from i18n import Lang
from interfaces.cli import (
    audit,
    calendar,
    cases,
    congress,
    directory,
    motion,
    profiles,
    sessions,
    stack,
    wage,
)
from logs import configure_logging
from settings import Settings

app = typer.Typer(
    help="UnionFlow 工会业务流程引擎 / trade-union workflow engine", no_args_is_help=True
)


@app.callback()
def _main(
    lang: str = typer.Option("zh", "--lang", help="zh（默认）或 en / zh (default) or en"),
) -> None:
    Lang.code = "en" if lang.lower().startswith("en") else "zh"
    settings = Settings()
    configure_logging(
        settings.log_format, "WARNING" if settings.log_level == "INFO" else settings.log_level
    )


# The order here is the order of ``unionflow --help``.
for command in (stack.up, stack.worker, stack.demo, cases.tasks, cases.status, cases.history):
    app.command()(command)

app.add_typer(directory.app, name="directory")
app.add_typer(wage.app, name="wage")
app.add_typer(audit.app, name="audit")
app.add_typer(profiles.app, name="profiles")
app.add_typer(calendar.app, name="calendar")
# The congress group holds its terms and rosters, then its sessions' commands.
sessions.register(congress.app)
app.add_typer(congress.app, name="congress")
app.add_typer(motion.app, name="motion")


def main() -> None:
    """Console entry point."""
    app()
