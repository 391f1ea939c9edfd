"""Benchmark: the campaign dashboard page at 10,000 units.

A wage-bargaining campaign (``wage-bargaining-2026``) of dl-city over ``--units`` generated
units (default 10,000, three districts, four industries), imported from a CSV through
``CampaignLedger.import_units``; ``--counted`` of them report and have their report
approved by their district union (through the ledger, as the pages do). Then, through the
web app in this process (httpx over ASGI, the real sign-in middleware with a session of the
app's store, no network), ``GET /campaigns/KEY`` is timed ``--repeats`` times: the first
(cold: the read models catch up) apart, then live p50/p95 with nothing new, live after one
new approved report each time (the incremental path), a later page of the laggards as the
htmx fragment, ``GET /api/v1/campaigns/KEY/progress``, and the dashboard ``?at=`` a past
instant: the first rebuilt from the ledger, then again while nothing is recorded (the
pages keep a report per ledger head: ``interfaces.web.pages.campaigns.ProgressMemo``).
Prints a table; no thresholds (the issue's goal is the dashboard under 200 ms p95 at
10,000 units).

    python bench/campaign_dashboard.py --units 10000 --counted 2000 --repeats 50
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from rich.console import Console
from rich.table import Table

from bootstrap import App, build_app
from contracts.campaign import OpenPeriodRequest
from domain.actors import Acting, CommandMeta, Role, system_acting
from interfaces.web.app import create_app
from interfaces.web.context import WebContext
from logs import configure_logging
from settings import Settings
from tests.conftest import EXAMPLE_DIRECTORY
from tests.web.pages_support import sign_in_from_header

KEY = "wage-bargaining-2026"
DISTRICTS = [("甘井子区", "dl-ganjingzi"), ("沙河口区", ""), ("中山区", "")]
INDUSTRIES = ["制造业", "纺织服装", "农林水利", "商贸服务"]
WHICH = {"indicator": "wage_contract", "period": "2026H2"}


def write_units(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["code", "name", "district", "industry", "ownership", "employees",
                    "unionised", "district_org"])  # fmt: skip
        for i in range(1, n + 1):
            d, org = DISTRICTS[i % 3]
            w.writerow([f"b{i:05d}", f"基准单位{i}", d, INDUSTRIES[i % 4],
                        "公有" if i % 5 == 0 else "非公有", 20 + i % 900, "是", org])  # fmt: skip
    return path


def stamp(acting: Acting, at: datetime) -> CommandMeta:
    return CommandMeta(command_id=f"bench:{uuid.uuid4()}", acting=acting, occurred_at=at)


def unit_cadre(code: str) -> Acting:
    """The unit's cadre as the domain checks it (the bench's units have no directory
    entries: the stamp is made here, as ``bench/read_side.py`` saves records directly)."""
    return Acting(actor_id=f"cadre.{code}", name=code, role=Role.CADRE, roles=[Role.CADRE],
                  org_id=code, org_path=["dl-city", code])  # fmt: skip


def reviewer_of(app: App, i: int) -> Acting:
    return app.directory.acting("chen.jing" if i % 3 == 0 else "li.wei", Role.REVIEWER)


def count_one(app: App, i: int, at: datetime) -> None:
    code = f"b{i:05d}"
    c = app.campaigns
    c.submit(KEY, code, **WHICH, value=1, evidence="合同备案回执", note="",
             meta=stamp(unit_cadre(code), at))  # fmt: skip
    c.approve(KEY, code, **WHICH, meta=stamp(reviewer_of(app, i), at))


def set_up(app: App, tmp: Path, units: int, counted: int) -> dict[str, float]:
    times: dict[str, float] = {}
    opened = datetime(2026, 6, 1, 2, tzinfo=UTC)
    organiser = app.directory.acting("sun.lihua", Role.CADRE)
    app.campaigns.open(KEY, "dl-city", stamp(organiser, opened))
    path = write_units(tmp / "units.csv", units)
    t = time.perf_counter()
    app.campaigns.import_units(KEY, path, stamp(organiser, opened))
    times["import"] = time.perf_counter() - t
    for period, at in (("2026H1", opened), ("2026H2", datetime(2026, 7, 1, 2, tzinfo=UTC))):
        req = OpenPeriodRequest(campaign_key=KEY, period=period, meta=stamp(system_acting(), at))
        app.campaigns.open_period(req)
    t = time.perf_counter()
    # Only the units of the districts whose reviewers are in the directory (dl-ganjingzi
    # and the organiser dl-city review them all): every unit qualifies.
    step = max(1, units // counted) if counted else units + 1
    done = 0
    for i in range(1, units + 1, step):
        if done >= counted:
            break
        count_one(app, i, datetime(2026, 7, 10, 2, tzinfo=UTC) + timedelta(seconds=i))
        done += 1
    times["counted"] = done
    times["reports"] = time.perf_counter() - t
    return times


def pct(latencies: list[float], p: int) -> float:
    if len(latencies) == 1:
        return latencies[0] * 1000
    return statistics.quantiles(latencies, n=100, method="inclusive")[p - 1] * 1000


async def timed(get: Callable[[], Awaitable[httpx.Response]], repeats: int,
                before: Callable[[int], None] | None = None) -> list[float]:  # fmt: skip
    found = []
    for n in range(repeats):
        if before is not None:
            before(n)
        t = time.perf_counter()
        r = await get()
        found.append(time.perf_counter() - t)
        if r.status_code != 200:
            raise SystemExit(f"{r.request.url}: {r.status_code} {r.text[:300]}")
    return found


async def run(args: argparse.Namespace, tmp: Path) -> list[tuple[str, str]]:
    settings = Settings(data_dir=tmp / "var", rule_profile="liaoning")
    app = build_app(settings)
    rows: list[tuple[str, str]] = []
    try:
        app.directory.load(app.directory.parse(EXAMPLE_DIRECTORY), operator="ops.admin")
        setup = set_up(app, tmp, args.units, args.counted)
        rows += [
            ("units imported", f"{args.units:,}"),
            ("import time", f"{setup['import']:.1f} s"),
            (
                "reports submitted + approved",
                f"{int(setup['counted']):,} in {setup['reports']:.1f} s",
            ),
        ]
        context = WebContext(app)
        web = create_app(context=context)
        sign_in_from_header(web, context)
        who = {"x-test-actor": "sun.lihua", "accept": "text/html"}
        async with web.router.lifespan_context(web):
            transport = httpx.ASGITransport(app=web)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                page = f"/campaigns/{KEY}"

                async def dashboard() -> httpx.Response:
                    return await client.get(page, headers=who)

                cold = await timed(dashboard, 1)
                rows.append(
                    ("dashboard, first request (read models catch up)", f"{cold[0] * 1000:.0f} ms")
                )
                live = await timed(dashboard, args.repeats)
                rows.append(("dashboard live, nothing new: p50 / p95",
                             f"{pct(live, 50):.0f} / {pct(live, 95):.0f} ms"))  # fmt: skip
                base = args.units - 1  # units not counted yet (the last ones)
                now = datetime.now(UTC)
                changed = await timed(
                    dashboard, args.repeats, before=lambda n: count_one(app, base - 3 * n, now)
                )
                rows.append(("dashboard live, one new approved report before each: p50 / p95",
                             f"{pct(changed, 50):.0f} / {pct(changed, 95):.0f} ms"))  # fmt: skip
                fragment = {**who, "hx-request": "true"}

                async def later_page() -> httpx.Response:
                    return await client.get(f"{page}?page=20&size=50", headers=fragment)

                paged = await timed(later_page, args.repeats)
                rows.append(("laggards page 20 (htmx fragment): p50 / p95",
                             f"{pct(paged, 50):.0f} / {pct(paged, 95):.0f} ms"))  # fmt: skip
                api_who = {"x-test-actor": "sun.lihua", "accept": "application/json"}

                async def api() -> httpx.Response:
                    return await client.get(f"/api/v1/campaigns/{KEY}/progress", headers=api_who)

                progress = await timed(api, args.repeats)
                rows.append(("GET /api/v1/campaigns/KEY/progress: p50 / p95",
                             f"{pct(progress, 50):.0f} / {pct(progress, 95):.0f} ms"))  # fmt: skip

                async def past() -> httpx.Response:
                    return await client.get(f"{page}?at=2026-08-01T10:00", headers=who)

                at = await timed(past, args.at_repeats)
                rows.append(("dashboard ?at= a past instant, first (rebuilt from the ledger)",
                             f"{at[0] * 1000:.0f} ms"))  # fmt: skip
                if len(at) > 1:
                    again = at[1:]
                    rows.append((f"dashboard ?at= again, nothing new ({len(again)}×): p50 / max",
                                 f"{pct(again, 50):.0f} / {max(again) * 1000:.0f} ms"))  # fmt: skip
                size = len((await dashboard()).content)
                rows.append(("dashboard HTML size", f"{size / 1024:.0f} KiB"))
    finally:
        app.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--counted", type=int, default=2_000, help="units with an approved report")
    parser.add_argument("--repeats", type=int, default=50, help="timed GETs of each kind")
    parser.add_argument("--at-repeats", type=int, default=5, help="timed GETs of ?at=")
    args = parser.parse_args()
    if min(args.units, args.repeats, args.at_repeats) < 1 or not 0 <= args.counted < args.units:
        parser.error("--units, --repeats, --at-repeats ≥ 1 and 0 ≤ --counted < --units")
    configure_logging("console", "WARNING")
    with tempfile.TemporaryDirectory(prefix="bench-campaign-dashboard-") as tmp:
        rows = asyncio.run(run(args, Path(tmp)))
    table = Table(title=f"Campaign dashboard at {args.units:,} units")
    table.add_column("measurement")
    table.add_column("value", justify="right")
    for name, value in rows:
        table.add_row(name, value)
    console = Console()
    console.print(table)
    console.print(
        "In-process (httpx over ASGI, the app's own sign-in middleware, no network): the "
        "server's time per request. One process, the SQLite ledger in a temporary directory."
    )


if __name__ == "__main__":
    main()
