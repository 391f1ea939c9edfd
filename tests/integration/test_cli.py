"""The ``unionflow`` command as users run it: subprocesses against a real local stack."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from settings import Settings
from tests.accounts_support import cli_login
from tests.conftest import ROOT

UNIONFLOW = str(Path(sys.executable).parent / "unionflow")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env_for(data_dir: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "UNIONFLOW_DATA_DIR": str(data_dir),
        "UNIONFLOW_LOG_FORMAT": "json",
        "UNIONFLOW_WEB_PORT": str(free_port()),  # a stack's web app never meets another's
        **extra,
    }


def run(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [UNIONFLOW, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def test_demo_completes_and_audit_verify_then_detects_tampering(tmp_path: Path):
    demo = run(env_for(tmp_path / "var"), "demo", timeout=300)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    # The demo writes into its own data directory, never into the production one.
    assert not (tmp_path / "var" / "ledger.db").exists()
    env = env_for(tmp_path / "var" / "demo")
    assert f"UNIONFLOW_DATA_DIR={tmp_path / 'var' / 'demo'}" in " ".join(demo.stdout.split())
    out = demo.stdout
    for fact in (
        "逾期未回应",
        "预审退回修改",
        "赞成 15 票，反对 4 票，弃权 2 票 · 未通过",
        "赞成 20 票，反对 3 票，弃权 1 票 · 通过",
        "劳动行政部门提出审查意见",
        "合同生效",
        "启动续签",
    ):
        assert fact in out, f"the demo did not show: {fact}"
    assert out.count("预审退回修改") == 2
    assert "审计校验通过" in out

    verify = run(env, "audit", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    for fact in (
        "职代会名册导入",
        "自动结束",
        "已计入",
        "当选",
        "满意率",
        "不一致",
        "报告上级工会",
        "满意",
        # The award round (demo_awards.py): places, a proportion breach at the first review,
        # an upheld and a dismissed objection, a negative clearance, the committee's list.
        "推荐名额（3 名）已用完",
        "不符合 ≤13.0%，初审不予通过",
        "经调查属实",
        "存在欠税记录",
        "予以驳回",
        "评审委员会无记名表决，确定名单：张秀英",
        "表彰名单已导出",
        # The 安康杯 round (demo_contest.py): recusals, drop high/low, a tie-break, a veto
        # from a recorded accident, the notice with an upheld objection, the title granted.
        "须回避 大连轴承制造有限公司工会：评委与参评对象同属 dl-bearing",
        "回避名单：近亲属任该单位负责人",
        "去掉最高分和最低分",
        "按分项决胜“安全生产管理”",
        "一票否决：竞赛年度内发生重伤及以上生产安全事故",
        "异议成立，移出排名，重算排名",
        "公示期满，公示结束，奖项确定",
        "称号记入荣誉登记",
    ):
        assert fact in out, f"the demo did not show: {fact}"

    # Anyone recounts the demo's secret poll from the published ballots.
    listing = run(env, "congress", "list").stdout
    key = re.search(r"dl-bearing-demo-[\w-]+", listing).group(0)
    ballots = run(env, "congress", "ballots", f"{key}:2026-1", "1")
    assert ballots.returncode == 0 and "✓" in ballots.stdout, ballots.stdout + ballots.stderr
    receipt = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{2}", ballots.stdout).group(0)
    checked = run(env, "congress", "verify-receipt", f"{key}:2026-1", "1", receipt)
    assert checked.returncode == 0 and "已计入" in checked.stdout
    missing = run(env, "congress", "verify-receipt", f"{key}:2026-1", "1", "AAAA-BBBB-CC")
    assert missing.returncode == 1

    # Change one stored fact of the case: the audit names that event and fails.
    db = tmp_path / "var" / "demo" / "ledger.db"
    with sqlite3.connect(db) as conn:
        rowid, _originator_id, version, state = conn.execute(
            "SELECT rowid, originator_id, originator_version, state FROM stored_events "
            "WHERE topic LIKE '%AdoptionVoteRecorded' ORDER BY rowid LIMIT 1"
        ).fetchone()
        forged = bytes(state).replace(b'"votes_for":15', b'"votes_for":16')
        assert forged != bytes(state)
        conn.execute("UPDATE stored_events SET state=? WHERE rowid=?", (forged, rowid))
    verify = run(env, "--lang", "en", "audit", "verify")
    assert verify.returncode == 1
    assert f"version {version}" in verify.stdout
    assert "hash_mismatch" in verify.stdout
    report = json.loads(run(env, "audit", "verify", "--json").stdout)
    assert report["ok"] is False and report["first_bad"]["version"] == version


def stack_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a local stack of its own: free ports, its own data directory."""
    return env_for(
        data_dir,
        UNIONFLOW_DEV_SERVER_PORT=str(free_port()),
        UNIONFLOW_DEV_SERVER_UI_PORT=str(free_port()),
        **extra,
    )


def start_stack(env: dict[str, str]) -> subprocess.Popen[str]:
    """``unionflow up`` in the background, returned once it says it is ready."""
    proc = subprocess.Popen(
        [UNIONFLOW, "up"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    for line in proc.stdout:
        if "Ctrl-C" in line:
            return proc
        assert time.monotonic() < deadline, "the stack did not start"
    raise AssertionError(f"the stack exited: {proc.wait()}")


def stop_stack(proc: subprocess.Popen[str]) -> str:
    """Ctrl-C the stack; what it printed while stopping."""
    proc.send_signal(signal.SIGINT)
    rest, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, rest
    return rest


@pytest.mark.devserver
def test_stack_stops_on_ctrl_c_and_a_case_survives_a_restart(tmp_path: Path):
    env = stack_env(tmp_path / "var", UNIONFLOW_TASK_QUEUE="cli-test")
    stack = start_stack(env)
    try:
        # `unionflow up` serves the web app beside the dev server and the worker.
        web = httpx.get(f"http://127.0.0.1:{env['UNIONFLOW_WEB_PORT']}/healthz", timeout=10)
        assert web.status_code == 200 and web.json() == {"ok": True}
        cli_login(Settings(data_dir=tmp_path / "var"), "wang.li", "sun.hao")
        opened = run(
            env,
            "wage",
            "open",
            "--as",
            "wang.li",
            "--case",
            "CLI-1",
            "--unit",
            "dl-bearing",
            "--employer",
            "大连轴承制造有限公司",
            "--place",
            "三楼会议室",
            "--content",
            "工资专项集体协商要约",
        )
        assert opened.returncode == 0, opened.stdout + opened.stderr
        refused = run(env, "wage", "approve", "CLI-1", "--as", "sun.hao")
        assert refused.returncode == 2
        assert "不是 dl-bearing 的上级工会" in refused.stderr
        assert "已停止" in stop_stack(stack)

        stack = start_stack(env)
        replied = run(env, "wage", "reply", "CLI-1", "--as", "wang.li", "--content", "同意协商")
        assert replied.returncode == 0, replied.stdout + replied.stderr
        status = run(env, "status", "CLI-1")
        assert "协商中" in status.stdout
        history = json.loads(run(env, "history", "CLI-1", "--json").stdout)
        assert [e["event"] for e in history["events"]] == ["Created", "ReplyReceived"]
        assert all(len(e["hash"]) == 64 for e in history["events"])
        again = run(env, "directory", "load", "examples/directory.yaml", "--as", "ops.admin")
        assert "新增 0" in again.stdout
    finally:
        if stack.poll() is None:
            stop_stack(stack)
