"""The contest part of ``unionflow demo``: a 安康杯 round after the award scene — units
assess themselves, a judge of an entrant's own unit and one on the organiser's conflict
list recused, each entry's highest and lowest sheet dropped, a tie broken by the safety
management section, a unit vetoed for an accident recorded through the safety service,
and the ranking's public notice with an upheld objection (the ranking recomputed without
the entry) before the notice closes and the winner's title enters the honours register.
Every step goes straight to the ledger through the services (the round's steps through
its workflow), so the scene adds a second or two."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

from rich.console import Console
from temporalio.testing import WorkflowEnvironment

from application.contests import OpenContestRound, Registration
from bootstrap import App
from domain.actors import CHINA_TZ
from domain.award.commands import FileObjection, ResolveObjection
from domain.contest.definition import Conflict, ContestDefinition, Severity
from domain.contest.values import Marks, Phase, RankRow, RoundView
from domain.safety import AccidentReport
from i18n import fmt, pick
from interfaces.text import Names
from services.contests import ContestFacade
from workflows.contest_round import contest_round_workflow_id

JUDGES_FILE = Path(__file__).resolve().parent / "examples" / "judges.yaml"
ORGANISER = "sun.lihua"  # the city federation
UNITS = [("wang.li", "dl-bearing"), ("zhao.min", "dl-garment"), ("he.jun", "dl-seed")]
POOL = ["judge.bearing", "judge.city1", "judge.city2", "judge.textile", "judge.agri",
        "judge.gjz", "judge.seed"]  # fmt: skip
SHARES = [0.9, 0.95, 0.95, 0.95, 0.99]  # each entry's five sheets: the ends are dropped


def SEP() -> str:
    return pick(("：", ": "))


def _marks(d: ContestDefinition, share: float, shift: Decimal = Decimal(0)) -> Marks:
    """Every item at ``share`` of its points; ``shift`` moves points from labour protection
    to safety management (same total, another tie-break)."""
    out = {
        i.key: (i.points * Decimal(str(share))).quantize(Decimal("0.01"))
        for s in d.table.sections
        for i in s.items
    }
    for up, down in (("responsibility", "equipment"), ("hazards", "health")):
        out[up] += shift
        out[down] -= shift
    return out


class ContestDemo:
    """One scripted 安康杯 round on the time-skipping server."""

    def __init__(self, app: App, env: WorkflowEnvironment, console: Console, task_queue: str,
                 suffix: str) -> None:  # fmt: skip
        self.app, self.env, self.console = app, env, console
        self.facade = ContestFacade(env.client, app.contests, app.directory, app.settings,
                                    task_queue, clock=env.get_current_time)  # fmt: skip
        self.round_key = f"ankang-{suffix}"
        self.names = Names(app.directory)

    async def today(self) -> date:
        d: date = (await self.env.get_current_time()).astimezone(CHINA_TZ).date()
        return d

    def say(self, when: Any, text: str) -> None:
        self.console.print(f"[dim]{when}[/]  {text}")

    async def run(self) -> str:
        c, key = self.console, self.round_key
        c.rule(pick(("“安康杯”竞赛演示（评审、回避、一票否决、公示）", "Ankang Cup contest demo")))
        if not self.app.directory.knows(POOL[0]):
            self.app.directory.load(self.app.directory.parse(JUDGES_FILE), operator="ops.admin",
                                    source=str(JUDGES_FILE))  # fmt: skip
        d = await self.today()
        r = await self.facade.open_round(ORGANISER, OpenContestRound(
            round_key=key, title=f"{d.year}年大连市“安康杯”竞赛", definition="ankang-cup",
            stage="review", year=d.year, registration_closes=d + timedelta(days=30)))  # fmt: skip
        self.say(d, f"{r.title}{SEP()}{pick(('报名截止', 'registration closes'))} "
                    f"{r.registration_closes}")  # fmt: skip
        for cadre, unit in UNITS:
            await self.facade.register(
                cadre, key, Registration(entrant=unit, category="enterprise")
            )
            await self.facade.self_assess(cadre, f"{key}:{unit}", _marks(r.definition, 0.92))
        self.say(d, pick(("3 家企业报名并自评，均达到参评条件",
                          "3 enterprises register and assess themselves: all admitted")))  # fmt: skip
        now = await self.env.get_current_time()
        self.app.contests.declare_conflict(
            ORGANISER, key, Conflict(judge="judge.city2", entrant="dl-seed",
                                     reason="近亲属任该单位负责人"), now=now)  # fmt: skip
        await self.facade.close_registration(ORGANISER, key)
        await self.facade.start_judging(ORGANISER, key)
        report = self.app.contests.assign_pool(ORGANISER, key, POOL, now=now)
        for entry, judge, why in report.recusals:
            unit = self.app.contests.entry(entry).name
            reason = pick(tuple(why.split(" / ", 1)))  # type: ignore[arg-type]
            self.say(d, f"{self.names.person(judge)} {pick(('须回避', 'recused from'))} "
                        f"{unit}{SEP()}{reason}")  # fmt: skip
        shifts = {"dl-bearing": Decimal(0), "dl-garment": Decimal("0.5"), "dl-seed": Decimal(0)}
        for _, unit in UNITS:
            entry = f"{key}:{unit}"
            judges = self.app.contests.entry(entry).judges
            for judge, share in zip(judges, SHARES, strict=True):
                shift = shifts[unit] if share == SHARES[2] else Decimal(0)  # the kept sheets
                await self.facade.score(judge, entry, _marks(r.definition, share, shift))
        self.app.safety.record_accident("emergency.dept", AccidentReport(
            unit_org="dl-seed", on=d, severity=Severity.SERIOUS, description="叉车伤人，一人重伤"),
            now=now)  # fmt: skip
        self.say(d, pick(("应急管理部门记录：大连金农种业有限公司发生一起重伤事故",
                          "the emergency department records a serious accident at the seed company")))  # fmt: skip
        ranked = await self.facade.rank(ORGANISER, key)
        self._ranking(ranked, pick(("排名", "ranking")))
        notice = await self._until(key, Phase.NOTICE)  # the round's workflow posts it
        assert notice.notice is not None
        self.say(await self.today(), f"{pick(('排名公示', 'the ranking noticed'))} "
                 f"{notice.notice.starts} — {notice.notice.ends}")  # fmt: skip
        first = next(x for x in ranked.ranking.rows if x.rank == 1) if ranked.ranking else None
        assert first is not None
        await self.facade.file_objection("liu.qiang", key, first.entry, FileObjection(
            substance="该单位年内一起工伤未按规定上报", name="刘强", contact="13800000001"))  # fmt: skip
        upheld = await self.facade.resolve(ORGANISER, key, ResolveObjection(
            no=1, upheld=True, findings="经调查属实，取消评奖资格"))  # fmt: skip
        self.say(await self.today(), f"{pick(('实名异议', 'a named objection'))}{SEP()}"
                 f"{first.name} · {pick(('异议成立，移出排名，重算排名', 'upheld: out, ranking recomputed'))}")  # fmt: skip
        self._ranking(upheld, pick(("重算后的排名", "the ranking recomputed")))
        await self.env.sleep(timedelta(days=(notice.notice.ends - await self.today()).days + 1,
                                       hours=1))  # fmt: skip
        closed = await self._until(key, Phase.CLOSED)  # the workflow closes it, grants titles
        await self.env.client.get_workflow_handle(contest_round_workflow_id(key)).result()
        self.say(await self.today(), f"{pick(('公示期满，公示结束，奖项确定', 'the notice closes; the awards stand'))}"
                 f" · {pick(('输入摘要', 'inputs hash'))} "
                 f"{closed.ranking.inputs_hash[:16] if closed.ranking else ''}…")  # fmt: skip
        for x in closed.ranking.rows if closed.ranking else []:
            a = next((a for a in closed.definition.awards if a.key == x.award and a.title), None)
            if a is not None:
                self.say(await self.today(), f"{x.name} · {pick((a.zh, a.en))} · "
                         f"{pick(('称号记入荣誉登记', 'the title enters the honours register'))}")  # fmt: skip
        return key

    async def _until(self, key: str, phase: Phase, seconds: float = 30.0) -> RoundView:
        """The round once the workflow has taken it to ``phase`` (its step runs as an
        activity, which a loaded machine may finish a little after the skipped time)."""
        loop = asyncio.get_running_loop()
        until = loop.time() + seconds
        r = self.facade.round(key)
        while r.phase is not phase and loop.time() < until:
            await asyncio.sleep(0.05)
            r = self.facade.round(key)
        if r.phase is not phase:
            raise RuntimeError(f"the round {key} is {r.phase.value}, not {phase.value}")
        return r

    def _ranking(self, r: RoundView, title: str) -> None:
        assert r.ranking is not None
        self.console.print(f"   [bold]{title}[/]")
        for x in r.ranking.rows:
            self.console.print(f"      {self._row(r.definition, x)}")
        placed = [x for x in r.ranking.rows if x.rank is not None]
        for a, b in pairwise(placed):
            if a.score == b.score and a.rank != b.rank:
                by = next(s for s in r.definition.judging.tie_breaks
                          if a.sections.get(s) != b.sections.get(s))  # fmt: skip
                section = next(s for s in r.definition.table.sections if s.key == by)
                self.console.print(
                    f"      {pick(('同分', 'tied on'))} {a.score}{SEP()}{a.name}{pick(('、', ', '))}{b.name} · "
                    + fmt(
                        ("按分项决胜“{s}”", 'broken by the section "{s}"'),
                        s=pick((section.zh, section.en)),
                    )
                )

    def _row(self, d: ContestDefinition, x: RankRow) -> str:
        place = str(x.rank) if x.rank is not None else "—"
        award = next((pick((a.zh, a.en)) for a in d.awards if a.key == x.award), "")
        parts = [f"{place}. {x.name}", f"{x.score if x.score is not None else '—'}"]
        if x.dropped:
            dropped = pick(("、", ", ")).join(self.names.person(j) for j in x.dropped)
            parts.append(
                f"{pick(('去掉最高分和最低分', 'highest and lowest dropped'))}{SEP()}{dropped}"
            )
        parts += [award] if award else []
        parts += [f"{pick(('一票否决', 'vetoed'))}{SEP()}{pick((v.zh, v.en))}" for v in x.vetoes]
        if x.held:
            parts.append(pick(("已获同级称号，不重复授予", "title already held at this level")))
        if x.removed:
            parts.append(f"{pick(('异议成立', 'objection upheld'))}{SEP()}{x.removed}")
        return " · ".join(parts)
