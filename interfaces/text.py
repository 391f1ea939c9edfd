"""What the CLI and the web both show in words: people by name, checks, a case's dates.

Pure text in the user's language (``i18n.Lang``), no rich markup and no HTML, so the
terminal and the browser read a stored fact the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from domain.errors import DomainError
from domain.wage_contract import Check, WageContractView
from i18n import Lang, fmt, pick

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
