"""What every command group shares: the App, refusals, Temporal, input parsing, output."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import typer
from pydantic import BaseModel, TypeAdapter, ValidationError
from rich.console import Console

from application.input_files import as_model, read_yaml
from bootstrap import App, Facades, build_app, connect
from domain.actors import CHINA_TZ, Acting
from domain.errors import DomainError, InvalidInput, NotAuthorised, NotFound
from domain.text import Key, OptionalLongText, invalid_input, reason
from domain.wage_contract import STAGE_LABELS, Check, WageContractView
from i18n import Lang, pick, t
from interfaces.cli.credentials import claim, claimed, require_person
from interfaces.cli.render import Table, plain, styled
from interfaces.text import check_detail
from payload_codec import PayloadKeyError
from settings import LedgerBackend, Settings

T = TypeVar("T")

# Piped output is not cut to 80 columns: auditors pipe histories into files.
console = Console() if sys.stdout.isatty() else Console(width=200)
err = Console(stderr=True)


def typed(annotation: Any) -> Callable[[Any], Any]:
    """A typer callback checking a value with a domain type (``domain.text``) as it is parsed:
    bad input is refused (exit 2) before anything is built, sent or written."""
    adapter: TypeAdapter[Any] = TypeAdapter(annotation)

    def check(value: Any) -> Any:
        if value is None:
            return None
        try:
            return adapter.validate_python(value)
        except ValidationError as e:
            zh, en = reason(e)
            raise typer.BadParameter(en if Lang.code == "en" else zh) from None

    return check


def _person(value: Any) -> Any:
    """The ``--as`` of a person's act: a valid id, remembered so that ``open_app`` asks for
    that person's own token (``interfaces.cli.credentials``)."""
    actor = typed(Key)(value)
    claim(actor)
    return actor


AS = typer.Option(
    ...,
    "--as",
    callback=_person,
    help="以此人员身份操作（须先 unionflow login --as 此人） / act as this actor (after "
    "unionflow login --as them)",
)
COMMENT = typer.Option(
    "",
    "--comment",
    "-m",
    callback=typed(OptionalLongText),
    help="说明 / comment recorded with the event",
)
OPERATOR = typer.Option(
    None,
    "--as",
    callback=typed(Key),
    help="运维管理员编号（须有 operator 角色） / the operator's actor id (operator role)",
)


def operator_acting(application: App, actor: str | None) -> Acting:
    """The operator acting, from the directory in the ledger; refused otherwise."""
    if actor is None:
        raise NotAuthorised(
            "此操作须由运维管理员执行：请用 --as 指定",
            "an operator must do this: name one with --as",
        )
    acting = application.directory.as_operator(actor)
    require_person(application, actor, operator=True)
    return acting


CASE = typer.Argument(..., callback=typed(Key), help="案件编号 / case id")
SESSION = typer.Argument(..., callback=typed(Key), help="会议编号 / session id")
ITEM = typer.Argument(..., min=1, max=1000, help="议题号 / agenda item number")
MOTION = typer.Argument(..., callback=typed(Key), help="提案编号 / motion id")
RECEIPT = typer.Argument(..., callback=typed(Key), help="回执码 / receipt")
COMMAND_ID = typer.Option(
    None, "--command-id", callback=typed(Key), help="幂等命令号 / idempotency key (default: new)"
)


# -- running a command ---------------------------------------------------------------------


def open_app(*, create: bool = False) -> App:
    """The application graph, built from settings for one command.

    Only a command that sets a ledger up (``create``) may start one: any other command,
    run where no ledger is, is refused naming the place, not left with an empty ledger.
    """
    settings = Settings()
    ledger = settings.sqlite_path
    if not create and settings.ledger_backend is LedgerBackend.SQLITE and not ledger.exists():
        fail(
            NotFound(
                f"此处没有账本：{ledger}（先运行 unionflow up 或 unionflow directory load，"
                "或设置 UNIONFLOW_DATA_DIR）",
                f"no ledger at {ledger}: run unionflow up or unionflow directory load "
                "first, or set UNIONFLOW_DATA_DIR",
            )
        )
    application = build_app(settings)
    person = claimed()
    if person is not None:
        try:
            require_person(application, person)
        except DomainError as e:
            application.close()
            fail(e)
    return application


def fail(error: Exception) -> None:
    """A refusal ends the command with its message and exit code 2; anything else is raised.

    A model that refused its input (``ValidationError``) is the ``InvalidInput`` refusal.
    """
    if isinstance(error, ValidationError):
        error = invalid_input(error)
    if isinstance(error, DomainError):
        err.print(f"[bold red]{t('refused')}[/]: {plain(error.message(Lang.code))}")
        raise typer.Exit(2)
    raise error


def run(fn: Callable[[App], T], *, create: bool = False) -> T:
    """Run ``fn`` on a fresh App (no Temporal server needed); refusals exit 2."""
    application = open_app(create=create)
    try:
        return fn(application)
    except DomainError as e:
        fail(e)
        raise
    finally:
        application.close()


def run_async(fn: Callable[[App, Facades], Awaitable[T]]) -> T:
    """Run ``fn`` with the facades connected to Temporal; exit 3 when it is unreachable."""

    async def go() -> T:
        application = open_app()
        try:
            try:
                client = await connect(application.settings)
            except PayloadKeyError:  # the key file, not the server: refused at the root
                raise
            except Exception as e:
                err.print(
                    f"[red]无法连接 Temporal 服务 / cannot reach the Temporal server: {plain(e)}[/]\n"
                    "先运行 / first run: make run  (unionflow up)"
                )
                raise typer.Exit(3) from e
            return await fn(application, application.facades(client))
        finally:
            application.close()

    try:
        return asyncio.run(go())
    except DomainError as e:
        fail(e)
        raise


# -- input ------------------------------------------------------------------------------------


def load_yaml(path: Path, what: str) -> Any:
    """A YAML file read within the import limits; ``what`` names it in Chinese."""
    try:
        return read_yaml(path, Settings().import_limits, what)
    except InvalidInput as e:
        fail(e)


def load_model(path: Path, model: type[BaseModel], what: str) -> Any:
    """A YAML file validated as ``model``; a bad file is refused naming the first problem."""
    raw = load_yaml(path, what)
    try:
        return as_model(raw, model, what, str(path))
    except InvalidInput as e:
        fail(e)


def parse_date(value: str, *, hint: bool = False) -> date:
    """A date: YYYY-MM-DD, or ``today``, ``today+N`` / ``today-N`` (N days from today in
    China); ``hint`` adds the expected format to the Chinese refusal."""
    text = value.strip().lower()
    if text.startswith("today"):
        offset = text[len("today") :]
        if offset == "" or (offset[0] in "+-" and offset[1:].isdigit() and len(offset) <= 6):
            days = int(offset) if offset else 0
            return datetime.now(CHINA_TZ).date() + timedelta(days=days)
    try:
        return date.fromisoformat(value)
    except ValueError:
        suffix = "（应为 YYYY-MM-DD 或 today、today+7、today-7）" if hint else ""
        fail(InvalidInput(f"日期格式无效：{value}{suffix}", f"not a date: {value}"))
        raise


def parse_time(value: str | None) -> datetime | None:
    """An ISO instant, in China time when it names no zone."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        fail(InvalidInput(f"时间格式无效：{value}", f"not an ISO time: {value}"))
        raise
    return moment if moment.tzinfo else moment.replace(tzinfo=CHINA_TZ)


# -- output ------------------------------------------------------------------------------------


def stage(view: WageContractView) -> str:
    """The stage of a wage contract case, in the current language."""
    return pick(STAGE_LABELS[view.stage])


def print_view(view: WageContractView) -> None:
    """One line on where a wage contract case stands."""
    console.print(
        f"[bold]{t('case')} {view.case_id}[/] · {view.unit_org} · {t('stage')}: [cyan]{stage(view)}[/]"
        f" · {t('version')} {view.version}"
    )


def print_checks(checks: list[Check]) -> None:
    """A table of checks: label, hard or not, passed or failed, detail."""
    table = Table()
    for col in ("check", "hard", "result", "detail"):
        table.add_column(t(col))
    for c in checks:
        label = c.label_en if Lang.code == "en" else c.label_zh
        mark = styled(f"[green]{t('passed')}[/]" if c.passed else f"[red]{t('failed')}[/]")
        table.add_row(label, "●" if c.hard else "", mark, check_detail(c))
    console.print(table)
