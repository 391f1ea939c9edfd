"""Refusals name the next step in the user's words, never an internal command name (issue 7, point 15)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
import typer

from domain.actors import Acting, Role, system_acting
from domain.errors import InvalidState
from domain.motion import permissions as motion_permissions
from domain.motion.values import Stage as MotionStage
from domain.wage_contract import permissions as wage_permissions
from domain.wage_contract.values import Stage as WageStage
from interfaces.cli.root import app as cli_app

SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")
COMMAND_LINE = re.compile(r"unionflow ((?:[a-z-]+ ?)+)")


def _cli_paths() -> set[str]:
    root = typer.main.get_command(cli_app)
    paths: set[str] = set()

    def walk(command: Any, prefix: str) -> None:
        paths.add(prefix.strip())
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                walk(sub, f"{prefix} {name}")

    walk(root, "")
    return paths


def _named_commands(text: str) -> list[str]:
    """The longest known command path at each 'unionflow …' in ``text``."""
    known = _cli_paths()
    found = []
    for match in COMMAND_LINE.finditer(text):
        words = match.group(1).split()
        for n in range(len(words), 0, -1):
            if " ".join(words[:n]) in known:
                found.append(" ".join(words[:n]))
                break
        else:
            found.append(" ".join(words))
    return found


@pytest.mark.parametrize(
    ("table", "stages"),
    [(wage_permissions.NEXT_STEPS, WageStage), (motion_permissions.NEXT_STEPS, MotionStage)],
)
def test_every_stage_names_its_next_step_with_commands_that_exist(table, stages):
    assert set(table) == set(stages)
    known = _cli_paths()
    for zh, en in table.values():
        for text in (zh, en):
            assert not SNAKE.search(text.replace("adoption-poll", "")), text
            for command in _named_commands(text):
                assert command in known, f"{command!r} is not a unionflow command"
        assert _named_commands(zh) == _named_commands(en)


def _cadre() -> Acting:
    return Acting(actor_id="wang.li", role=Role.CADRE, roles=[Role.CADRE], org_id="dl-bearing")


def test_a_wage_step_at_the_wrong_stage_names_the_next_step_not_the_command():
    from tests.wage_contract.unit.test_wage_contract import Case, in_talks

    case = in_talks()
    case.do(_cadre(), wage_permissions_suspend())
    with pytest.raises(InvalidState) as refused:
        wage_permissions.precheck("sign_draft", _cadre(), case.agg.view())
    zh, en = refused.value.message("zh"), refused.value.message("en")
    assert "先恢复协商：unionflow wage resume" in zh and "unionflow wage resume" in en
    assert "sign_draft" not in zh + en and "草案签字" in zh
    assert Case  # the unit tests' harness


def wage_permissions_suspend():
    from domain.wage_contract import SuspendTalks

    return SuspendTalks(days=7, reason="僵持")


def test_every_refused_people_step_reads_without_internal_names():
    from tests.wage_contract.unit.test_wage_contract import Case

    view = Case().agg.view()
    for kind, (who, stages) in wage_permissions.RULES.items():
        for stage in set(WageStage) - stages:
            acting = system_acting() if who == "system" else _cadre()
            if who == "reviewer":
                continue  # a reviewer's refusal comes before the stage: tested elsewhere
            try:
                wage_permissions.precheck(kind, acting, view.model_copy(update={"stage": stage}))
            except InvalidState as e:
                text = e.message("zh") + " " + e.message("en")
                assert not SNAKE.search(text), text
                assert "unionflow" in text or stage in (WageStage.PUBLISHED,), text
    assert date.today()  # the checks above run on a copy; nothing is stored
