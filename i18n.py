"""User-facing labels: Chinese first, English on ``--lang en``."""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    "case": ("案件", "Case"),
    "process": ("流程", "Process"),
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
    "hard": ("法定底线", "Legal floor"),
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
    # the workers' congress and its roster
    "congress": ("职代会", "Congress"),
    "term_no": ("届次", "Term"),
    "term": ("任期", "Term of office"),
    "delegates": ("代表", "Delegates"),
    "person_name": ("姓名", "Name"),
    "constituency": ("选区", "Constituency"),
    "category": ("类别", "Category"),
    "gender": ("性别", "Gender"),
    "status": ("状态", "Status"),
    "in_office": ("在任", "in office"),
    "out_of_office": ("已离任", "out of office"),
    "presidium": ("主席团", "Presidium"),
    "sitting": ("开会中", "Sitting"),
    "row": ("行", "Row"),
    "field": ("字段", "Field"),
    "problem": ("问题", "Problem"),
    "roster_refused": (
        "名册未导入：请改正以下各行后重新导入。",
        "Roster not imported: fix these rows and import again.",
    ),
    "roster_imported": ("名册已导入", "Roster imported"),
}


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


EVENT_LABELS: dict[str, tuple[str, str]] = {
    "Created": ("发出协商要约，建立案件", "offer to bargain sent, case opened"),
    "ReplyReceived": ("收到书面回应", "written reply received"),
    "ReplyOverdue": (
        "逾期未回应，提请上级工会协调",
        "no reply in time: escalated to the higher union",
    ),
    "NegotiatorsAppointed": ("确定双方协商代表", "negotiators appointed"),
    "TalksRoundHeld": ("召开协商会议", "talks round held"),
    "TalksSuspended": ("协商中止", "talks suspended"),
    "TalksResumed": ("恢复协商", "talks resumed"),
    "DraftSigned": ("双方首席代表在草案上签字", "draft signed by both chiefs"),
    "DraftRevised": ("提交修改后的草案", "draft revised"),
    "SubmittedForReview": ("报上级工会预审", "submitted for pre-review"),
    "ReviewerReminded": ("提醒预审期限临近", "reviewer reminded of the deadline"),
    "ReviewEscalated": ("预审逾期，转报更高一级工会", "pre-review overdue: escalated"),
    "PreReviewApproved": ("预审通过", "pre-review approved"),
    "PreReviewReturned": ("预审退回修改", "returned for revision"),
    "AdoptionVoteRecorded": ("登记职代会表决结果", "adoption vote recorded"),
    "ContractSigned": ("签订合同", "contract signed"),
    "FilingReminded": ("提醒备案期限临近", "filing reminder"),
    "FilingOverdue": ("逾期未备案", "filing overdue"),
    "Filed": ("报送劳动行政部门备案", "filed with the labour administration"),
    "ObjectionRaised": ("劳动行政部门提出审查意见，退回重新协商", "objection: back to talks"),
    "TookEffect": ("审查期满无异议，合同生效", "no objection in the window: effective"),
    "PublicationOverdue": ("逾期未公布", "publication overdue"),
    "Published": ("向全体职工公布", "published to employees"),
    "RenewalOpened": ("合同即将到期，启动续签", "renewal notice: next round due"),
    "TalksStartReminded": ("提醒协商开始期限临近", "reminded: talks must start soon"),
    "TalksStartOverdue": ("逾期未开始协商", "talks did not start in time"),
    "TalksDataRequested": ("要求对方提供协商资料", "data requested for talks"),
    "TalksDataProvided": ("协商资料已提供", "data for talks provided"),
    "ReviewTakenOver": ("上级工会接手预审", "a higher union took the review over"),
    "FilingReturnedIncomplete": ("备案材料不齐，限期补正", "filing incomplete: fix period"),
    "HigherUnionReportOverdue": ("逾期未报上级工会", "report to the higher union overdue"),
    "ReportedToHigherUnion": ("报上级工会", "reported to the higher union"),
    "Sealed": ("账本封印", "ledger sealed"),
}


def event_label(name: str) -> str:
    """A stored event's business name."""
    pair = EVENT_LABELS.get(name)
    return pick(pair) if pair else name
