"""A finished command ends cleanly, every time (issue 7, point 16).

About one command in 100–150 used to die after its work was done with ``Fatal Python
error: PyGILState_Release`` (exit 134) or a segfault (139): the Temporal client's Rust
threads met a finalising interpreter. ``interfaces.cli.main`` now ends the process with
``os._exit`` once the work is complete and the output flushed.
"""

from __future__ import annotations

import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from settings import Settings
from tests.accounts_support import cli_login
from tests.conftest import ROOT
from tests.integration.test_cli import UNIONFLOW, env_for, free_port

COMMANDS = 300
CASES = 20


def _finalised_marker_script(*args: str) -> str:
    """Run the CLI's entry point with an object whose finaliser reports interpreter teardown."""
    return (
        "import sys\n"
        "class Marker:\n"
        "    def __del__(self):\n"
        "        sys.__stderr__.write('FINALISED\\n')\n"
        "marker = Marker()\n"
        f"sys.argv = ['unionflow', *{list(args)!r}]\n"
        "from interfaces.cli import main\n"
        "main()\n"
    )


def test_a_command_ends_without_interpreter_finalisation(tmp_path: Path) -> None:
    """The Rust threads never meet a finalising interpreter: there is no finalisation,
    and yet all output is flushed and the exit status is the command's."""
    env = env_for(tmp_path / "var")
    for args, status in ((["--help"], 0), (["wage", "checks", "NO-SUCH-CASE"], 2)):
        done = subprocess.run(
            [sys.executable, "-c", _finalised_marker_script(*args)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == status, done.stdout + done.stderr
        assert "FINALISED" not in done.stderr
        assert ("Usage" in done.stdout) if status == 0 else done.stderr.strip()


@pytest.mark.devserver
def test_three_hundred_commands_end_without_an_abnormal_exit(tmp_path: Path) -> None:
    env = env_for(
        tmp_path / "var",
        UNIONFLOW_DEV_SERVER_PORT=str(free_port()),
        UNIONFLOW_DEV_SERVER_UI_PORT=str(free_port()),
        UNIONFLOW_TASK_QUEUE="exit-test",
    )
    log = tmp_path / "stack.log"
    with log.open("wb") as out:  # a file, not a pipe: nobody reads the stack's log meanwhile
        stack = subprocess.Popen([UNIONFLOW, "up"], env=env, cwd=ROOT, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 60
        while "Ctrl-C" not in log.read_text(encoding="utf-8", errors="replace"):
            assert stack.poll() is None, log.read_text(encoding="utf-8", errors="replace")
            assert time.monotonic() < deadline, "the stack did not start"
            time.sleep(0.2)

        def run(args: list[str]) -> tuple[list[str], int, str]:
            done = subprocess.run(
                [UNIONFLOW, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
            )
            return args, done.returncode, done.stderr

        cli_login(Settings(data_dir=tmp_path / "var"), "wang.li", "liu.qiang")
        offer = ["--unit", "dl-bearing", "--employer", "大连轴承厂", "--place", "会议室"]
        opens = [
            ["wage", "open", "--as", "wang.li", "--case", f"EXIT-{i}", *offer, "--content", "要约"]
            for i in range(CASES)
        ]
        # Most commands talk to Temporal (updates, queries), where the crash happened; the
        # rest only read the ledger or are refused.
        mix = [
            ["wage", "reply", "EXIT-{}", "--as", "wang.li", "--content", "同意协商"],
            ["status", "EXIT-{}"],
            ["history", "EXIT-{}"],
            ["wage", "round", "EXIT-{}", "--as", "wang.li", "--minutes", "纪要"],
            ["motion", "second", "M-NONE", "--as", "liu.qiang"],
            ["wage", "list"],
            ["wage", "checks", "NO-SUCH-CASE"],
        ]
        rest = [[a.format(n % CASES) for a in mix[n % len(mix)]] for n in range(COMMANDS - CASES)]
        with ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(run, opens)) + list(pool.map(run, rest))
    finally:
        stack.terminate()
        stack.wait(timeout=60)
    assert len(results) == COMMANDS
    abnormal = [(a, code, err[-400:]) for a, code, err in results if code not in (0, 2)]
    assert abnormal == [], abnormal
    assert not [r for r in results if "Fatal Python error" in r[2]]
    assert sum(code == 0 for _, code, _ in results) > COMMANDS // 2  # the work was done
