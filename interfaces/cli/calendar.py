"""``unionflow calendar``: the statutory work-day calendar."""

from __future__ import annotations

from pathlib import Path

import typer

from application.calendar import record_schedule
from bootstrap import App, Facades
from domain.calendar import CalendarDataError
from domain.errors import DomainError, InvalidInput
from domain.text import MAX_DAYS
from i18n import t
from interfaces.cli._common import (
    OPERATOR,
    console,
    fail,
    open_app,
    operator_acting,
    parse_date,
    run_async,
)

app = typer.Typer(help="工作日历 / work-day calendar", no_args_is_help=True)


@app.command("deadline")
def calendar_deadline(
    start: str = typer.Argument(..., help="起算日 YYYY-MM-DD / start date"),
    days: int = typer.Argument(..., min=0, max=MAX_DAYS, help="工作日数 / working days"),
) -> None:
    """计算 N 个工作日后的期限 / the date N working days after START."""
    day = parse_date(start)
    application = open_app()
    try:
        deadline = application.calendar.current().add_working_days(day, days)
    finally:
        application.close()
    mark = t("provisional") if deadline.provisional else ""
    console.print(f"{deadline.date}{mark}")


@app.command("load")
def calendar_load(
    file: Path = typer.Argument(..., exists=True, readable=True), actor: str | None = OPERATOR
) -> None:
    """导入某年度节假日安排并更正暂定期限（须由运维管理员） / load a year's schedule (an operator)."""
    application = open_app()
    try:
        try:
            acting = operator_acting(application, actor)
            schedule = application.calendar.install(file)
            record_schedule(application.ledger, schedule, acting, file.name)
        except CalendarDataError as e:
            fail(InvalidInput(f"节假日安排无效：{e}", f"invalid schedule: {e}"))
        except DomainError as e:
            fail(e)
        console.print(
            f"[green]✓[/] {schedule.year} 年节假日安排已导入 / schedule for {schedule.year} loaded"
            f" ({len(schedule.holidays)} holidays, {len(schedule.workdays)} adjusted working days)"
        )
    finally:
        application.close()

    async def correct(application: App, facades: Facades) -> list[str]:
        svc = facades.wage_contracts
        done = []
        for view in svc.provisional_cases(schedule.year):
            await svc.correct_deadlines(view.case_id)
            done.append(view.case_id)
        return done

    corrected = run_async(correct)
    console.print(f"已更正暂定期限的案件 / cases corrected: {', '.join(corrected) or '—'}")
