"""Contest definitions as files: the shipped three load; a file with an error is refused
naming its line and the reason (an unknown field, a weight that does not add up, a
tie-break or award category naming nothing, an accident veto without severities, a
minimum above its section's points), and a file whose key is not its name."""

from __future__ import annotations

from pathlib import Path

import pytest

from application.contest_definitions import CONTEST_DATA_DIR, ContestDefinitions, read_definition
from domain.errors import InvalidInput

ANKANG = (CONTEST_DATA_DIR / "ankang-cup.yaml").read_text(encoding="utf-8")
SKILLS = (CONTEST_DATA_DIR / "skills-contest.yaml").read_text(encoding="utf-8")


def test_the_shipped_definitions_load():
    found = {d.key: d for d in ContestDefinitions().all()}
    assert set(found) == {"ankang-cup", "skills-contest", "six-good-union"}
    six = found["six-good-union"].table
    assert [s.zh for s in six.sections] == [
        "工会组织建设好", "民主管理工作好", "劳动关系协调好", "帮扶解困服务好",
        "经济技术活动好", "素质工程建设好", "经费资产管理好",
    ]  # fmt: skip
    assert six.points == 100 and found["ankang-cup"].table.points == 100


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def refused(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        read_definition(path)
    return caught.value.message_zh + " | " + caught.value.message_en


@pytest.mark.parametrize(
    ("source", "old", "new", "at", "why"),
    [
        (ANKANG, "  drop_high_low: true", "  drop_highest: true", "drop_highest", "Extra inputs"),
        (ANKANG, "points: 6}", "points: -6}", "key: committee", "greater than 0"),
        (SKILLS, "weight: 0.7", "weight: 0.6", None, "add up to 1"),
        (SKILLS, "tie_breaks: [practice, theory]", "tie_breaks: [practice, luck]", None, "luck"),
        (ANKANG, "among: [institution]", "among: [school]", None, "school"),
        (ANKANG, "    severities: [fatal, serious]\n", "", None, "severities"),
        (ANKANG, "minimum: 8", "minimum: 13", None, "exceeds"),
    ],
)
def test_a_definition_with_an_error_is_refused_with_its_line(
    tmp_path: Path, source: str, old: str, new: str, at: str | None, why: str
):
    assert old in source
    text = source.replace(old, new, 1)
    key = "skills-contest" if source is SKILLS else "ankang-cup"
    message = refused(tmp_path, key, text)
    assert why in message
    if at is not None:
        assert f"第 {line_of(text, at)} 行" in message and f"line {line_of(text, at)}" in message
    else:
        assert "行" in message


def test_a_file_named_unlike_its_key_is_refused(tmp_path: Path):
    assert "文件名" in refused(tmp_path, "ankang", ANKANG)
