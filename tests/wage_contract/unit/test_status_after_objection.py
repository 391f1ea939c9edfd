"""A case's status after an objection shows the filing it sent back as a past one (issue 7,
point 18): the labour administration's objection reopens talks, and the signature and
filing of that round are no longer current."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from domain.errors import NotFound
from domain.wage_contract import (
    ApproveReview,
    FileContract,
    RecordObjection,
    RecordTalksRound,
    SignContract,
    SignDraft,
    Stage,
    SubmitForReview,
)
from i18n import Lang
from interfaces.cli import cases
from interfaces.cli._common import console
from tests.wage_contract.helpers import draft
from tests.wage_contract.unit.test_wage_contract import (
    CADRE,
    PARENT_REVIEWER,
    congress_votes,
    count,
    filed,
)


class Directory:
    """A directory that knows nobody: people and unions are shown by code."""

    def actor(self, code: str):
        raise NotFound(f"人员 {code} 不存在", f"no actor {code}")

    def organisation(self, code: str):
        raise NotFound(f"组织 {code} 不存在", f"no organisation {code}")


APP = SimpleNamespace(directory=Directory())


@pytest.fixture
def status(monkeypatch):
    """The status table of a case as ``unionflow status`` prints it, in a language."""
    monkeypatch.setattr(console, "width", 300)

    def printed(view, lang: str = "zh") -> str:
        Lang.code = lang
        try:
            with console.capture() as capture:
                cases._print_case(APP, view, None)
        finally:
            Lang.code = "zh"
        return capture.get()

    return printed


def rows(text: str) -> dict[str, str]:
    """The status table's rows, label -> value."""
    found = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip("│ ").split("│")]
        if len(cells) == 2:
            found[cells[0]] = cells[1]
    return found


def test_after_an_objection_the_old_filing_is_shown_as_past_not_current(status) -> None:
    case = filed()
    before = rows(status(case.agg.view()))
    assert before["备案"] == str(case.agg.view().filed_on) and "审查期至" in before
    case.later(5).do(CADRE, RecordObjection(text="第3条支付时间不符合规定"))
    view = case.agg.view()
    assert view.stage is Stage.IN_TALKS and view.filed_on is not None  # the fact stays stored
    after = rows(status(view))
    for current in ("备案", "审查期至", "签订", "备案期限"):
        assert current not in after, f"{current} still shown as current: {after}"
    assert after["前次备案（已提出审查意见）"] == str(view.filed_on)
    assert after["审查意见 1"] == "第3条支付时间不符合规定"
    en = rows(status(view, "en"))
    assert "Filed" not in en and en["Earlier filing (objected to)"] == str(view.filed_on)


def test_refiling_after_an_objection_makes_the_new_filing_current(status) -> None:
    case = filed()
    case.later(5).do(CADRE, RecordObjection(text="第3条支付时间不符合规定"))
    case.do(CADRE, RecordTalksRound(minutes="按审查意见修改第3条"))
    case.do(CADRE, SignDraft(draft=draft()))
    case.do(CADRE, SubmitForReview())
    case.do(PARENT_REVIEWER, ApproveReview())
    congress_votes(case, count(30, 30, 20))
    case.do(CADRE, SignContract())
    signed = rows(status(case.agg.view()))
    assert signed["签订"] == str(case.today) and "备案" not in signed
    assert "前次备案（已提出审查意见）" in signed  # the old filing, until the new one
    case.later(1).do(CADRE, FileContract(copies=3, office="甘井子区人社局"))
    refiled = rows(status(case.agg.view()))
    assert refiled["备案"] == str(case.today)
    assert "前次备案（已提出审查意见）" not in refiled
