"""Benchmark: a campaign's population import (CSV and XLSX) of N units (default 10,000) and a
reminder round over them, through ``App.campaigns`` on a fresh SQLite ledger.

Printed, wall and CPU seconds: the CSV import (N units joined in one transaction); the first
list of the units after it (the read side folding the log); the same in a cold process (a
new App on the ledger); a re-import of the same file (a no-op); an XLSX import of N more
units; and one reminder round (pages of 500 over 2N units, each unit lagging).
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openpyxl import Workbook

from bootstrap import App, build_app
from contracts.campaign import OpenPeriodRequest, RemindPageRequest
from domain.actors import CommandMeta, Role, system_acting
from settings import Settings

ROOT = Path(__file__).resolve().parent.parent
KEY = "double-contract-2026"
HEADER = ["code", "name", "district", "industry", "ownership", "employees", "unionised",
          "district_org"]  # fmt: skip


def units(n: int, start: int = 1) -> list[list[Any]]:
    districts = [("甘井子区", "dl-ganjingzi"), ("沙河口区", ""), ("中山区", "")]
    industries = ["制造业", "纺织服装", "农林水利", "商贸服务"]
    return [[f"u{i:05d}", f"测试单位{i}", districts[i % 3][0], industries[i % 4],
             "公有" if i % 5 == 0 else "非公有", 20 + i % 900, "是", districts[i % 3][1]]
            for i in range(start, start + n)]  # fmt: skip


def timed(label: str, fn: Callable[[], Any]) -> Any:
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    print(
        f"{label}: {time.perf_counter() - wall:.2f} s wall, {time.process_time() - cpu:.2f} s cpu"
    )
    return result


def cadre(app: App) -> CommandMeta:
    return CommandMeta(
        command_id=f"bench:{time.time_ns()}",
        acting=app.directory.acting("sun.lihua", Role.CADRE),
        occurred_at=datetime(2026, 6, 1, 2, tzinfo=UTC),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=10_000)
    n = parser.parse_args().units
    tmp = Path(tempfile.mkdtemp(prefix="unionflow-bench-import-"))
    settings = Settings(data_dir=tmp / "var")
    app = build_app(settings)
    app.directory.load(
        app.directory.parse(ROOT / "examples" / "directory.yaml"), operator="ops.admin"
    )
    c = app.campaigns
    c.open(KEY, "dl-city", cadre(app))
    path = tmp / "units.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([HEADER, *units(n)])
    done = timed(f"CSV import of {n} units", lambda: c.import_units(KEY, path, cadre(app)))
    assert done.joined == n
    timed("first list after it", lambda: c.units(KEY))
    cold = build_app(settings)
    timed("first list in a cold process", lambda: cold.campaigns.units(KEY))
    cold.close()
    again = timed("re-import of the same file", lambda: c.import_units(KEY, path, cadre(app)))
    assert again.joined == 0 and again.unchanged == n
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in units(n, start=n + 1):
        sheet.append(row)
    xlsx = tmp / "units.xlsx"
    book.save(xlsx)
    more = timed(f"XLSX import of {n} more", lambda: c.import_units(KEY, xlsx, cadre(app)))
    assert more.joined == n
    engine = CommandMeta(command_id="bench:period", acting=system_acting(),
                         occurred_at=datetime(2026, 7, 1, 2, tzinfo=UTC))  # fmt: skip
    c.open_period(OpenPeriodRequest(campaign_key=KEY, period="2026H2", meta=engine))

    def round_() -> int:
        after, pages = "", 0
        while True:
            req = RemindPageRequest(campaign_key=KEY, period="2026H2", round=1, after=after,
                                    now=datetime(2026, 7, 6, 2, tzinfo=UTC), limit=500)  # fmt: skip
            got = c.remind_page(req, engine)
            pages, after = pages + 1, got.last
            if not got.more:
                return pages

    pages = timed(f"reminder round over {2 * n} units", round_)
    print(f"  ({pages} pages of 500)")
    app.close()


if __name__ == "__main__":
    main()
