"""The public notice (公示) of a contest round's ranking and its objections, ledger side.

The notice runs the definition's working days on the statutory calendar (counted as award
notices are); an upheld objection records the ranking recomputed without the entry, from
the same ledger inputs as the published one, so ``recompute`` still reproduces it, hash
and all.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from application.award_facts import record_honour
from application.calendar import CalendarSource
from application.contest_inputs import china_day
from application.contests import ContestService
from domain.actors import CommandMeta, Role, system_acting
from domain.award.commands import FileObjection, ResolveObjection
from domain.contest import notice
from domain.contest.aggregate import ContestRound
from domain.contest.values import RoundView, round_ledger_id
from domain.errors import InvalidState


class ContestNotices:
    """Post a ranked round's notice, file and resolve objections, close it."""

    def __init__(self, contests: ContestService, calendar: CalendarSource) -> None:
        self.contests = contests
        self.calendar = calendar

    def notice_ends(self, r: RoundView, starts: date) -> date:
        """The notice's last day: its working days from ``starts`` (counted when it is a
        working day), on the statutory calendar."""
        days = r.definition.notice_working_days
        return self.calendar.current().add_working_days(starts - timedelta(days=1), days).date

    def post(
        self, actor: str, round_key: str, *, starts: date | None = None,
        command_id: str | None = None, now: datetime | None = None,
    ) -> RoundView:  # fmt: skip
        """The organiser posts the ranking's notice (from today unless ``starts``)."""
        r = self.contests.round(round_key)
        meta = self._meta(actor, ["notice", round_key, str(starts)], "", command_id, now)
        first = starts or china_day(meta.occurred_at)
        ends = self.notice_ends(r, first)
        return self._act(round_key, meta, lambda a: notice.post_notice(a, first, ends, meta))

    def file_objection(
        self, actor: str, round_key: str, entry: str, c: FileObjection, *,
        command_id: str | None = None, now: datetime | None = None,
    ) -> RoundView:  # fmt: skip
        """Anyone signed in objects to an entry while the notice runs (named or anonymous)."""
        self.contests.round(round_key)
        op = ["object", round_key, entry, c.model_dump()]
        meta = self._meta(actor, op, "", command_id, now, role=None)
        return self._act(round_key, meta, lambda a: notice.file_objection(a, entry, c, meta))

    def resolve(
        self, actor: str, round_key: str, c: ResolveObjection, *, comment: str = "",
        command_id: str | None = None, now: datetime | None = None,
    ) -> RoundView:  # fmt: skip
        """The organiser's reviewer upholds (the entry out, the ranking recomputed without
        it) or dismisses an objection, with the findings."""
        r = self.contests.round(round_key)
        meta = self._meta(actor, ["resolve", round_key, c.model_dump()], comment, command_id, now)
        without = None
        if c.upheld:
            entry = notice.objection_entry(r, c.no)
            without = self.contests.compute(round_key, r.ranked_at, {entry: c.findings})
        return self._act(round_key, meta, lambda a: notice.resolve_objection(a, c, without, meta))

    def close(
        self, actor: str, round_key: str, *, command_id: str | None = None,
        now: datetime | None = None,
    ) -> RoundView:  # fmt: skip
        """After its last day and with no objection open, the notice closes and the awards
        stand: a category granting a title enters it in each winner's honours register."""
        self.contests.round(round_key)
        meta = self._meta(actor, ["close_notice", round_key], "", command_id, now)
        closed = self._act(round_key, meta, lambda a: notice.close_notice(a, meta))
        self.grant_titles(closed, meta.occurred_at)
        return closed

    def grant_titles(self, r: RoundView, now: datetime) -> int:
        """Every titled award of the closed round in its winner's honours register (once:
        a title the register already holds at that level is left as it is)."""
        titled = {a.key: a for a in r.definition.awards if a.title and a.level}
        on, granted = china_day(now), 0
        for row in r.ranking.rows if r.ranking else []:
            a = titled.get(row.award)
            if a is None or a.title is None or a.level is None:
                continue
            title, zh, level = a.title, a.zh, a.level
            meta = CommandMeta(
                command_id=f"honour:{r.key}:{row.entrant}:{title}",
                acting=system_acting(),
                occurred_at=now,
            )
            try:
                record_honour(
                    self.contests.ledger,
                    row.entrant,
                    lambda reg: reg.grant_title(title, zh, level, r.key, on, meta),  # noqa: B023
                    meta,
                )
            except InvalidState:  # held since the ranking was computed: not granted again
                continue
            granted += 1
        return granted

    # -- inside ------------------------------------------------------------------------

    def _meta(
        self, actor: str, op: object, comment: str, command_id: str | None,
        now: datetime | None, role: Role | None = Role.CADRE,
    ) -> CommandMeta:  # fmt: skip
        """As the contest service stamps its commands; ``role`` None: anyone, in the
        first role the directory gives them (an objector)."""
        directory = self.contests.directory
        acting = directory.acting(actor, role or directory.actor(actor).spec.roles[0])
        return self.contests._meta(acting, op, comment, command_id, now)

    def _act(
        self, round_key: str, meta: CommandMeta, act: Callable[[ContestRound], None]
    ) -> RoundView:
        result = self.contests.ledger.execute(round_ledger_id(round_key), meta, act)
        view: RoundView = result.aggregate.view()
        return view
