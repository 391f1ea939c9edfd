"""Thin activities of the congress session workflow: each runs one ledger step."""

from __future__ import annotations

import contextlib
import contextvars
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from temporalio import activity

from activities.errors import domain_errors_not_retried
from activities.log import log, log_step
from contracts.session import (
    ConveneRequest,
    DecideRequest,
    OpenPollRequest,
    PollFacts,
    PollRef,
    PollStep,
    SessionCommand,
    SetAsideRequest,
)
from domain.actors import CommandMeta
from domain.calendar import working_days_before
from domain.congress import check_session_dates, congress_id
from domain.errors import NotFound
from domain.poll import PollView
from domain.session import Session, SessionView, session_ledger_id


def counts_only(view: PollView) -> PollView:
    """A poll as it may travel through Temporal: the result's counts, no receipt, no ballot."""
    return view.model_copy(
        update={"published": [], "published_receipts": [], "published_choices": []}
    )


def _heartbeat() -> None:
    with contextlib.suppress(RuntimeError):  # called outside an activity (tests, tools)
        activity.heartbeat()


@contextlib.contextmanager
def _beating(every: float = 1.0) -> Iterator[None]:
    """Heartbeat from a side thread while the step runs: a step waiting on the database
    stays alive, and a killed worker stops beating at once (so Temporal retries soon)."""
    context = contextvars.copy_context()
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(every):
            context.run(_heartbeat)

    thread = threading.Thread(target=beat, name="activity-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


if TYPE_CHECKING:  # types only: injected by the composition root (workflows import this module)
    from application.calendar import CalendarSource
    from application.congress import CongressService
    from application.polls import PollService
    from application.profiles import ProfileSource
    from ledger.app import Ledger


class CongressActivities:
    """Activities with their dependencies, built once by the composition root."""

    def __init__(
        self,
        ledger: Ledger,
        polls: PollService,
        congresses: CongressService,
        profiles: ProfileSource,
        calendars: CalendarSource,
        seal: Callable[[str], object] | None = None,
    ) -> None:
        self.ledger = ledger
        self._seal = seal
        self.polls = polls
        self.congresses = congresses
        self.profiles = profiles
        self.calendars = calendars

    @activity.defn(name="session.convene")
    @domain_errors_not_retried
    def convene(self, req: ConveneRequest) -> SessionView:
        """Record the convening; a retry meets the same session."""
        congress = self.congresses.view(req.state.congress_key)
        profile = self.profiles.load(congress.profile_name)
        if self.ledger.find(session_ledger_id(req.state.session_id)) is None:
            check_session_dates(congress, req.state.opens_on, req.state.requested_by)
        result = self.ledger.execute(
            session_ledger_id(req.state.session_id),
            req.meta,
            create=lambda: Session.convene(
                req.state, req.meta, profile=profile, total_delegates=congress.total()
            ),
        )
        return result.aggregate.view()

    @activity.defn(name="session.command")
    @domain_errors_not_retried
    def command(self, req: SessionCommand) -> SessionView:
        """Open, close, publish, remind, flag or report — exactly once per command id."""
        meta = req.meta
        session = self._session(req.session_id)
        congress_key = session.congress_key
        if req.kind == "open":
            self._congress_step(congress_key, req.session_id, meta, "begin_session")
        if req.kind in ("close", "publish"):
            profile = self.profiles.load(self.congresses.view(congress_key).profile_name)
            calendar = self.calendars.current()
        if req.kind == "close":
            published_by = calendar.add_working_days(
                meta.today(), profile.congress.results_publication_working_days
            )

            def step(s: Session) -> None:
                s.close(meta, publication_due=published_by)

        elif req.kind == "publish":
            # SH §37: the report is due N working days from the close, not the publication.
            closed_on = session.closed_on or meta.today()
            due = calendar.add_working_days(closed_on, profile.congress.report_working_days)
            before = profile.congress.report_reminder_working_days
            reminder = working_days_before(calendar, due.date, before, meta.today())

            def step(s: Session) -> None:
                s.publish(meta, due=due, reminder_on=reminder)

        else:
            step = {
                "open": lambda s: s.open(meta),
                "flag_publication_overdue": lambda s: s.flag_publication_overdue(meta),
                "remind_report": lambda s: s.remind_report(meta),
                "flag_report_overdue": lambda s: s.flag_report_overdue(meta),
                "report": lambda s: s.report(meta),
            }[req.kind]
        result = self.ledger.execute(session_ledger_id(req.session_id), meta, step)
        if req.kind == "close":
            self._congress_step(congress_key, req.session_id, meta, "end_session")
        log_step(f"session_{req.kind}", req.session_id, meta.acting.actor_id, result.applied)
        return result.aggregate.view()

    @activity.defn(name="session.decide")
    @domain_errors_not_retried
    def decide(self, req: DecideRequest) -> SessionView:
        """Record an item's outcome."""
        result = self.ledger.execute(
            session_ledger_id(req.session_id),
            req.meta,
            lambda s: s.decide_item(req.outcome, req.meta),
        )
        return result.aggregate.view()

    @activity.defn(name="session.set_aside")
    @domain_errors_not_retried
    def set_aside(self, req: SetAsideRequest) -> SessionView:
        """Set an item aside (搁置) with the chair's reason."""
        result = self.ledger.execute(
            session_ledger_id(req.session_id),
            req.meta,
            lambda s: s.set_aside(req.item_no, req.reason, req.meta),
        )
        return result.aggregate.view()

    @activity.defn(name="poll.open")
    @domain_errors_not_retried
    def open_poll(self, req: OpenPollRequest) -> PollView:
        """Open a poll with the quorum checked against ALL delegates in office."""
        congress = self.congresses.view(req.spec.congress_key)
        profile = self.profiles.load(congress.profile_name)
        self.congresses.check_tellers(req.spec.congress_key, req.spec.tellers)
        view = self.polls.open_poll(
            req.spec, req.meta, total_delegates=congress.total(), profile=profile
        )
        if view.public_key is not None and self._seal is not None:
            # The key is committed outside the database before the first ballot is sealed
            # to it: the opening is sealed and witnessed now, not at the next minute.
            try:
                self._seal(f"poll {req.spec.poll_key} opened")
            except Exception:  # noqa: BLE001 - the periodic seal covers it; the poll goes on
                log.warning("poll_open_seal_failed", poll_key=req.spec.poll_key, exc_info=True)
        return view

    @activity.defn(name="poll.close")
    @domain_errors_not_retried
    def close_poll(self, req: PollStep) -> PollView:
        """Stop accepting ballots (a retry finds it closed and returns it)."""
        with _beating():
            view = self.polls.poll(req.poll_key)
            if view.status.value != "open":
                return counts_only(view)
            return counts_only(self.polls.close_poll(req.poll_key, req.reason, req.meta))

    @activity.defn(name="poll.tally")
    @domain_errors_not_retried
    def tally_poll(self, req: PollStep) -> PollView:
        """Count and decide; a secret poll's ballots are collected from the spool, published
        and its key destroyed. It heartbeats, so a killed worker's tally is retried within
        seconds (the workflow sets a short heartbeat timeout).

        The result goes into the session's history, so it carries the counts only: no
        receipt and no ballot (those stay in the ledger with their digest), and the
        history stays the size of the agenda, not of the roll.
        """
        view = self.polls.poll(req.poll_key)
        profile = self.profiles.load(self.congresses.view(view.spec.congress_key).profile_name)
        with _beating():
            tallied = self.polls.tally_poll(req.poll_key, req.meta, profile, beat=_heartbeat)
        return counts_only(tallied)

    @activity.defn(name="poll.facts")
    @domain_errors_not_retried
    def poll_facts(self, ref: PollRef) -> PollFacts:
        """What the ledger records about a poll: a signal is checked against this."""
        return self.polls.facts(ref.poll_key)

    def _session(self, session_id: str) -> SessionView:
        aggregate = self.ledger.find(session_ledger_id(session_id))
        if aggregate is None:
            raise NotFound(f"会议 {session_id} 不存在", f"no session {session_id}")
        return aggregate.view()

    def _congress_step(self, key: str, session_id: str, meta: CommandMeta, method: str) -> None:
        # The roster is fixed while a session sits: the congress records when it begins and ends.
        step_meta = meta.model_copy(update={"command_id": f"{meta.command_id}:congress"})
        self.ledger.execute(
            congress_id(key), step_meta, lambda c: getattr(c, method)(session_id, step_meta)
        )
