"""Benchmark: a campaign's progress report over N units (default 10,000), live and as of
an earlier instant.

The ledger gets a campaign (four targets: two rates from facts-or-reports, one by
ownership, one count from reports; a weekly trend from January to December), N units,
wage contracts in force for a third of them (each case run through its own commands up to
taking effect), congress sessions for a fifth and approved reports for a quarter. Printed:
the time to write it; the first report (the live view built from the log); the live
report's p50 / p95 when nothing changed and when a few units changed between reports
(each round: C more units report and are approved, one more wage case is recorded); the
first report of the next day; and the report as of an earlier instant (everything rebuilt
from the log up to it).
"""

from __future__ import annotations

import argparse
import functools
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from application.calendar import work_calendar
from application.campaign_progress import CampaignProgress
from application.profiles import load_profile
from application.unit_facts import UnitFactsIndex
from domain.actors import CHINA_TZ, Acting, CommandMeta, Role, system_acting
from domain.campaign.aggregate import Campaign, CampaignUnit
from domain.campaign.definition import CampaignDefinition
from domain.campaign.values import UnitView, unit_ledger_id
from domain.poll import ItemKind
from domain.session import AgendaItem, ItemOutcome, Session, SessionKind, SessionView
from domain.wage_contract import (
    AppointNegotiators,
    ApproveReview,
    Clause,
    Draft,
    FileContract,
    Negotiator,
    OpenCase,
    RecordAdoptionFromPoll,
    RecordReply,
    RecordTalksRound,
    RequestAdoptionPoll,
    Side,
    SignContract,
    SignDraft,
    SubmitForReview,
    TakeEffect,
    VoteCount,
    WageContract,
    WageStandard,
)
from ledger.app import Ledger

KEY = "bench-drive-2026"
ORGANISER = "dl-city"
DISTRICTS = ["甘井子区", "沙河口区", "中山区", "西岗区", "金州区"]
INDUSTRIES = ["制造业", "服务业", "建筑业", "交通运输业"]
PROFILE = load_profile("liaoning")
CALENDAR = work_calendar()
DEFINITION: dict[str, Any] = dict(
    key=KEY,
    title=["工资集体协商和职代会建制集中行动", "bargaining and congress drive"],
    year=2026,
    population=dict(filter=dict(unionised=True)),
    indicators=[
        dict(key="wage", label=["工资集体协商", "wage bargaining"], source="either",
             fact="wage_contract_in_force"),
        dict(key="congress", label=["职代会", "workers' congress"], source="either",
             fact="congress_held_this_year"),
        dict(key="members", label=["新会员", "new members"], source="report", value="count"),
    ],
    targets=[
        dict(key="wage_rate", label=["建制率≥80%", "80%"], indicator="wage", kind="rate",
             at_least=0.8, by="2026-12-31"),
        dict(key="congress_public", label=["公有≥96%", "public 96%"], indicator="congress",
             kind="rate", among=dict(ownership=["public"]), at_least=0.96, by="2026-12-31"),
        dict(key="congress_non_public", label=["非公≥82%", "non-public 82%"],
             indicator="congress", kind="rate", among=dict(ownership=["non_public"]),
             at_least=0.82, by="2026-12-31"),
        dict(key="members_count", label=["新会员≥5000", "5000 members"], indicator="members",
             kind="count", at_least=5000, by="2026-12-31"),
    ],
    timeline=dict(
        periods=[dict(key="H1", starts="2026-01-05", due="2026-06-30"),
                 dict(key="H2", starts="2026-07-01", due="2026-11-30")],
        final_report="2026-12-31",
    ),
)  # fmt: skip


def acting(actor: str, role: Role, org: str) -> Acting:
    return Acting(actor_id=actor, role=role, roles=[role], org_id=org)


def stamp(who: Acting, moment: datetime) -> CommandMeta:
    return CommandMeta(command_id=str(uuid.uuid4()), acting=who, occurred_at=moment)


def on_day(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=CHINA_TZ)


DRAFT = Draft(
    clauses=[Clause(no="1", title="工资标准", text="一线岗位月工资标准")],
    wage_standards=[WageStandard(post="车工", monthly_yuan=Decimal("3000"))],
    raise_pct=Decimal("5"),
    union_chief_signed=True,
    employer_chief_signed=True,
)
NEGOTIATORS = [
    Negotiator(name=f"{side.value}-{i}", side=side, chief=i == 0) for side in Side for i in range(3)
]


def contract(org: str, start: date) -> WageContract:
    me = acting(f"cadre.{org}", Role.CADRE, org)
    reviewer = acting("chen.jing", Role.REVIEWER, "dl-ganjingzi")
    today = start
    agg = WageContract.open(
        OpenCase(case_id=f"WC-{org}", unit_org=org, employer=f"{org} 公司", year=2026,
                 offer_place="会议室", offer_content="2026年度工资专项集体协商要约"),
        stamp(me, on_day(today)), unit_path=["dl-city", "dl-ganjingzi", org],
        wage_area_class=1, profile=PROFILE, today=today,
    )  # fmt: skip
    vote = VoteCount(total_delegates=30, present=30, votes_for=20, votes_against=10, abstentions=0)
    steps: list[tuple[Acting, Any]] = [
        (me, RecordReply(content="同意协商")),
        (me, AppointNegotiators(negotiators=NEGOTIATORS)),
        (me, RecordTalksRound(minutes="第一轮")),
        (me, SignDraft(draft=DRAFT)),
        (me, SubmitForReview()),
        (reviewer, ApproveReview()),
        (me, RequestAdoptionPoll(session_id="s1", item_no=1)),
        (system_acting(), RecordAdoptionFromPoll(poll_key="s1:item1", count=vote)),
        (me, SignContract()),
        (me, FileContract(copies=3, office="人社局")),
    ]
    for who, command in steps:
        agg.handle(command, stamp(who, on_day(today)), today=today, calendar=CALENDAR)
    today += timedelta(days=16)
    agg.handle(TakeEffect(), stamp(system_acting(), on_day(today)), today=today,
               calendar=CALENDAR)  # fmt: skip
    return agg


def session(org: str, day: date) -> Session:
    me = acting(f"cadre.{org}", Role.CADRE, org)
    state = SessionView(
        session_id=f"{org}-c1:{day}", congress_key=f"{org}-c1", unit_org=org,
        unit_path=["dl-city", "dl-ganjingzi", org], kind=SessionKind.REGULAR,
        agenda=[AgendaItem(no=1, title="报告", kind=ItemKind.APPROVAL)],
        papers_sent_on=day - timedelta(days=10), opens_on=day, status="convened",
    )  # fmt: skip
    s = Session.convene(
        state, stamp(me, on_day(day - timedelta(days=10))), profile=PROFILE, total_delegates=30
    )
    s.open(stamp(me, on_day(day, 9)))
    s.decide_item(
        ItemOutcome(item_no=1, poll_key=state.poll_key(1), summary="通过", passed=True),
        stamp(me, on_day(day, 11)),
    )
    s.close(stamp(me, on_day(day, 17)))
    return s


def unit(i: int) -> UnitView:
    district = DISTRICTS[i % len(DISTRICTS)]
    return UnitView(
        campaign_key=KEY, code=f"u{i:05d}", name=f"单位{i:05d}", district=district,
        industry=INDUSTRIES[(i // 5) % len(INDUSTRIES)],
        ownership="public" if i % 3 == 0 else "non_public", employees=50 + i % 500,
        unionised=i % 10 != 9, district_org=f"dl-d{DISTRICTS.index(district)}",
        joined_on=date(2026, 1, 5) if i % 20 else date(2026, 5, 4),
    )  # fmt: skip


def reported(u: CampaignUnit, d: CampaignDefinition, period: str, value: int, day: date) -> None:
    me = acting(f"cadre.{u.s.code}", Role.CADRE, u.s.code)
    u.submit(d, indicator="members", period=period, value=value, evidence="", note="",
             meta=stamp(me, on_day(day)))  # fmt: skip
    reviewer = acting("reviewer", Role.REVIEWER, u.s.district_org)
    u.approve(indicator="members", period=period, meta=stamp(reviewer, on_day(day, 15)))


def report_h2(u: CampaignUnit, *, d: CampaignDefinition, day: date) -> None:
    reported(u, d, "H2", 3, day)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def write(ledger: Ledger, d: CampaignDefinition, n: int) -> None:
    organiser = acting("cadre.city", Role.CADRE, ORGANISER)
    ledger.save(
        Campaign.open(
            definition=d, organiser_org=ORGANISER,
            meta=stamp(organiser, on_day(date(2026, 1, 5), 9)),
        )
    )  # fmt: skip
    batch: list[Any] = []
    for i in range(n):
        v = unit(i)
        agg = CampaignUnit.join(v, stamp(organiser, on_day(v.joined_on, 9)))
        if i % 4 == 1:
            reported(agg, d, "H1", 1 + i % 7, date(2026, 3, 2) + timedelta(days=i % 90))
        batch.append(agg)
        if i % 3 == 0:
            batch.append(contract(v.code, date(2026, 2, 2) + timedelta(days=i % 120)))
        if i % 5 == 0:
            batch.append(session(v.code, date(2026, 3, 2) + timedelta(days=i % 150)))
        if len(batch) >= 500:
            ledger.save(*batch)
            batch = []
    if batch:
        ledger.save(*batch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--changes", type=int, default=10, help="units changed per round")
    parser.add_argument(
        "--keep", type=Path, help="keep the written ledger here, reuse it next time"
    )
    args = parser.parse_args()
    n = args.units
    with tempfile.TemporaryDirectory() as tmp:
        d = CampaignDefinition.model_validate(DEFINITION)
        db = Path(tmp) / "ledger.db"
        kept = args.keep / f"campaign-progress-{n}.db" if args.keep else None
        if kept is not None and kept.exists():
            shutil.copyfile(kept, db)
        ledger = Ledger(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                             "SQLITE_DBNAME": str(db), "SQLITE_LOCK_TIMEOUT": "30"})  # fmt: skip
        organiser = acting("cadre.city", Role.CADRE, ORGANISER)
        if kept is None or not kept.exists():
            t = time.perf_counter()
            write(ledger, d, n)
            written = time.perf_counter() - t
            print(f"units {n}: ledger written in {written:.1f} s "
                  f"({ledger.max_notification_id()} events)")  # fmt: skip
            if kept is not None:
                kept.parent.mkdir(parents=True, exist_ok=True)
                with sqlite3.connect(db) as source, sqlite3.connect(kept) as target:
                    source.backup(target)
        else:
            print(f"units {n}: ledger copied from {kept} ({ledger.max_notification_id()} events)")

        now = [on_day(date(2026, 9, 1), 12).astimezone(UTC)]
        facts = UnitFactsIndex(ledger)
        progress = CampaignProgress(ledger, facts, clock=lambda: now[0])
        t = time.perf_counter()
        first = progress.report(KEY)
        built = time.perf_counter() - t
        print(f"first report (live view built from the log): {ms(built)}; "
              f"{len(first.trend)} trend points, {first.members} members")  # fmt: skip
        for tp in first.targets:
            print(f"  {tp.target}: {tp.total.numerator}/{tp.total.denominator} "
                  f"rate {tp.total.rate:.3f} gap {tp.total.gap}")  # fmt: skip

        quiet = []
        for _ in range(args.rounds):
            t = time.perf_counter()
            progress.report(KEY)
            quiet.append(time.perf_counter() - t)
        now[0] = on_day(date(2026, 9, 2), 7).astimezone(UTC)
        t = time.perf_counter()
        progress.report(KEY)
        next_day = time.perf_counter() - t
        changed = []
        next_unit = 0
        for r in range(args.rounds):
            moment = on_day(date(2026, 9, 2), 8) + timedelta(minutes=5 * r)
            for _ in range(args.changes):
                code = f"u{(next_unit * 4) % n:05d}"
                next_unit += 1
                ledger.execute(
                    unit_ledger_id(KEY, code), stamp(organiser, moment),
                    functools.partial(report_h2, d=d, day=moment.date()),
                )  # fmt: skip
            # A case opened after the first report (its events stamped after it).
            ledger.save(contract(f"u{(3 * r + 1) % n:05d}", moment.date()))
            now[0] = (moment + timedelta(minutes=1)).astimezone(UTC)
            t = time.perf_counter()
            progress.report(KEY)
            changed.append(time.perf_counter() - t)

        def pct(xs: list[float], q: float) -> float:
            return (
                statistics.quantiles(xs, n=100, method="inclusive")[q - 1] if len(xs) > 1 else xs[0]
            )

        print(f"live report, nothing changed: p50 {ms(statistics.median(quiet))} "
              f"p95 {ms(pct(quiet, 95))} ({args.rounds} reports)")  # fmt: skip
        print(f"live report, {args.changes} units reported + 1 wage case recorded between "
              f"reports: p50 {ms(statistics.median(changed))} p95 {ms(pct(changed, 95))}")  # fmt: skip
        print(
            f"first live report of the next day (from the day before: units with a change day between computed again): {ms(next_day)}"
        )
        t = time.perf_counter()
        then = progress.report(KEY, at=first.at)
        rebuilt = time.perf_counter() - t
        print(f"report as of the first report's instant (rebuilt from the log): {ms(rebuilt)}; "
              f"equal to the first report: {then == first}")  # fmt: skip
        t = time.perf_counter()
        progress.report(KEY, at=first.at)
        print(f"the same instant asked again (kept, reads what came since): "
              f"{ms(time.perf_counter() - t)}")  # fmt: skip
        ledger.close()


if __name__ == "__main__":
    main()
