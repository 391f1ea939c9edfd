"""How results read in the user's language: people by name, counts as the minutes write them.

The CLI, the web app and the demo show facts through these functions, so a stored fact (a
tally, a check, a vote count) reads the same everywhere, in Chinese or in English, and
never as a repr. Pure text: no terminal, no HTML.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from domain.errors import DomainError
from domain.motion import RATING_LABELS, STAGE_LABELS, MotionView
from domain.poll import OPTION_LABELS, PollKind, PollView, TallyResult
from domain.wage_contract import Check, VoteCount, WageContractView
from i18n import DEADLINE_LABELS, DECISION_LABELS, Lang, fmt, label_of, pick, rule_fraction, t

# -- people and organisations ---------------------------------------------------------------


class Names:
    """People and organisations by name, read once each from the directory."""

    def __init__(self, directory: Any) -> None:
        self._directory = directory
        self._people: dict[str, str] = {}
        self._orgs: dict[str, str] = {}

    def person(self, actor_id: str) -> str:
        """王丽（wang.li）: a person by name with their id; an unknown id as it is."""
        if not actor_id or actor_id in ("system", "anonymous"):
            return pick(("系统", "system")) if actor_id == "system" else actor_id
        if actor_id not in self._people:
            try:
                name = self._directory.actor(actor_id).spec.name
            except DomainError:
                name = ""
            self._people[actor_id] = name
        name = self._people[actor_id]
        if not name:
            return actor_id
        return f"{name}（{actor_id}）" if Lang.code == "zh" else f"{name} ({actor_id})"

    def name(self, actor_id: str) -> str:
        """A person's name alone (their id when the directory has no name)."""
        self.person(actor_id)
        return self._people.get(actor_id) or actor_id

    def people(self, actor_ids: Iterable[str]) -> str:
        """Several people, in the language's list style."""
        return pick(("、", ", ")).join(self.person(i) for i in actor_ids)

    def org(self, code: str) -> str:
        """An organisation by its name (its English one when there is one); else its code."""
        if not code or code == "system":
            return pick(("系统", "system")) if code == "system" else code
        if code not in self._orgs:
            try:
                spec = self._directory.organisation(code).spec
                self._orgs[code] = (spec.name_en or spec.name) if Lang.code == "en" else spec.name
            except DomainError:
                self._orgs[code] = code
        return self._orgs[code]


# -- checks ---------------------------------------------------------------------------------

_SIDES = {"union": ("职工方", "union side"), "employer": ("企业方", "employer side")}


def _per_side(detail: str, render: Callable[[str, re.Match[str]], str], pattern: str) -> str:
    parts = []
    for part in detail.split(", "):
        side, _, rest = part.partition(" ")
        match = re.fullmatch(pattern, rest)
        if side not in _SIDES or match is None:
            return detail
        parts.append(render(pick(_SIDES[side]), match))
    return pick(("，", "; ")).join(parts)


def check_detail(check: Check) -> str:
    """A check's detail in the current language (the domain records one English form)."""
    detail = check.detail
    if check.code == "negotiators":
        return _per_side(
            detail, lambda side, m: fmt(("{s} {n} 人", "{s} {n}"), s=side, n=m[1]), r"(\d+)"
        )
    if check.code == "outsiders":
        return _per_side(
            detail,
            lambda side, m: fmt(
                ("{s} {total} 人中外聘 {n} 人", "{s}: {n} of {total} from outside"),
                s=side,
                n=m[1],
                total=m[2],
            ),
            r"(\d+)/(\d+)",
        )
    if check.code == "chiefs_signed":
        return _per_side(
            detail,
            lambda side, m: fmt(
                ("{s}首席代表{done}", "{s} chief {done}"),
                s=side,
                done=pick(("已签字", "signed") if m[1] == "True" else ("未签字", "not signed")),
            ),
            r"signed=(True|False)",
        )
    if check.code == "minimum_wage" and detail:
        return pick(("；", "; ")).join(
            fmt(("{post} {yuan} 元/月", "{post} {yuan} yuan/month"), post=post, yuan=yuan)
            for post, _, yuan in (p.partition(": ") for p in detail.split("; "))
        )
    counted = re.fullmatch(r"(\S+) (\d+)/(\d+)", detail)
    if counted and check.code in _COUNTED:
        return fmt(_COUNTED[check.code], n=counted[2], total=counted[3])
    return detail


_COUNTED: dict[str, tuple[str, str]] = {
    "managers": ("{total} 名代表中管理人员 {n} 名", "{n} of {total} delegates are managers"),
    "presidium_workers": (
        "主席团 {total} 人中一线职工和专业技术人员 {n} 人",
        "{n} of the {total} presidium members are frontline workers or technicians",
    ),
    "women": ("{total} 名代表中女职工 {n} 名", "{n} of {total} delegates are women"),
}


# -- a wage contract's dates ---------------------------------------------------------------


def case_dates(view: WageContractView) -> list[tuple[tuple[str, str], object]]:
    """The dates of the contract's current round; a filing an objection sent back is past."""
    filing = view.filing_current
    rows: list[tuple[tuple[str, str], object]] = [
        (("签订", "Signed"), view.signed_on if view.signing_current else None),
        (("备案期限", "Filing due"), view.filing_due if view.signing_current else None),
        (("备案", "Filed"), view.filed_on if filing else None),
        (("审查期至", "Review window until"), view.review_window_until if filing else None),
    ]
    if view.filed_on and not filing:
        rows.append((("前次备案（已提出审查意见）", "Earlier filing (objected to)"), view.filed_on))
    rows += [
        (("生效", "Effective"), view.effective_on),
        (("到期", "Expires"), view.expires_on),
        (("公布", "Published"), view.published_on),
        (("报上级工会期限", "Report to the higher union due"), view.higher_union_report_due),
        (("已报上级工会", "Reported to the higher union"), view.higher_union_reported_on),
        (("续签提醒", "Renewal notice"), view.renewal_on),
    ]
    return rows


# -- votes ----------------------------------------------------------------------------------


def adoption_count(count: VoteCount) -> str:
    """A wage contract's adoption vote as the minutes record it."""
    return fmt(
        (
            "全体代表 {total} 名，出席 {present} 名；赞成 {yes} 票，反对 {no} 票，弃权 {abstain} 票",
            "{present} of {total} delegates present; {yes} for, {no} against, {abstain} abstaining",
        ),
        total=count.total_delegates,
        present=count.present,
        yes=count.votes_for,
        no=count.votes_against,
        abstain=count.abstentions,
    )


def attendance(present: int, total: int) -> str:
    """到会 27 名（全体代表 30 名） / 27 of 30 delegates present."""
    return fmt(
        ("到会 {n} 名（全体代表 {total} 名）", "{n} of {total} delegates present"),
        n=present,
        total=total,
    )


def checked_in(present: int, total: int) -> str:
    """已签到 27 / 应到 30: the figure at the hall door and on the chair's screen."""
    return fmt(
        ("已签到 {n} / 应到 {total}", "checked in {n} / expected {total}"), n=present, total=total
    )


def quorum_line(present: int, needed: int, num: int, den: int) -> str:
    """The quorum of all delegates and whether the hall has it: 法定人数 20 名，已达到."""
    share = rule_fraction(num, den)
    rule = fmt(
        ("法定人数：全体代表的{s}，{k} 名", "quorum: {s} of all delegates, {k}"), s=share, k=needed
    )
    if present >= needed:
        return rule + pick(("，已达到", " — reached"))
    return rule + fmt(("，还差 {d} 名", " — {d} short"), d=needed - present)


def percent(good: int, of: int) -> str:
    """A share as a percentage with one decimal: 80.0%."""
    if of == 0:
        return "—"
    share = (Decimal(good) * 100 / Decimal(of)).quantize(Decimal("0.1"))
    return f"{share}%"


def _rule(result: TallyResult) -> str:
    match = re.fullmatch(r"([>≥])(\d+)/(\d+) of (\d+)", result.rule)
    if match is None:
        return result.rule
    strict, num, den, total = match[1] == ">", int(match[2]), int(match[3]), match[4]
    share = rule_fraction(num, den)
    if strict:
        return fmt(
            ("须超过全体代表 {t} 名的{s}", "more than {s} of all {t} delegates"), t=total, s=share
        )
    return fmt(
        ("须达到全体代表 {t} 名的{s}", "at least {s} of all {t} delegates"), t=total, s=share
    )


def option_label(option: str, names: Names | None = None) -> str:
    """A ballot's option: 赞成, 满意, or a candidate by name (by id without ``names``)."""
    pair = OPTION_LABELS.get(option)
    if pair:
        return pick(pair)
    return names.name(option) if names is not None else option


def counts_text(counts: dict[str, int], names: Names | None = None) -> str:
    """Counts per option, by the option's name: 赞成 21 票，反对 4 票."""
    return pick(("，", ", ")).join(
        fmt(("{o} {n} 票", "{o} {n}"), o=option_label(option, names), n=n)
        for option, n in counts.items()
    )


def _counts(result: TallyResult, names: Names) -> str:
    return counts_text(result.counts, names)


def poll_outcome(poll: PollView, names: Names) -> str:
    """A tallied poll's result as the congress's minutes write it ("" before the tally)."""
    result = poll.result
    if result is None:
        return ""
    counts = _counts(result, names)
    if poll.spec.kind is PollKind.ELECTION:
        text = _election(poll, result, names, counts)
    elif poll.spec.kind is PollKind.APPRAISAL:
        good = result.counts.get("satisfied", 0) + result.counts.get("basically_satisfied", 0)
        text = fmt(
            (
                "满意率 {rate}（满意和基本满意 {good} 票，共 {n} 票：{counts}）",
                "satisfaction {rate} ({good} of {n} ballots satisfied or basically satisfied: {counts})",
            ),
            rate=percent(good, result.ballots),
            good=good,
            n=result.ballots,
            counts=counts,
        )
    else:
        verdict = pick(("通过", "passed") if result.passed else ("未通过", "not passed"))
        text = fmt(("{v}（{c}；{r}）", "{v} ({c}; {r})"), v=verdict, c=counts, r=_rule(result))
    if not result.quorum_met:
        text = pick(("闭会时不足法定人数；", "no quorum at close; ")) + text
    return text


def _election(poll: PollView, result: TallyResult, names: Names, counts: str) -> str:
    seats = poll.spec.max_choices
    elected = [c for c in poll.spec.candidates if c in result.elected]
    parts = []
    if elected:
        parts.append(fmt(("当选：{who}", "elected: {who}"), who=names.people(elected)))
    vacant = seats - len(elected)
    if vacant > 0:
        tied = tied_at_last_seat(poll)
        if tied:
            parts.append(
                fmt(
                    (
                        "{who}得票相等（各 {n} 票），{v} 个席位空缺，须另行选举",
                        "{who} tied on {n} votes each: {v} seat(s) vacant, another ballot is needed",
                    ),
                    who=names.people(tied),
                    n=result.counts[tied[0]],
                    v=vacant,
                )
            )
        else:
            parts.append(
                fmt(
                    (
                        "{v} 个席位无人得票超过规定数（{rule}），须另行选举",
                        "{v} seat(s) vacant: no one else reached {rule}; another ballot is needed",
                    ),
                    v=vacant,
                    rule=_rule(result),
                )
            )
    return fmt(
        ("{parts}。得票：{c}", "{parts}. Votes: {c}"),
        parts=pick(("；", "; ")).join(parts),
        c=counts,
    )


def tied_at_last_seat(poll: PollView) -> list[str]:
    """The candidates who tie for the last seat left open (none when no tie left it open)."""
    result = poll.result
    if result is None or poll.spec.kind is not PollKind.ELECTION:
        return []
    if len(result.elected) >= poll.spec.max_choices:
        return []
    unelected = [c for c in poll.spec.candidates if c not in result.elected]
    if not unelected:
        return []
    top = max(result.counts.get(c, 0) for c in unelected)
    tied = [c for c in unelected if result.counts.get(c, 0) == top]
    # A tie needs two candidates on the same votes, each enough to be elected alone.
    return tied if len(tied) > 1 and top > 0 and _would_pass(result, top) else []


def _would_pass(result: TallyResult, votes: int) -> bool:
    match = re.fullmatch(r"([>≥])(\d+)/(\d+) of (\d+)", result.rule)
    if match is None or not result.quorum_met:
        return False
    num, den, total = int(match[2]), int(match[3]), int(match[4])
    return votes * den > num * total if match[1] == ">" else votes * den >= num * total


# -- motions -------------------------------------------------------------------------------


def motion_stage(view: MotionView) -> str:
    """The stage of a motion, in the current language."""
    return pick(STAGE_LABELS[view.stage])


def motion_details(v: MotionView, names: Names) -> list[tuple[str, str]]:
    """Who filed and seconded a motion, the decision, the department, the answers."""
    seconded = fmt(
        ("{n} 名代表附议（至少须 {min} 名）", "{n} seconders (at least {min} needed)"),
        n=len(v.seconders),
        min=v.rules.seconders_min,
    )
    rows = [
        (pick(("职代会", "Congress")), v.congress_key),
        (pick(("提案人", "Proposer")), names.person(v.proposer)),
        (pick(("理由", "Reasons")), v.reasons),
        (pick(("建议", "Proposal")), v.proposal),
        (pick(("附议", "Seconders")), f"{names.people(v.seconders) or '—'} · {seconded}"),
        (pick(("征集截止", "Window closes")), str(v.closes_on)),
    ]
    if v.decision is not None:
        decision = label_of(DECISION_LABELS, v.decision.value)
        rows.append((pick(("审查", "Decision")), f"{decision} {v.decision_reasons}".strip()))
    if v.lead_department:
        support = (
            fmt(("（协办：{d}）", " (supported by {d})"), d=names.people(v.supporting_departments))
            if v.supporting_departments
            else ""
        )
        rows.append(
            (pick(("承办部门", "Lead department")), names.person(v.lead_department) + support)
        )
    if v.due and not v.terminal:
        marks = [pick(("已延期", "extended"))] if v.extended else []
        if v.overdue:
            to = names.org(v.escalated_to or "")
            marks.append(fmt(("已逾期，已督办：{to}", "overdue, escalated to {to}"), to=to))
        rows.append((t("due"), f"{v.due} {' · '.join(marks)}".strip()))
    for answer in v.answers:
        rating = pick(RATING_LABELS[answer.rating]) if answer.rating else "—"
        rows.append(
            (
                f"{pick(('答复', 'Answer'))} {answer.round}",
                f"{answer.answered_on} {answer.text} · {pick(('评价', 'rating'))}: {rating}"
                + (fmt(("（{o}）", " ({o})"), o=answer.opinion) if answer.opinion else ""),
            )
        )
    return rows


# -- what a workflow waits for ---------------------------------------------------------------


def waiting_for(kind: str, stage_label: Callable[[str], str] | None = None) -> str:
    """What a process waits for, from the workflow's own code for it."""
    if kind.startswith("people:"):
        stage = kind.removeprefix("people:")
        return fmt(
            ("待有关人员办理（{s}）", "someone to act ({s})"),
            s=stage_label(stage) if stage_label else stage,
        )
    if kind.startswith("congress_poll:"):
        return fmt(("职代会表决 {key}", "the congress poll {key}"), key=kind.partition(":")[2])
    return label_of(DEADLINE_LABELS, kind)
