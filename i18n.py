"""User-facing labels: Chinese first, English on ``--lang en``."""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    "case": ("案件", "Case"),
    "unit": ("单位", "Unit"),
    "employer": ("企业", "Employer"),
    "stage": ("阶段", "Stage"),
    "version": ("版本", "Version"),
    "profile": ("规则配置", "Rule profile"),
    "waiting": ("等待", "Waiting for"),
    "until": ("期限", "Until"),
    "todo": ("待办", "To do"),
    "time": ("时间", "Time"),
    "event": ("事件", "Event"),
    "actor": ("操作人", "Actor"),
    "role": ("角色", "Role"),
    "org": ("组织", "Org"),
    "comment": ("说明", "Comment"),
    "hash": ("哈希", "Hash"),
    "code": ("代码", "Code"),
    "name": ("名称", "Name"),
    "kind": ("类型", "Kind"),
    "parent": ("上级", "Parent"),
    "roles": ("角色", "Roles"),
    "id": ("编号", "ID"),
    "check": ("检查项", "Check"),
    "result": ("结果", "Result"),
    "detail": ("说明", "Detail"),
    "hard": ("硬性", "Hard"),
    "passed": ("通过", "passed"),
    "failed": ("未通过", "FAILED"),
    "round": ("轮次", "Round"),
    "reviewer_org": ("预审单位", "Reviewing union"),
    "due": ("期限", "Due"),
    "outcome": ("结果", "Outcome"),
    "no_tasks": ("没有待办事项。", "Nothing waits for you."),
    "refused": ("操作被拒绝", "Refused"),
    "ledger_ok": ("账本完整：校验通过。", "Ledger intact: verification passed."),
    "ledger_bad": ("账本校验失败！", "LEDGER VERIFICATION FAILED"),
    "provisional": (
        "（暂定：该年度节假日安排尚未公布）",
        " (provisional: the year's schedule is not published)",
    ),
}

STAGE_EN_TO_ZH: dict[str, str] = {}


class Lang:
    """The language of this invocation."""

    code = "zh"


def t(key: str) -> str:
    """The label in the current language."""
    zh, en = LABELS[key]
    return en if Lang.code == "en" else zh


def pick(pair: tuple[str, str]) -> str:
    """One of a (Chinese, English) pair."""
    return pair[1] if Lang.code == "en" else pair[0]
