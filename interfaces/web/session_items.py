"""A session's agenda as the chair's screen, the results page and the API show it: each
item with its poll's stage and its result in the words of the minutes (``interfaces.text``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import BaseModel

from domain.poll import OPTION_LABELS, PollKind, PollStatus, PollView
from domain.session import SessionView
from i18n import POLL_STATUS_LABELS, label_of, pick
from interfaces.text import Names, poll_outcome

if TYPE_CHECKING:
    from bootstrap import App

NOT_VOTED = ("未表决", "not voted")
SET_ASIDE = ("已搁置", "set aside")


class Choice(BaseModel):
    """One option of a ballot: its code and how it reads."""

    code: str
    label: str


class ItemState(BaseModel):
    """One agenda item and where its vote stands."""

    no: int
    title: str
    poll_key: str
    kind: PollKind
    secret: bool
    stage: str  # not_voted | open | closed | tallied | set_aside
    stage_label: str
    paper: bool = False
    tellers: list[str] = []
    max_choices: int = 1
    choices: list[Choice] = []
    voters: int | None = None  # ballots in so far, while the poll is open
    paper_mismatch: bool = False
    outcome: str = ""
    published: bool = False  # the secret ballots are published: receipts can be checked


def choices_of(poll: PollView, names: Names) -> list[Choice]:
    """A ballot's options: 赞成/反对/弃权, 满意…, or the candidates by name."""
    return [
        Choice(code=c, label=pick(OPTION_LABELS[c]) if c in OPTION_LABELS else names.person(c))
        for c in poll.spec.options()
    ]


def session_items(app: App, view: SessionView, names: Names) -> list[ItemState]:
    """Every agenda item of the session with its poll, read from the ledger."""
    set_aside = {o.item_no: o for o in view.outcomes if o.set_aside}
    out = []
    for item, poll in zip(view.agenda, app.polls.item_polls(view), strict=True):
        state = ItemState(
            no=item.no,
            title=item.title,
            poll_key=view.poll_key(item.no),
            kind=item.effective_poll_kind(),
            secret=item.is_secret(),
            stage="not_voted",
            stage_label=pick(NOT_VOTED),
            max_choices=item.max_choices,
        )
        if item.no in set_aside:
            state.stage, state.stage_label = "set_aside", pick(SET_ASIDE)
            state.outcome = set_aside[item.no].reason
        if poll is not None:
            state.paper, state.tellers = poll.spec.paper, list(poll.spec.tellers)
            state.choices = choices_of(poll, names)
            state.paper_mismatch = poll.paper_mismatch
            state.published = poll.published_digest is not None
            if item.no not in set_aside:
                state.stage = poll.status.value
                state.stage_label = label_of(POLL_STATUS_LABELS, poll.status.value)
                # The result is read from the poll: the session's summary is one mixed line.
                state.outcome = poll_outcome(poll, names)
            if poll.status is PollStatus.OPEN and not poll.spec.paper:
                state.voters = app.polls.voters(poll.spec.poll_key)
        out.append(state)
    return out


@dataclass(frozen=True)
class ItemPoll:
    """One item's poll with its session, for the pages that show a single item."""

    view: SessionView
    poll: PollView
    names: Names


def item_poll(app: App, view: SessionView, no: int) -> ItemPoll:
    """The poll of item ``no`` (refused when the item was not put to the vote)."""
    view.item(no)
    return ItemPoll(view=view, poll=app.polls.poll(view.poll_key(no)), names=Names(app.directory))


def readable_session(app: App, actor_id: str, session_id: str) -> SessionView:
    """The session, if this person may read it (its term's delegates, the unit's cadres,
    the higher unions' reviewers, auditors, operators); missing (404) to anyone else."""
    view = app.polls.session(session_id)  # caught up with the log: so is ``current``
    return app.read_policy.check_session(actor_id, view, find=app.polls.current)
