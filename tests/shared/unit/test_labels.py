"""Every name the engine stores or reports has a label in both languages (issue 7, point 17),
and the scanners of ``tests.language`` catch what the output tests rely on them to catch."""

from __future__ import annotations

import re

import pytest

from domain.actors import Role
from domain.congress import Congress
from domain.directory import OrgKind
from domain.motion import Motion, MotionCall
from domain.motion import Stage as MotionStage
from domain.poll import Poll, PollStatus
from domain.session import Session, SessionStatus
from domain.wage_contract import STAGE_LABELS, Stage, WageContract
from i18n import (
    DEADLINE_LABELS,
    ORG_KIND_LABELS,
    POLL_STATUS_LABELS,
    ROLE_LABELS,
    SESSION_STATUS_LABELS,
    Lang,
    event_label,
    system_comment,
)
from interfaces.text import waiting_for
from tests.conftest import ROOT
from tests.language import stray_chinese, untranslated

AGGREGATES = {
    "case": WageContract,
    "congress": Congress,
    "session": Session,
    "poll": Poll,
    "motion": Motion,
    "call": MotionCall,
}


def stored_events(aggregate: type) -> list[str]:
    """The names of the events an aggregate stores (not the bases they share)."""
    return sorted(
        name
        for name, value in vars(aggregate).items()
        if isinstance(value, type)
        and hasattr(value, "mutate")
        and name not in ("Changed", "Event")  # the bases events share, never stored
        and not name.startswith("_")
    )


@pytest.fixture(autouse=True)
def lang():
    """Chinese unless a test switches; a CLI run elsewhere may have left English set."""
    Lang.code = "zh"
    yield Lang
    Lang.code = "zh"


@pytest.mark.parametrize("kind", sorted(AGGREGATES))
def test_every_stored_event_has_a_label_in_both_languages(kind, lang) -> None:
    names = stored_events(AGGREGATES[kind])
    assert names, f"no events found on {AGGREGATES[kind].__name__}"
    for name in names:
        for code in ("zh", "en"):
            lang.code = code
            assert event_label(name, kind) != name, f"{kind} {name} has no {code} label"


def test_the_same_event_name_reads_differently_in_each_kind_of_record() -> None:
    assert event_label("Created", "case") == "发出协商要约，建立案件"
    assert event_label("Created", "poll") == "开始表决"
    assert event_label("Closed", "session") != event_label("Closed", "poll")


@pytest.mark.parametrize(
    ("table", "values"),
    [
        (dict(STAGE_LABELS), list(Stage)),
        (ROLE_LABELS, [r.value for r in Role]),
        (ORG_KIND_LABELS, [k.value for k in OrgKind]),
        (SESSION_STATUS_LABELS, [s.value for s in SessionStatus]),
        (POLL_STATUS_LABELS, [s.value for s in PollStatus]),
    ],
)
def test_every_stage_role_and_kind_has_a_label(table, values) -> None:
    missing = [v for v in values if v not in table]
    assert not missing


def test_every_deadline_a_workflow_waits_for_has_a_label() -> None:
    # The workflows name what they wait for in string literals: each needs a label.
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "workflows").glob("*.py"))
    kinds = set(re.findall(r"\.(?:deadline|change)\(\s*\"([a-z_]+)\"", source))
    assert {"reply", "filing", "seconding", "answer"} <= kinds
    assert sorted(kinds - set(DEADLINE_LABELS)) == []


def test_what_a_workflow_waits_for_and_wrote_reads_in_the_language(lang) -> None:
    assert system_comment("deadline reply passed") == "书面回应期限已到"
    assert system_comment("suspension ended") == "中止期满，自动恢复协商"
    assert system_comment("请预审") == "请预审"  # a person's comment is left as written
    assert waiting_for("people:awaiting_decision", lambda s: pick_stage(s)) == (
        "待有关人员办理（待提案委员会审查）"
    )
    lang.code = "en"
    assert system_comment("deadline filing passed") == "the filing deadline passed"
    assert waiting_for("reply") == "the written reply deadline"


def pick_stage(value: str) -> str:
    from domain.motion import STAGE_LABELS as MOTION_STAGES

    return MOTION_STAGES[MotionStage(value)][0]


# -- the scanners the output tests rely on ---------------------------------------------------


@pytest.mark.parametrize(
    "leak",
    [
        "阶段: tallied",
        "事件 SubmittedForReview",
        "职工方 signed=True",
        "复核计票 {'yes': 21, 'no': 4}",
        "阶段 Stage.FILED",
        "等待: people:awaiting_decision",
        "备案 filed 2027-01-16",
        "None",
    ],
)
def test_the_chinese_scan_finds_each_kind_of_untranslated_identifier(leak) -> None:
    assert untranslated(f"2027-01-16  {leak}\n", ids={"wang.li"})


def test_the_chinese_scan_lets_codes_through() -> None:
    text = (
        "2027-01-16  v12  王丽（wang.li） · dl-bearing · 哈希 0d5b493e9739 · 回执码 DF7P-BFX5-EX\n"
        "查看: unionflow history DEMO-20261202-bfe4c7 · unionflow audit verify\n"
        "查看: UNIONFLOW_DATA_DIR=/srv/var/demo unionflow audit verify\n"
        "会议 dl-bearing-demo-demo-20261202-bfe4c7:2026-1 · http://127.0.0.1:8233\n"
    )
    assert untranslated(text, ids={"wang.li", "dl-bearing"}) == []


def test_the_english_scan_finds_a_chinese_label_but_not_a_name() -> None:
    assert stray_chinese("刘强 (liu.qiang) · stage: 已办结", data={"刘强"})
    assert stray_chinese("刘强 (liu.qiang) · stage: closed", data={"刘强"}) == []
    assert stray_chinese("rating: satisfied（措施具体）", data={"措施具体"})  # the parentheses
