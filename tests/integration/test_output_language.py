"""Chinese output is Chinese throughout, English output English (issue 7, point 17).

The demo runs once in each language into one data directory; then ``history`` and
``status`` of every record it made (the wage case, the congress term, the session, its
four polls, the motion, the call for motions) and the list commands are read in both
languages. Chinese output may show ASCII only as codes (``tests.language.ALLOWED`` and
the ids of the directory); English output may show Chinese only inside data people
entered (names, titles, comments, as the ledger and the directory hold them).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from typer.testing import CliRunner

from bootstrap import build_app
from interfaces.cli import app as cli_app
from interfaces.cli import cases
from interfaces.cli._common import console
from settings import Settings
from tests.accounts_support import cli_login
from tests.language import data_strings, stray_chinese, untranslated

# Generated texts stored in the ledger are not data people entered: the English output
# must not lean on them (a session's stored one-line summary, a check's Chinese label).
GENERATED = frozenset({"summary", "label_zh", "detail"})


@dataclass
class Story:
    runner: CliRunner
    demo: dict[str, str]  # language -> the demo's printed story
    keys: list[str]  # every record the zh demo made
    ids: set[str] = field(default_factory=set)  # codes Chinese output may show
    data: set[str] = field(default_factory=set)  # Chinese text people entered
    award_keys: list[str] = field(default_factory=list)  # the demo's rounds and nominations
    contest_keys: list[str] = field(default_factory=list)  # the demo's 安康杯 rounds

    def cli(self, lang: str, *args: str) -> str:
        result = self.runner.invoke(cli_app, ["--lang", lang, *args])
        assert result.exit_code == 0, f"{args}: {result.output}"
        return result.stdout


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    data_dir = tmp_path_factory.mktemp("language") / "var"
    runner = CliRunner(
        env={"UNIONFLOW_DATA_DIR": str(data_dir), "UNIONFLOW_TEMPORAL_ADDRESS": "127.0.0.1:1"}
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(console, "width", 1000)  # no wrapping: a wrapped name is not found
        patch.setattr(cases, "WORKFLOW_TIMEOUT", 0.2)  # no server after the demo
        demo = {}
        for lang in ("zh", "en"):
            result = runner.invoke(cli_app, ["--lang", lang, "demo"])
            assert result.exit_code == 0, result.output
            demo[lang] = result.stdout
        zh = demo["zh"]
        # The demo may keep a data directory of its own inside the one it is given.
        if (data_dir / "demo" / "ledger.db").exists():
            data_dir = data_dir / "demo"
            runner = CliRunner(env={**runner.env, "UNIONFLOW_DATA_DIR": str(data_dir)})
        case = re.search(r"DEMO-\d{8}-[0-9a-f]{6}", zh).group(0)
        term = f"dl-bearing-demo-{case.lower()}"
        motion = re.search(rf"{term}-[0-9a-f]{{6}}", zh).group(0)
        session = f"{term}:2026-1"
        polls = [f"{session}:item{n}" for n in range(1, 6)]
        call = None
        app = build_app(Settings(data_dir=data_dir))
        cli_login(app, "wang.li")  # her inbox is read as her
        try:
            directory = app.directory
            ids = {a.spec.id for a in directory.actors()} | {
                o.spec.code for o in directory.organisations()
            }
            ids |= set(app.profiles.names())
            data = {a.spec.name for a in directory.actors()}
            data |= {o.spec.name for o in directory.organisations()}
            call = app.facades().motions.view(motion).call_key
            awards = app.awards
            rounds = [r.key for r in awards.rounds()]  # the zh run's and the en run's
            nominations = [n.key for r in rounds for n in awards.nominations(r)]
            contest_rounds = [r.key for r in app.contests.rounds()]
        finally:
            app.close()
        s = Story(runner, demo, [case, term, session, *polls, motion, call], ids, data)
        s.award_keys = [*rounds, *nominations]
        s.contest_keys = contest_rounds
        for key in [*s.keys, *s.award_keys, *s.contest_keys]:
            payload = json.loads(s.cli("zh", "history", key, "--json"))
            for event in payload["events"]:
                s.data |= data_strings(event["facts"], GENERATED) | {event["comment"]}
        yield s


def reads(story: Story, lang: str) -> dict[str, str]:
    """Every output the point covers, by the command that printed it."""
    out = {"demo": story.demo[lang]}
    for key in [*story.keys, *story.award_keys, *story.contest_keys]:
        out[f"history {key}"] = story.cli(lang, "history", key)
        out[f"status {key}"] = story.cli(lang, "status", key)
    term = story.keys[1]
    for command in (
        ("wage", "list"),
        ("wage", "checks", story.keys[0]),
        ("congress", "list"),
        ("congress", "roster", term),
        ("congress", "composition", term),
        ("congress", "results", story.keys[2]),
        ("motion", "report", term),
        ("motion", "show", story.keys[-2]),
        ("congress", "ballots", story.keys[2], "1"),
        ("directory", "show"),
        ("audit", "verify"),
        ("tasks", "--as", "wang.li"),
    ):
        out[" ".join(command)] = story.cli(lang, *command)
    return out


def test_chinese_output_shows_no_untranslated_identifier(story: Story) -> None:
    problems = {
        name: found
        for name, text in reads(story, "zh").items()
        if (found := untranslated(text, story.ids))
    }
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)


def test_english_output_shows_no_chinese_label(story: Story) -> None:
    problems = {
        name: found
        for name, text in reads(story, "en").items()
        if (found := stray_chinese(text, story.data))
    }
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)


def test_history_shows_people_by_name_with_their_id_and_events_by_their_business_name(
    story: Story,
) -> None:
    zh = story.cli("zh", "history", story.keys[0])
    assert "王丽（wang.li）" in zh and "陈静（chen.jing）" in zh
    assert "报上级工会预审" in zh and "SubmittedForReview" not in zh
    assert "书面回应期限已到" in zh and "deadline reply passed" not in zh
    en = story.cli("en", "history", story.keys[-2])
    assert "刘强 (liu.qiang)" in en and "seconded" in en and "delegate" in en


def test_the_demo_tells_each_story_in_one_language(story: Story) -> None:
    zh, en = story.demo["zh"], story.demo["en"]
    assert "全体代表 30 名，出席 21 名；赞成 15 票" in zh and "15/30" not in zh
    assert "职工方 3 人，企业方 3 人" in zh and "signed=True" not in zh
    assert "21 of 30 delegates present; 15 for" in en and "union side 3; employer side 3" in en
    assert "满意率 80.0%" in zh and "satisfaction 80.0%" in en


def test_the_demos_tied_last_seat_is_reported_vacant_for_another_ballot(story: Story) -> None:
    zh, en = story.demo["zh"], story.demo["en"]
    assert (
        "议题5 民主选举 · 当选：王桂芳（dlb-d03）；吴振华（dlb-d07）、褚建平（dlb-d11）"
        "得票相等（各 16 票），1 个席位空缺，须另行选举" in zh
    )
    assert "tied on 16 votes each: 1 seat(s) vacant, another ballot is needed" in en
    results = story.cli("zh", "congress", "results", story.keys[2])
    assert "须另行选举" in results
