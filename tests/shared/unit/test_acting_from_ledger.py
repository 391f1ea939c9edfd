"""Every registered activity takes its actor from the ledger's directory, never from the request.

The test enumerates what the worker registers (``App.activities``), so a new activity is
covered the day it is added: one that takes a command and does not refuse a forged actor
fails here.
"""

from __future__ import annotations

import typing
from datetime import UTC, datetime

import pytest
from pydantic import BaseModel
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from domain.actors import Acting, CommandMeta, Role, system_acting

FORGED = {
    # an id the directory does not know, claiming to be a cadre
    "unknown id": Acting(
        actor_id="mallory", name="王丽", role=Role.CADRE, roles=[Role.CADRE], org_id="dl-bearing"
    ),
    # a delegate (liu.qiang) whose payload claims the cadre role
    "claimed role": Acting(
        actor_id="liu.qiang",
        name="刘强",
        role=Role.CADRE,
        roles=[Role.CADRE, Role.DELEGATE],
        org_id="dl-bearing",
        org_path=["dl-city", "dl-ganjingzi", "dl-bearing"],
    ),
}

# Activities that take no command: they read, or are the engine's own act (a seal).
NO_COMMAND = {
    "wage_contract.view",
    "wage_contract.poll_facts",
    "motion.view",
    "poll.facts",
    "ledger.seal",
    # An award round's reads and paged engine steps: they apply only what the rules
    # make due by the date (a notice that has run, a clearance late), as the engine.
    "award.round",
    "award.sweep",
    "award.enter_notice",
    # A contest round's reads and its paged reminders (the engine's, to the units that
    # have not self-assessed; each reminder is refused to anyone but the engine).
    "contest.round",
    "contest.remind",
    "contest.tally",
    # The closed round's titles: the engine's grants, each once (no person acts).
    "contest.grant_titles",
    # A campaign's read of its timeline, and its paged reminders (the engine's, to the
    # units lagging in the period; the round is recorded by record_reminders, a command).
    "campaign.brief",
    "campaign.remind_page",
}


def _meta_field(arg_type: type) -> str | None:
    if not (isinstance(arg_type, type) and issubclass(arg_type, BaseModel)):
        return None
    hints = typing.get_type_hints(arg_type)
    return next((n for n in arg_type.model_fields if hints.get(n) is CommandMeta), None)


def _registered(app) -> list[tuple[str, typing.Any, type]]:
    found = []
    for fn in app.activities():
        definition = fn.__temporal_activity_definition
        found.append((definition.name, fn, definition.arg_types[0]))
    return found


def test_every_activity_that_takes_a_command_is_covered(app):
    names = {name for name, _, _ in _registered(app)}
    with_meta = {name for name, _, t in _registered(app) if _meta_field(t)}
    assert with_meta, "no activity takes a command?"
    assert names - with_meta == NO_COMMAND


@pytest.mark.parametrize("forgery", sorted(FORGED))
def test_every_activity_refuses_a_forged_actor_and_writes_nothing(app, forgery):
    before = app.ledger.max_notification_id()
    meta = CommandMeta(
        command_id=f"forged:{forgery}", acting=FORGED[forgery], occurred_at=datetime.now(UTC)
    )
    env = ActivityEnvironment()
    driven = 0
    for name, fn, arg_type in _registered(app):
        field = _meta_field(arg_type)
        if field is None:
            continue
        # The rest of the request is left out: the actor is refused before it is read.
        request = arg_type.model_construct(**{field: meta})
        with pytest.raises(ApplicationError) as caught:
            env.run(fn, request)
        assert caught.value.type == "not_authorised", (name, caught.value)
        assert "directory" in str(caught.value.details) or "role" in str(caught.value.details)
        driven += 1
    assert driven == len(_registered(app)) - len(NO_COMMAND)
    assert app.ledger.max_notification_id() == before


def test_the_activities_that_start_a_process_refuse_the_engine_role(app):
    from activities.acting import OPENED_BY_A_PERSON

    before = app.ledger.max_notification_id()
    meta = CommandMeta(command_id="forged", acting=system_acting(), occurred_at=datetime.now(UTC))
    env = ActivityEnvironment()
    starting = [(n, fn, t) for n, fn, t in _registered(app) if n in OPENED_BY_A_PERSON]
    assert {n for n, _, _ in starting} == OPENED_BY_A_PERSON
    for name, fn, arg_type in starting:
        request = arg_type.model_construct(**{_meta_field(arg_type): meta})
        with pytest.raises(ApplicationError) as caught:
            env.run(fn, request)
        assert caught.value.type == "not_authorised", (name, caught.value)
    assert app.ledger.max_notification_id() == before


def test_a_real_actor_in_its_own_role_gets_name_and_org_from_the_directory(app):
    from application.directory import acting_from_directory

    claimed = Acting(
        actor_id="wang.li", name="冒名", role=Role.CADRE, roles=[Role.CADRE], org_id="dl-city"
    )
    meta = CommandMeta(command_id="c", acting=claimed, occurred_at=datetime.now(UTC))
    resolved = acting_from_directory(app.directory, meta).acting
    assert resolved == app.directory.acting("wang.li", Role.CADRE)
    assert resolved.org_id == "dl-bearing" and resolved.name == "王丽"
