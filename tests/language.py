"""Scanners for output in the wrong language: code identifiers in Chinese output, Chinese
labels in English output.

Chinese output may hold ASCII only where it is data a person reads as a code: ids, keys,
hashes, receipts, dates, URLs and command lines shown as hints (``KEYS``, ``ALLOWED``,
plus the ids a test passes). Every other ASCII word is a label nobody translated — ``tallied``,
``Created``, ``True``, ``{'yes': 3}``, ``Stage.FILED``. English output may hold Chinese
only inside data people entered (names of people and units, titles, comments), which a
test passes as ``data``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# What Chinese output may show in ASCII: each pattern is a kind of code, never a label.
# What Chinese output may show in ASCII: each pattern is a kind of code, never a label.
# Keys first (they hold org codes and dates), then the ids a test passes, then the rest.
KEYS: dict[str, str] = {
    "url": r"https?://\S+",
    "file path": r"(?<![\w/])/(?:[\w.\-]+/)*[\w.\-]+",
    "command hint": r"unionflow(?: [a-z][\w-]*)+(?: [A-Z][\w:.\-]*)?",
    "setting in a hint": r"\bUNIONFLOW_[A-Z_]+=\S+",
    "demo case id": r"\bDEMO-\d{8}-[0-9a-f]{6}\b",
    "demo congress key": r"\bdl-bearing-demo-[\w.:\-]+",
    "demo award round or nomination key": r"\bmodel-demo-\d{8}-[0-9a-f]{6}[\w.:\-]*",
    "award committee key": r"\bdl-city-committee-[\w.:\-]+",
    "demo contest round or entry key": r"\bankang-demo-\d{8}-[0-9a-f]{6}[\w.:\-]*",
}
ALLOWED: dict[str, str] = {
    "hash": r"\b(?=[0-9]*[a-f])[0-9a-f]{8,64}\b",
    "receipt": r"\b[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{2}\b",
    "event version": r"\bv\d+\b",
}

IDENTIFIER_KINDS: dict[str, str] = {
    "Python literal": r"\b(?:True|False|None)\b",
    "dict repr": r"\{['\"][^{}]*['\"]:",
    "enum repr": r"\b[A-Z][A-Za-z]+\.[A-Z][A-Z_]+\b",
    "CamelCase name": r"\b[A-Z][a-z]+(?:[A-Z][a-z]+)+\b",
    "snake_case code": r"\b[a-z]+(?:_[a-z]+)+\b",
    "English word": r"\b[A-Za-z]{2,}\b",
}

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff01-\uff60]+")


def untranslated(text: str, ids: Iterable[str] = ()) -> list[str]:
    """Each ASCII identifier or word in Chinese output that is not an allowed code, by kind."""
    rest = text
    for pattern in KEYS.values():
        rest = re.sub(pattern, " ", rest)
    for known in sorted(set(ids), key=len, reverse=True):
        if known:
            rest = rest.replace(known, " ")
    for pattern in ALLOWED.values():
        rest = re.sub(pattern, " ", rest)
    found: list[str] = []
    for kind, pattern in IDENTIFIER_KINDS.items():
        for match in re.finditer(pattern, rest):
            found.append(f"{kind}: {match.group(0)!r} in {_line_of(rest, match.start())!r}")
        rest = re.sub(pattern, " ", rest)
    return found


def stray_chinese(text: str, data: Iterable[str]) -> list[str]:
    """Each run of Chinese in English output that is not inside data people entered."""
    rest = text
    for value in sorted(set(data), key=len, reverse=True):
        if value and CJK.search(value):
            rest = rest.replace(value, " ")
    return [f"{m.group(0)!r} in {_line_of(rest, m.start())!r}" for m in CJK.finditer(rest)]


def data_strings(value: Any, skip: frozenset[str] = frozenset()) -> set[str]:
    """Every string inside a JSON-like value, except under the keys in ``skip``."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set().union(*(data_strings(v, skip) for k, v in value.items() if k not in skip))
    if isinstance(value, list):
        return set().union(*(data_strings(v, skip) for v in value))
    return set()


def _line_of(text: str, at: int) -> str:
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    return " ".join(text[start : end if end >= 0 else None].split())[:160]
