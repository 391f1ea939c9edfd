"""User-facing labels: Chinese first, English on ``--lang en``."""

from __future__ import annotations

from contextvars import ContextVar

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
    "more_errors": (
        "还有更多错误未列出：请先改正以上各行。",
        "More errors not listed: fix these rows first.",
    ),
}


_LANG: ContextVar[str] = ContextVar("unionflow_lang", default="zh")


class _LangCode(type):
    """``Lang.code`` reads and sets the language of the current context: one invocation
    of the CLI, or one web request (each request sets its own, so two users' languages
    never mix)."""

    @property
    def code(cls) -> str:
        return _LANG.get()

    @code.setter
    def code(cls, value: str) -> None:
        _LANG.set(value)


class Lang(metaclass=_LangCode):
    """The language of this invocation or request: ``Lang.code`` is "zh" or "en"."""


def t(key: str) -> str:
    """The label in the current language."""
    zh, en = LABELS[key]
    return en if Lang.code == "en" else zh


def pick(pair: tuple[str, str]) -> str:
    """One of a (Chinese, English) pair."""
    return pair[1] if Lang.code == "en" else pair[0]


def fmt(pair: tuple[str, str], **values: object) -> str:
    """One of a (Chinese, English) pair of templates, filled in."""
    return pick(pair).format(**values)


# -- who acts ---------------------------------------------------------------------------------

ROLE_LABELS: dict[str, tuple[str, str]] = {
    "cadre": ("工会干部", "union cadre"),
    "reviewer": ("上级工会审查人", "higher-union reviewer"),
    "delegate": ("职工代表", "delegate"),
    "judge": ("评委", "judge"),
    "department": ("承办部门", "handling department"),
    "auditor": ("审计", "auditor"),
    "operator": ("运维管理员", "operator"),
    "system": ("系统", "system"),
}

ORG_KIND_LABELS: dict[str, tuple[str, str]] = {
    "city_federation": ("市总工会", "city federation"),
    "district_union": ("区县工会", "district union"),
    "industry_union": ("产业工会", "industry union"),
    "grassroots_union": ("基层工会", "grassroots union"),
}


def role_label(role: str) -> str:
    """A role's name (an unknown one as it is)."""
    pair = ROLE_LABELS.get(role)
    return pick(pair) if pair else role


# -- events, per kind of record: the same class name means different facts in each ----------

EVENT_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "case": {
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
        "AdoptionPollRequested": ("提交职代会无记名表决", "put to the congress's secret ballot"),
        "AdoptionVoteRecorded": ("登记职代会表决结果", "adoption vote recorded"),
        "ContractSigned": ("签订合同", "contract signed"),
        "FilingReminded": ("提醒备案期限临近", "filing reminder"),
        "FilingOverdue": ("逾期未备案", "filing overdue"),
        "Filed": ("报送劳动行政部门备案", "filed with the labour administration"),
        "ObjectionRaised": (
            "劳动行政部门提出审查意见，退回重新协商",
            "objection: back to talks",
        ),
        "TookEffect": ("审查期满无异议，合同生效", "no objection in the window: effective"),
        "PublicationOverdue": ("逾期未公布", "publication overdue"),
        "Published": ("向全体职工公布", "published to employees"),
        "RenewalOpened": ("合同即将到期，启动续签", "renewal notice: next round due"),
        "DeadlinesCorrected": ("按公布的节假日安排更正期限", "deadlines corrected to the schedule"),
        # Events the domain work of issue 7 adds (branch issue7-wage): labelled ahead.
        "TalksStartReminded": ("提醒开始协商期限临近", "reminded to start talks"),
        "TalksStartOverdue": ("逾期未开始协商", "talks not started in time"),
        "TalksDataRequested": ("请求提供协商资料", "data for the talks requested"),
        "TalksDataProvided": ("提供协商资料", "data for the talks provided"),
        "ReviewTakenOver": ("更高一级工会接手预审", "pre-review taken over by a higher union"),
        "FilingReturnedIncomplete": (
            "备案材料不齐，退回补正",
            "filing incomplete: returned to complete",
        ),
        "ReportedToHigherUnion": ("报上级工会", "reported to the higher union"),
        "HigherUnionReportOverdue": ("逾期未报上级工会", "report to the higher union overdue"),
    },
    "congress": {
        "Created": ("建立职代会届次", "congress term set up"),
        "RosterImported": ("导入代表名册", "roster imported"),
        "DelegateReplaced": ("替补代表", "delegate replaced"),
        "DelegateRecalled": ("罢免代表", "delegate recalled"),
        "PresidiumElected": ("登记主席团", "presidium recorded"),
        "SessionBegan": ("会议开幕", "a session began"),
        "SessionEnded": ("会议闭幕", "a session ended"),
    },
    "session": {
        "Created": ("发出会议通知，送达会议材料", "session convened, papers sent"),
        "Opened": ("开幕", "session opened"),
        "ItemDecided": ("议题表决结果", "item decided"),
        "ItemSetAside": ("议题搁置", "item set aside"),
        "Closed": ("闭幕", "session closed"),
        "PublicationDue": ("结果公布期限", "results to be published by"),
        "PublicationOverdue": ("逾期未向职工公布结果", "results not published in time"),
        "ResultsPublished": ("向职工公布结果", "results published"),
        "ReportReminded": ("提醒报告上级工会期限临近", "report reminder"),
        "ReportOverdue": ("逾期未报告上级工会", "report overdue"),
        "Reported": ("报告上级工会", "reported to the higher union"),
    },
    "poll": {
        "Created": ("开始表决", "voting opened"),
        "Closed": ("表决结束", "voting ended"),
        "PaperCountEntered": ("录入纸质选票计票结果", "paper count entered"),
        "Tallied": ("计票", "counted"),
        "BallotsPublished": ("公布选票及回执码", "ballots published with receipts"),
        "BallotsCollected": ("选票批量入账（打乱顺序）", "ballots moved to the ledger, shuffled"),
        "BallotsPublishedApart": (
            "分别公布回执码与选票",
            "receipts and ballots published apart",
        ),
        "KeyDestroyed": ("销毁解密密钥", "decryption key destroyed"),
    },
    "motion": {
        "Created": ("代表提出提案", "motion filed"),
        "Seconded": ("附议", "seconded"),
        "SecondingClosed": ("附议征集截止", "seconding closed"),
        "Lapsed": ("附议人数不足，提案失效", "lapsed: too few seconders"),
        "Registered": ("提案委员会立案", "filed by the committee"),
        "Rejected": ("不予立案", "rejected by the committee"),
        "Assigned": ("交办承办部门", "assigned to a department"),
        "AnswerReminded": ("提醒答复期限临近", "answer reminder"),
        "AnswerOverdue": ("逾期未答复，已督办", "answer overdue: escalated"),
        "AnswerExtended": ("延期答复", "answer deadline extended"),
        "Answered": ("承办部门书面答复", "answered in writing"),
        "AnswerRated": ("提案人评价答复", "answer rated by the proposer"),
        "HandlingReopened": ("提案人不满意，重新办理", "reopened: the proposer was dissatisfied"),
    },
    "call": {"Created": ("发起提案征集", "call for motions opened")},
    "round": {
        "Created": ("发起评选", "selection round opened"),
        "NominationsClosed": ("推荐截止", "nominations closed"),
        "NoticeStarted": (
            "总工会公示开始（名单摘要记入账本）",
            "federation notice started, list hashed",
        ),
        "NoticeClosed": ("总工会公示结束", "federation notice closed"),
        "ListApproved": ("评审委员会表决，确定名单", "list approved after the committee's vote"),
        "Published": ("发布表彰名单", "list published"),
    },
    "nomination": {
        "Created": ("本单位推荐候选人", "nominated by the unit"),
        "JointAgreementRecorded": ("党政工联席会议同意", "joint agreement recorded"),
        "CongressApprovalRecorded": ("职代会表决通过", "approved by the unit's congress"),
        "NoticePosted": ("开始公示", "notice posted"),
        "NoticeClosed": ("公示期满", "notice closed"),
        "Submitted": ("报送推荐（占用名额）", "submitted (uses a place)"),
        "Reviewed": ("审核", "reviewed"),
        "ClearancesRequested": ("向有关部门征求意见", "clearances requested"),
        "ClearanceGiven": ("部门出具意见", "clearance given"),
        "ClearancesReminded": ("提醒部门出具意见", "departments reminded"),
        "ClearancesEscalated": ("部门意见逾期，报总工会督办", "late clearances escalated"),
        "ObjectionFiled": ("收到异议", "objection filed"),
        "ObjectionResolved": ("异议调查处理", "objection resolved"),
        "Removed": ("取消推荐", "removed"),
        "Withdrawn": ("单位撤回推荐", "withdrawn by the unit"),
        "CommitteeVoted": ("评审委员会表决", "committee vote recorded"),
    },
    "contest": {
        "Created": ("发起竞赛轮次", "contest round opened"),
        "RegistrationClosed": ("报名截止", "registration closed"),
        "JudgingStarted": ("自评截止，开始评审", "self-assessment closed, judging started"),
        "ConflictDeclared": ("登记评委回避", "conflict of interest recorded"),
        "Ranked": ("发布排名（输入摘要记入账本）", "ranking recorded with its inputs' hash"),
        "NoticePosted": ("发布排名公示", "ranking's public notice posted"),
        "ObjectionFiled": ("收到异议", "objection filed"),
        "ObjectionResolved": ("异议调查处理（成立则重算排名）", "objection resolved"),
        "NoticeClosed": ("公示结束，奖项确定", "notice closed, awards granted"),
    },
    "entry": {
        "Created": ("报名参赛", "registered"),
        "SelfAssessed": ("对照评分表自评", "self-assessed against the table"),
        "Reminded": ("提醒尚未自评的单位", "reminded: the self-assessment is due"),
        "JudgesAssigned": ("指派评委（含回避）", "judges assigned (recusals recorded)"),
    },
    "sheet": {
        "Created": ("提交评分表（或摘要、纸质录入）", "sheet submitted (or committed, or entered)"),
        "SecondEntryMatched": ("纸质评分表二次录入一致", "paper sheet entered again, matching"),
        "Revealed": ("揭示评分，与摘要一致", "marks revealed, matching the commitment"),
    },
    "safety": {
        "Created": ("建立安全生产记录", "safety record opened"),
        "AccidentRecorded": ("记录生产安全事故", "accident recorded"),
        "InspectionRecorded": ("记录安全检查", "safety inspection recorded"),
    },
    "campaign": {
        "Created": ("开展集中行动", "campaign opened"),
        "PeriodOpened": ("开始填报期", "reporting period opened"),
        "RemindersSent": ("一轮提醒已发出", "a reminder round sent"),
        "FinalReported": ("形成总结报告", "final report made"),
        "Closed": ("集中行动结束", "campaign closed"),
    },
    "campaign_unit": {
        "Created": ("单位加入集中行动", "unit joined the campaign"),
        "Left": ("单位退出集中行动", "unit left the campaign"),
        "Rejoined": ("单位重新加入", "unit rejoined"),
        "ReportSubmitted": ("单位填报指标", "indicator reported"),
        "ReportApproved": ("区县工会审核通过", "report approved by the district union"),
        "ReportReturned": ("区县工会退回填报", "report returned by the district union"),
        "ReportWithdrawn": ("单位撤回填报", "report withdrawn"),
        "Reminded": ("提醒单位填报", "unit reminded to report"),
        "Escalated": ("多次提醒未报，上报区县工会", "escalated to the district union"),
    },
    "ledger": {"Sealed": ("账本封印", "ledger sealed")},
    "calendar_year": {
        "Created": ("运维管理员载入年度节假日安排", "year schedule loaded by an operator"),
        "Reloaded": ("运维管理员更正年度节假日安排", "year schedule corrected by an operator"),
    },
}


def event_label(name: str, kind: str = "case") -> str:
    """A stored event's business name, in the record kind it belongs to."""
    pair = EVENT_LABELS.get(kind, {}).get(name) or EVENT_LABELS["ledger"].get(name)
    return pick(pair) if pair else name


# -- what the engine waits for, and what it wrote when a deadline passed ---------------------

DEADLINE_LABELS: dict[str, tuple[str, str]] = {
    "reply": ("书面回应期限", "the written reply deadline"),
    "talks_start_reminder": ("开始协商提醒日", "the reminder to start talks"),
    "talks_start": ("开始协商期限", "the deadline to start talks"),
    "higher_union_report": ("报上级工会期限", "the report to the higher union"),
    "suspension": ("协商中止期限", "the end of the suspension"),
    "pre_review_reminder": ("预审提醒日", "the pre-review reminder"),
    "pre_review": ("预审期限", "the pre-review deadline"),
    "pre_review_overdue": ("逾期预审的处理（已至最高一级）", "the overdue pre-review (at the top)"),
    "filing_reminder": ("备案提醒日", "the filing reminder"),
    "filing": ("备案期限", "the filing deadline"),
    "filing_overdue": ("逾期备案的处理", "the overdue filing"),
    "review_window": ("劳动行政部门审查期限", "the labour administration's review window"),
    "publication": ("公布期限", "the publication deadline"),
    "renewal": ("续签提醒日", "the renewal notice"),
    "seconding": ("附议截止日", "the end of seconding"),
    "answer_reminder": ("答复提醒日", "the answer reminder"),
    "answer": ("答复期限", "the answer deadline"),
    "answer_overdue": ("逾期答复的处理", "the overdue answer"),
    "report": ("报告上级工会期限", "the report deadline"),
    "report_reminder": ("报告提醒日", "the report reminder"),
    "report_overdue": ("逾期报告的处理", "the overdue report"),
}

SYSTEM_COMMENTS: dict[str, tuple[str, str]] = {
    "suspension ended": ("中止期满，自动恢复协商", "the suspension ended"),
    "year schedule loaded": ("已载入该年度节假日安排", "the year's schedule was loaded"),
    "seal": ("账本封印", "ledger sealed"),
}


def system_comment(text: str) -> str:
    """A comment the engine wrote, in the current language; a person's comment as it is."""
    if text in SYSTEM_COMMENTS:
        return pick(SYSTEM_COMMENTS[text])
    if text.startswith("deadline ") and text.endswith(" passed"):
        kind = text.removeprefix("deadline ").removesuffix(" passed")
        if kind in DEADLINE_LABELS:
            return fmt(("{what}已到", "{what} passed"), what=pick(DEADLINE_LABELS[kind]))
    if text.startswith("congress poll ") and text.endswith(" tallied"):
        key = text.removeprefix("congress poll ").removesuffix(" tallied")
        return fmt(("职代会表决 {key} 已计票", "congress poll {key} tallied"), key=key)
    return text


# -- stages of the congress's records ---------------------------------------------------------

SESSION_STATUS_LABELS: dict[str, tuple[str, str]] = {
    "convened": ("已通知，材料已送达", "convened, papers sent"),
    "open": ("开会中", "in session"),
    "closed": ("已闭幕", "closed"),
    "published": ("结果已公布，待报告上级工会", "results published, to report"),
    "reported": ("已报告上级工会", "reported to the higher union"),
}

POLL_STATUS_LABELS: dict[str, tuple[str, str]] = {
    "open": ("表决中", "voting"),
    "closed": ("表决结束，待计票", "closed, to be counted"),
    "counting": ("计票中", "being counted"),
    "tallied": ("已计票", "counted"),
}

REVIEW_OUTCOME_LABELS: dict[str, tuple[str, str]] = {
    "approved": ("通过", "approved"),
    "returned": ("退回修改", "returned"),
}

DECISION_LABELS: dict[str, tuple[str, str]] = {
    "file": ("立案", "filed"),
    "reject": ("不予立案", "rejected"),
}


def label_of(table: dict[str, tuple[str, str]], value: str) -> str:
    """A value's label from ``table`` (an unknown value as it is)."""
    pair = table.get(value)
    return pick(pair) if pair else value


_CN_DIGITS = "零一二三四五六七八九十"


def rule_fraction(num: int, den: int) -> str:
    """A rule's share: 三分之二 / 2/3 (half as 半数 / half)."""
    if (num, den) == (1, 2):
        return pick(("半数", "half"))
    if Lang.code == "zh" and 0 < num <= 10 and 0 < den <= 10:
        return f"{_CN_DIGITS[den]}分之{_CN_DIGITS[num]}"
    return f"{num}/{den}"
