"""Benchmark: listing every wage contract case, as one CLI call would, on a ledger of N cases.

Measured in one run, on the same SQLite ledger:
- baseline: what ``cases()`` did before the read side, the ids from the log and every
  aggregate rebuilt from its events;
- cold: the view index with an empty store (the first call ever);
- warm: a new index (a new process) on the store the cold call left, nothing changed;
- one changed: the same after one case got a new event.

    python bench/read_side.py --cases 2000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date, datetime
from datetime import time as clock
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rich.console import Console
from rich.table import Table

from application.calendar import work_calendar
from application.profiles import load_profile
from domain.actors import CHINA_TZ, Acting, CommandMeta, Role
from domain.wage_contract import (
    OpenCase,
    RecordReply,
    WageContract,
    WageContractView,
    wage_contract_id,
)
from ledger.app import Ledger
from projections.index import CreatedIndex
from projections.views import ViewIndex

CADRE = Acting(actor_id="wang.li", role=Role.CADRE, roles=[Role.CADRE], org_id="dl-bearing")
UNIT_PATH = ["dl-city", "dl-ganjingzi", "dl-bearing"]
DAY = date(2026, 3, 2)
T = TypeVar("T")


def meta() -> CommandMeta:
    return CommandMeta(
        command_id=str(uuid.uuid4()),
        acting=CADRE,
        occurred_at=datetime.combine(DAY, clock(10), tzinfo=CHINA_TZ),
    )


def fill(ledger: Ledger, n: int) -> None:
    profile = load_profile("liaoning")
    for i in range(n):
        offer = OpenCase(
            case_id=f"BENCH-{i:05d}",
            unit_org="dl-bearing",
            employer="大连轴承制造有限公司",
            year=2026,
            offer_place="三楼会议室",
            offer_content="工资专项集体协商要约",
        )
        case = WageContract.open(
            offer, meta(), unit_path=UNIT_PATH, wage_area_class=1, profile=profile, today=DAY
        )
        ledger.save(case)


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": f"{tmp}/l.db"}
        ledger = Ledger(env=env)
        fill(ledger, args.cases)
        store = Path(tmp) / "cases.db"

        def baseline() -> list[WageContractView]:
            index = CreatedIndex(ledger, WageContract.Created)
            return [ledger.get(i).view() for i in index.ids()]

        def fresh_index() -> list[WageContractView]:
            return ViewIndex(ledger, WageContract, WageContractView, store=store).views()

        base, t_base = timed(baseline)
        cold, t_cold = timed(fresh_index)
        warm, t_warm = timed(fresh_index)
        first = ledger.get(wage_contract_id(base[0].case_id))
        first.handle(RecordReply(content="同意协商"), meta(), today=DAY, calendar=work_calendar())
        ledger.save(first)
        changed, t_changed = timed(fresh_index)
        assert len(base) == len(cold) == len(warm) == len(changed) == args.cases
        assert changed[0].replied_on is not None and warm == cold

    table = Table(title=f"listing {args.cases} wage contract cases (one call = one process)")
    for col in ("read", "seconds", "ratio to baseline"):
        table.add_column(col)
    for name, seconds in (
        ("baseline: rebuild every aggregate", t_base),
        ("view index, empty store (first call)", t_cold),
        ("view index, warm store, nothing changed", t_warm),
        ("view index, warm store, one case changed", t_changed),
    ):
        table.add_row(name, f"{seconds:.3f}", f"{seconds / t_base:.3f}")
    Console().print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
