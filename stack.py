"""The embedded local stack: Temporal's dev server (from PyPI) and a worker, one command.

The server keeps its database under the data directory, so processes survive the
stack being stopped and started again.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from pathlib import Path

from rich.console import Console
from rich.table import Table
from temporalio.testing import WorkflowEnvironment

from bootstrap import build_app, build_worker, data_converter, temporal_binary
from interfaces.web.context import WebContext
from interfaces.web.serve import Embedded, url
from ledger.files import close_files, private_dir
from logs import configure_logging
from settings import Settings
from worker import seal_periodically, wake_complete_rolls

EXAMPLE_DIRECTORY = Path(__file__).resolve().parent / "examples" / "directory.yaml"
EXAMPLE_OPERATOR = "ops.admin"  # declared by the example directory


async def run_stack(settings: Settings, console: Console, *, with_worker: bool = True) -> None:
    """Start the dev server and a worker; stop both cleanly on Ctrl-C or SIGTERM."""
    configure_logging(settings.log_format, "WARNING")
    for port in (settings.dev_server_port, settings.dev_server_ui_port, settings.web_port):
        if port_in_use(port):
            console.print(
                f"[red]端口 {port} 已被占用：本地环境可能已在运行 / port {port} is in use: "
                "is a stack already running?[/]"
            )
            raise SystemExit(4)
    data_dir = private_dir(settings.data_dir.resolve())
    app = build_app(settings, migrate=True)  # the ledger's tables, on PostgreSQL
    app.use_io_threads()
    if app.directory.summary()["organisations"] == 0 and EXAMPLE_DIRECTORY.exists():
        report = app.directory.load(
            app.directory.parse(EXAMPLE_DIRECTORY),
            operator=EXAMPLE_OPERATOR,
            source=str(EXAMPLE_DIRECTORY),
        )
        console.print(
            f"首次启动：已导入示例名录 / first start: example directory loaded ({report.created})"
        )
    console.print("正在启动 Temporal 开发服务器… / starting the Temporal dev server…")
    env = await start_dev_server(settings, data_dir)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    table = Table(title="UnionFlow 本地环境 / local stack", show_header=False)
    table.add_row(
        "Temporal",
        f"127.0.0.1:{settings.dev_server_port} (namespace {settings.temporal_namespace})",
    )
    table.add_row("Temporal UI", f"http://127.0.0.1:{settings.dev_server_ui_port}")
    table.add_row("网页 web", url(settings))
    table.add_row("任务队列 task queue", settings.task_queue)
    table.add_row(
        "账本 ledger",
        str(settings.sqlite_path.resolve())
        if settings.ledger_backend.value == "sqlite"
        else "PostgreSQL",
    )
    table.add_row("数据目录 data dir", str(data_dir))
    table.add_row("工作进程 worker", "运行中 running" if with_worker else "未启动 not started")
    web = Embedded(settings, WebContext(app, env.client))
    await web.start()  # the printed URL answers once "Ctrl-C" is shown
    console.print(table)
    console.print("按 Ctrl-C 停止 / press Ctrl-C to stop")
    try:
        if with_worker:
            async with build_worker(env.client, app):
                sealing = asyncio.create_task(seal_periodically(app, stop))
                rolls = asyncio.create_task(wake_complete_rolls(app, env.client, stop))
                await stop.wait()
                await sealing
                await rolls
        else:
            await stop.wait()
        await web.stop()
    finally:
        console.print("正在停止… / stopping…")
        await env.shutdown()
        app.close()
        console.print("已停止 / stopped")


async def start_dev_server(settings: Settings, data_dir: Path) -> WorkflowEnvironment:
    """Temporal's dev server with its database in ``data_dir``, readable by its owner only.

    The server inherits a umask of 077, so it creates ``temporal.db`` (and its -wal, -shm)
    0600; a database created by an earlier version is closed once the server is up.
    """
    previous = os.umask(0o077)
    try:
        env = await WorkflowEnvironment.start_local(
            namespace=settings.temporal_namespace,
            data_converter=data_converter(settings),
            port=settings.dev_server_port,
            ui=True,
            ui_port=settings.dev_server_ui_port,
            dev_server_existing_path=str(temporal_binary("temporal")),
            dev_server_database_filename=str(data_dir / "temporal.db"),
            dev_server_log_level="error",
        )
    finally:
        os.umask(previous)
    close_files(data_dir, "temporal.db*")
    return env


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something already listens on ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0
