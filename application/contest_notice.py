"""The public notice (公示) of a contest round's ranking and its objections, ledger side.

The notice runs the definition's working days on the statutory calendar (counted as award
notices are); an upheld objection records the ranking recomputed without the entry, from
the same ledger inputs as the published one, so ``recompute`` still reproduces it, hash
and all.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from pydantic import BaseModel

from application.award_facts import record_honour
from application.calendar import CalendarSource
from application.contest_inputs import china_day
from application.contests import ContestService
from domain.actors import CommandMeta, Role, system_acting
from domain.award.commands import FileObjection, ResolveObjection
from domain.award.values import honours_ledger_id
from domain.contest import notice
from domain.contest.aggregate import ContestRound
from domain.contest.values import Phase, RoundView, round_ledger_id
from domain.errors import InvalidState


class TitlesGranted(BaseModel):
    """What one run of the title grants did: granted now, granted by an earlier run,
    passed over because the register holds the title at that level from elsewhere."""

    granted: int = 0
    already: int = 0
    held: int = 0


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
        if c.upheld and not self._applied(round_key, meta):  # a retry: the recorded result
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

    def engine_post(self, round_key: str, meta: CommandMeta) -> RoundView:
        """The round's workflow posts the ranking's notice from the day of ``meta``."""
        r = self.contests.round(round_key)
        first = china_day(meta.occurred_at)
        ends = self.notice_ends(r, first)
        return self._act(round_key, meta, lambda a: notice.post_notice(a, first, ends, meta))

    def engine_close(self, round_key: str, meta: CommandMeta) -> RoundView:
        """The round's workflow closes the notice (refused before its last day has passed
        or with an objection open); the titles are the workflow's next step."""
        self.contests.round(round_key)
        return self._act(round_key, meta, lambda a: notice.close_notice(a, meta))

    def grant_titles(self, r: RoundView, now: datetime) -> TitlesGranted:
        """Every titled award of the closed round in its winner's honours register, once.

        Each grant's command id is derived from round, entrant and title, so a run that
        stopped after some grants (a crash, a retried activity, the CLI's close and then
        the workflow's) grants only the rest; a title the register holds at that level
        from elsewhere is left as it is."""
        if r.phase is not Phase.CLOSED:
            raise InvalidState(
                f"竞赛“{r.title}”的公示尚未结束，不能授予称号",
                f"the notice of '{r.title}' has not closed: no title is granted yet",
            )
        titled = {a.key: a for a in r.definition.awards if a.title and a.level}
        on = china_day(now)
        done = TitlesGranted()
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
            register = self.contests.ledger.find(honours_ledger_id(row.entrant))
            if register is not None and register.has_applied(meta.command_id):
                done.already += 1  # granted by an earlier run of this step
                continue
            try:
                record_honour(
                    self.contests.ledger,
                    row.entrant,
                    lambda reg: reg.grant_title(title, zh, level, r.key, on, meta),  # noqa: B023
                    meta,
                )
            except InvalidState:  # held since the ranking was computed: not granted again
                done.held += 1
                continue
            done.granted += 1
        return done

    def resume_titles(self, round_key: str, now: datetime) -> TitlesGranted:
        """The titles of a closed round not yet in their registers (the workflow's step
        after the close, and a retry of one that stopped half way)."""
        return self.grant_titles(self.contests.round(round_key), now)

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

    def _applied(self, round_key: str, meta: CommandMeta) -> bool:
        found = self.contests.ledger.find(round_ledger_id(round_key))
        return found is not None and bool(found.has_applied(meta.command_id))

    def _act(
        self, round_key: str, meta: CommandMeta, act: Callable[[ContestRound], None]
    ) -> RoundView:
        result = self.contests.ledger.execute(round_ledger_id(round_key), meta, act)
        view: RoundView = result.aggregate.view()
        return view
