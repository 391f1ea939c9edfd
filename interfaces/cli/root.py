"""The root ``unionflow`` app: the ``--lang`` option and every command group."""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
from typing import Any

import typer
from pydantic import ValidationError
from typer.core import TyperGroup

from application.channel import set_channel
from domain.actors import Channel
from domain.errors import DomainError, InvalidInput
from i18n import Lang
from interfaces.cli import (
    accounts,
    audit,
    award,
    calendar,
    campaign,
    campaign_run,
    cases,
    congress,
    contest,
    contest_export,  # noqa: F401 - registers its command on contest.app
    contest_notice,  # noqa: F401 - registers its commands on contest.app
    directory,
    keys,
    login,
    motion,
    profiles,
    safety,
    sessions,
    stack,
    wage,
)
from interfaces.cli._common import fail
from interfaces.cli.campaign_progress import add_progress_commands
from interfaces.cli.credentials import claim
from logs import configure_logging
from payload_codec import PayloadKeyError
from settings import Settings


class _RefusingGroup(TyperGroup):
    """The root group: a refusal from any command, however deep, exits 2 with its reason.

    Commands build their models from what a person typed; a model that refuses it raises
    ``ValidationError`` wherever it is built, and a rule raises ``DomainError``. Both end
    here as one line on stderr instead of a traceback, and so does a payload key file that
    cannot be used (missing, malformed, readable by others).
    """

    def invoke(self, ctx: Any) -> Any:  # typer's own (vendored) click.Context
        try:
            return super().invoke(ctx)
        except (DomainError, ValidationError) as error:
            fail(error)
            raise
        except PayloadKeyError as error:  # a payload key file that cannot be used
            fail(InvalidInput(error.message_zh, error.message_en))
            raise


app = typer.Typer(
    cls=_RefusingGroup,
    help="UnionFlow 工会业务流程引擎 / trade-union workflow engine",
    no_args_is_help=True,
)


@app.callback()
def _main(
    ctx: typer.Context,
    lang: str = typer.Option("zh", "--lang", help="zh（默认）或 en / zh (default) or en"),
) -> None:
    Lang.code = "en" if lang.lower().startswith("en") else "zh"
    claim(None)  # a command's ``--as`` names the person this invocation acts as
    # Every act of this invocation is recorded as made on the CLI (until it ends: a test
    # that invokes the CLI keeps its own channel afterwards).
    ctx.call_on_close(set_channel(Channel.CLI))
    settings = Settings()
    configure_logging(
        settings.log_format, "WARNING" if settings.log_level == "INFO" else settings.log_level
    )


# The order here is the order of ``unionflow --help``.
for command in (
    stack.up,
    stack.worker,
    stack.web,
    stack.migrate,
    stack.demo,
    login.login,
    login.logout,
    login.whoami,
    cases.tasks,
    cases.status,
    cases.history,
):
    app.command()(command)

app.add_typer(directory.app, name="directory")
app.add_typer(wage.app, name="wage")
app.add_typer(audit.app, name="audit")
app.add_typer(keys.app, name="keys")
app.add_typer(profiles.app, name="profiles")
app.add_typer(calendar.app, name="calendar")
# The congress group holds its terms and rosters, then its sessions' commands.
sessions.register(congress.app)
app.add_typer(congress.app, name="congress")
app.add_typer(motion.app, name="motion")
app.add_typer(accounts.app, name="accounts")
app.add_typer(award.app, name="award")
app.add_typer(contest.app, name="contest")
app.add_typer(safety.app, name="safety")
app.add_typer(campaign.app, name="campaign")
add_progress_commands(campaign.app)
campaign_run.register(campaign.app)  # the workflow's start, status, remind-now, close


def main() -> None:
    """Console entry point: run one command, then end the process without finalisation.

    The Temporal client's Rust core keeps its own threads, which Python cannot stop, and
    they may still release a Python object while the interpreter finalises; about one
    command in a hundred then died with ``Fatal Python error: PyGILState_Release``
    (exit 134) or a segfault after its work was done (temporalio/sdk-python#300). By the
    time ``app()`` returns, everything a command does is complete: each ledger write is
    committed and ``App.close()`` has closed the connections, every Temporal call has
    returned and its event loop is closed, and no Python thread but this one is left.
    So after the exit handlers (logging's flush among them) and a flush of stdout and
    stderr, nothing is left for finalisation but freeing memory: ``os._exit`` skips it.
    """
    try:
        app()
        code: object = 0
    except SystemExit as stop:
        code = stop.code
    except BaseException:  # noqa: BLE001 -- a bug: shown as typer shows it, then the same end
        sys.excepthook(*sys.exc_info())
        code = 1
    os._exit(_exit_status(code))


def _exit_status(code: object) -> int:
    """Run the exit handlers, flush the output, and map ``SystemExit.code`` to a status."""
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe must not change the status
            stream.flush()
    return code or 0
