"""``unionflow status`` of a contest round shows why the engine could not close the notice
and the titles the closed round granted (from the workflow's status query)."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from contracts.contest import TitlesResult
from domain.contest.values import Phase
from i18n import Lang
from interfaces.cli import cases
from interfaces.cli._common import console
from workflows.contest_round import ContestRoundStatus


def _printed(wf: ContestRoundStatus) -> str:
    view = SimpleNamespace(
        title="2027年“安康杯”竞赛",
        key="ankang-2027",
        definition=SimpleNamespace(zh="安康杯", en="Ankang Cup"),
        phase=Phase.NOTICE,
    )
    with console.capture() as captured:
        cases._print_contest_status(None, view, wf)  # type: ignore[arg-type]
    return captured.get()


def test_status_shows_a_refused_close_and_the_titles_granted():
    Lang.code = "zh"
    now = datetime(2027, 6, 1, tzinfo=UTC)
    refused = _printed(
        ContestRoundStatus(brief=None, step="notice", now=now, close_refused="尚有未处理的异议")
    )
    assert "公示未能结束" in refused and "尚有未处理的异议" in refused
    assert "授予称号" not in refused
    granted = _printed(
        ContestRoundStatus(
            brief=None,
            step="closed",
            now=now,
            titles=TitlesResult(granted=2, already=1, held=1),
        )
    )
    assert "授予称号: 2" in granted and "此前已授予 1" in granted and "已持有未再授予 1" in granted
    assert "公示未能结束" not in granted
