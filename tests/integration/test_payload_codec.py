"""With a payload key, nothing personal of a wage case is readable in Temporal (issue 8,
point 14): not in the dev server's database (``temporal.db``), not through its UI's HTTP
API, not in the message of a refusal recorded in the history. The same case on a stack
without a key shows every one of them in both places, so the search looks where the data is.

Both stacks are ``unionflow up`` with free ports and a data directory of their own, driven
by ``unionflow`` commands as a cadre types them.
"""

from __future__ import annotations

import base64
import json
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from settings import Settings
from tests.accounts_support import cli_login
from tests.integration.test_cli import run, stack_env, start_stack, stop_stack

pytestmark = pytest.mark.devserver

CASE = "PRIV-1"
WORKFLOW_ID = f"wage-contract-{CASE}"
UNION = ["欧阳娜娜", "司马青云", "诸葛明月"]
EMPLOYER = ["上官飞燕", "慕容秋水", "东方晓白"]
ON_BOTH_SIDES = "公孙策"  # only ever in a refused appointment: in Temporal, only its failure
MINUTES = "首轮纪要：皇甫嵩提出月工资增至八千八百八十八元"
CADRE_NAME = "王丽"  # wang.li in the directory: every command carries its actor's name
# The refusal's own words, in its message (English) and details (Chinese), and nowhere else.
REFUSAL = ("cannot sit on both sides", "不能同时担任双方协商代表")
SECRETS = [*UNION, *EMPLOYER, ON_BOTH_SIDES, MINUTES, CADRE_NAME, *REFUSAL]


def clear_forms(text: str) -> set[bytes]:
    """``text`` as stored bytes may hold it: UTF-8, and JSON's \\u escapes in either case."""
    escaped = json.dumps(text)[1:-1]
    upper = escaped.upper().replace("\\U", "\\u")
    return {text.encode(), escaped.encode(), upper.encode()}


def occurrences(blob: bytes) -> dict[str, int]:
    return {s: sum(blob.count(form) for form in clear_forms(s)) for s in SECRETS}


def negotiators_file(path: Path, union: list[str], employer: list[str]) -> Path:
    people = [
        {"name": name, "side": side, "chief": i == 0}
        for side, names in (("union", union), ("employer", employer))
        for i, name in enumerate(names)
    ]
    path.write_text(yaml.safe_dump({"negotiators": people}, allow_unicode=True), "utf-8")
    return path


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as response:  # a local server
        return json.load(response)


def decoded_payloads(node: Any) -> list[bytes]:
    """The bytes of every payload in a document of the HTTP API, which sends them base64."""
    if isinstance(node, list):
        return [b for item in node for b in decoded_payloads(item)]
    if not isinstance(node, dict):
        return []
    found = []
    if isinstance(node.get("data"), str) and "metadata" in node:
        found.append(base64.b64decode(node["data"], validate=True))
    return found + [b for value in node.values() for b in decoded_payloads(value)]


@dataclass
class Exposure:
    """What one run left readable in Temporal."""

    in_database: dict[str, int]  # secret -> occurrences in temporal.db and its -wal
    in_ui_api: dict[str, int]  # secret -> occurrences in the history and description
    event_types: list[str]
    encrypted_payloads: int  # payloads marked binary/encrypted in temporal.db
    refusal: str  # what the CLI told the cadre
    minutes_recorded: str  # what the CLI printed from the workflow's update result


def drive_wage_case(tmp_path: Path, *, payload_key: bool) -> Exposure:
    extra = {}
    if payload_key:
        extra["UNIONFLOW_PAYLOAD_KEY_FILE"] = str(tmp_path / "payload-key" / "keys.json")
    env = stack_env(tmp_path / "var", UNIONFLOW_TASK_QUEUE="privacy", **extra)
    if payload_key:
        created = run(env, "keys", "new-payload-key")
        assert created.returncode == 0, created.stdout + created.stderr
    both = negotiators_file(
        tmp_path / "both.yaml", [*UNION[:2], ON_BOTH_SIDES], [*EMPLOYER[:2], ON_BOTH_SIDES]
    )
    people = negotiators_file(tmp_path / "people.yaml", UNION, EMPLOYER)
    cadre = ("--as", "wang.li")
    stack = start_stack(env)
    try:
        cli_login(Settings(data_dir=tmp_path / "var"), "wang.li")
        steps = [
            ("wage", "open", *cadre, "--case", CASE, "--unit", "dl-bearing", "--employer",
             "大连轴承制造有限公司", "--place", "三楼会议室", "--content", "工资专项集体协商要约"),
            ("wage", "reply", CASE, *cadre, "--content", "同意协商"),
        ]  # fmt: skip
        for step in steps:
            done = run(env, *step)
            assert done.returncode == 0, done.stdout + done.stderr
        refused = run(env, "wage", "negotiators", CASE, *cadre, "--file", str(both))
        assert refused.returncode == 2, refused.stdout + refused.stderr
        for step in [
            ("wage", "negotiators", CASE, *cadre, "--file", str(people)),
            ("--lang", "en", "wage", "round", CASE, *cadre, "--minutes", MINUTES),
        ]:
            done = run(env, *step)
            assert done.returncode == 0, done.stdout + done.stderr

        api = f"http://127.0.0.1:{env['UNIONFLOW_DEV_SERVER_UI_PORT']}/api/v1/namespaces/default"
        history = get_json(f"{api}/workflows/{WORKFLOW_ID}/history")
        assert not history.get("nextPageToken"), "the history has a second page"
        documents = [history, get_json(f"{api}/workflows/{WORKFLOW_ID}")]
    finally:
        stop_stack(stack)

    served = [json.dumps(d, ensure_ascii=False).encode() for d in documents]
    database = b"".join(p.read_bytes() for p in sorted((tmp_path / "var").glob("temporal.db*")))
    return Exposure(
        in_database=occurrences(database),
        in_ui_api=occurrences(b"\n".join(served + decoded_payloads(documents))),
        event_types=[e["eventType"] for e in history["history"]["events"]],
        encrypted_payloads=database.count(b"binary/encrypted"),
        refusal=refused.stderr,
        minutes_recorded=done.stdout,
    )


def test_without_a_payload_key_names_minutes_and_refusals_are_readable_in_temporal(
    tmp_path: Path,
):
    exposure = drive_wage_case(tmp_path, payload_key=False)
    print(f"\nwithout a key: temporal.db {exposure.in_database}, UI API {exposure.in_ui_api}")

    assert "EVENT_TYPE_ACTIVITY_TASK_FAILED" in exposure.event_types, (
        "the refusal is not in history"
    )
    assert all(exposure.in_database.values()), exposure.in_database
    assert all(exposure.in_ui_api.values()), exposure.in_ui_api
    assert exposure.encrypted_payloads == 0


def test_with_a_payload_key_no_name_minutes_or_refusal_is_readable_in_temporal(tmp_path: Path):
    exposure = drive_wage_case(tmp_path, payload_key=True)
    print(f"\nwith a key: temporal.db {exposure.in_database}, UI API {exposure.in_ui_api}")
    print(f"payloads marked binary/encrypted in temporal.db: {exposure.encrypted_payloads}")

    # The refusal travelled through Temporal's history, and the cadre still read it.
    assert "EVENT_TYPE_ACTIVITY_TASK_FAILED" in exposure.event_types
    assert f"{ON_BOTH_SIDES} {REFUSAL[1]}" in exposure.refusal
    # The update's result came back encrypted and the CLI read it.
    assert f"Case {CASE} · dl-bearing · Stage: in talks · Version 4" in exposure.minutes_recorded
    assert exposure.encrypted_payloads > 0
    assert exposure.in_database == dict.fromkeys(SECRETS, 0)
    assert exposure.in_ui_api == dict.fromkeys(SECRETS, 0)
