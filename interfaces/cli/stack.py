"""Top-level commands of the stack: ``up``, ``worker``, ``migrate``, ``demo``."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer

from bootstrap import build_app, build_ledger
from domain.errors import NotAuthorised
from i18n import pick
from interfaces.cli._common import console, fail
from ledger.files import private_file
from logs import configure_logging
from settings import LedgerBackend, Settings

DEMO_MARKER = ".unionflow-demo"  # in a data directory the demo made

# The stack, the worker and the demo are imported when their command runs: the other
# commands start without them.


def up(
    no_worker: bool = typer.Option(False, "--no-worker", help="只启动服务 / server only"),
) -> None:
    """启动本地环境（Temporal 开发服务器 + 工作进程） / start the local stack."""
    from stack import run_stack

    asyncio.run(run_stack(Settings(), console, with_worker=not no_worker))


def worker() -> None:
    """对已有服务器运行工作进程 / run a worker against an existing server."""
    from worker import run_worker

    settings = Settings()
    configure_logging(settings.log_format, settings.log_level)
    application = build_app(settings, migrate=True)  # the ledger's tables, on PostgreSQL
    try:
        asyncio.run(run_worker(application))
    finally:
        application.close()


def web() -> None:
    """启动网页应用（需另行运行服务器与工作进程） / serve the web app on its own."""
    from interfaces.web.serve import server, url

    settings = Settings()
    configure_logging(settings.log_format, settings.log_level)
    console.print(f"{pick(('网页应用', 'Web app'))}: {url(settings)}")
    server(settings).run()


def migrate() -> None:
    """创建账本数据表（PostgreSQL：安装、升级后运行；可重复、可并发） / create the ledger's
    tables (PostgreSQL: after installing or upgrading; safe to repeat and to run at once)."""
    settings = Settings()
    build_ledger(settings, migrate=True).close()
    where = (
        f"PostgreSQL {settings.postgres_host}:{settings.postgres_port}/{settings.postgres_db}"
        f" ({pick(('模式', 'schema'))} {settings.postgres_schema or 'public'})"
        if settings.ledger_backend is LedgerBackend.POSTGRES
        else str(settings.sqlite_path)
    )
    console.print(f"[green]✓[/] {pick(('账本数据表已就绪', 'ledger tables ready'))}: {where}")


def demo(
    data_dir: Path | None = typer.Option(
        None,
        "--data-dir",
        file_okay=False,
        help="演示数据目录（默认：数据目录下的 demo/） / where the demo writes (default: demo/ "
        "inside the data directory; never the production ledger unless named here)",
    ),
) -> None:
    """在时间跳跃服务器上演示完整流程 / run the whole lifecycle on the time-skipping server."""
    from demo import run_demo

    settings = Settings().for_demo(data_dir)
    console.print(f"{pick(('演示数据目录', 'Demo data directory'))}: {settings.data_dir}")
    # The demo acts in-process as the people of its story: only in a ledger of its own.
    marker = settings.data_dir / DEMO_MARKER
    if settings.sqlite_path.exists() and not marker.exists():
        fail(
            NotAuthorised(
                f"{settings.data_dir} 中已有不是演示创建的账本：演示只写入它自己的账本",
                f"{settings.data_dir} holds a ledger the demo did not make: the demo writes "
                "only into a ledger of its own",
            )
        )
    private_file(marker)
    application = build_app(settings)
    try:
        code = asyncio.run(run_demo(application, console))
    finally:
        application.close()
    raise typer.Exit(code)
