"""What the pages' forms share: command ids, htmx fragments, redirect after a post.

(``is_htmx`` and ``new_command_id`` are in ``interfaces.web.pages``.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from domain.errors import InvalidInput
from domain.profiles import ProfileError
from i18n import pick
from interfaces.web.auth import SignedIn
from interfaces.web.context import context_of


def see_other(url: str) -> Response:
    """After a form's post, the page to show (303: the browser GETs it)."""
    return RedirectResponse(url, status_code=303)


def actor_ids(text: str) -> list[str]:
    """Ids from a pasted list (lines, commas, spaces, 、), in order, blanks dropped."""
    return [part for part in re.split(r"[\s,，、;；]+", text) if part]


def has_role(me: SignedIn, role: str) -> bool:
    """Whether the signed-in person holds ``role`` (to show a form; the facade decides)."""
    return role in me.roles


async def upload_text(upload: UploadFile, what: str, limit: int) -> str:
    """An uploaded file's text: at most ``limit`` bytes of UTF-8 (``what`` names it)."""
    data = await upload.read(limit + 1)
    if len(data) > limit:
        size = f"{limit / (1 << 20):g} MiB"
        raise InvalidInput(
            f"{what}文件 {upload.filename} 过大（超过 {size}）",
            f"{upload.filename} is larger than {size}",
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(
            f"{what}文件 {upload.filename} 不是 UTF-8 编码", f"{upload.filename} is not UTF-8"
        ) from None


# -- the rule profile a start form chooses (规则配置) ---------------------------------------


@dataclass(frozen=True)
class ProfileChoice:
    """One option of a start form's rule profile select."""

    name: str
    title: tuple[str, str]  # (Chinese, English)
    default: bool  # the profile new processes use (UNIONFLOW_RULE_PROFILE)

    @property
    def label(self) -> str:
        """The option's text: the title in the page's language, then the profile's name."""
        return f"{pick(self.title)} · {self.name}"


# "National default (全国默认)": an English title with its Chinese name in brackets.
_TITLE = re.compile(r"^(?P<en>[^(（]*?)\s*[(（](?P<zh>[^)）]+)[)）]\s*$")
_CJK = re.compile(r"[\u3400-\u9fff]")


def profile_title(title: str) -> tuple[str, str]:
    """A profile's title as a (Chinese, English) pair, from ``English (中文)`` or
    ``中文 (English)``; a title in one language only is used for both."""
    found = _TITLE.match(title)
    if found is None:
        return title, title
    outside, inside = found["en"].strip(), found["zh"].strip()
    if _CJK.search(inside) and not _CJK.search(outside):
        return inside, outside or inside
    if _CJK.search(outside) and not _CJK.search(inside):
        return outside, inside
    return title, title


def profile_choices(request: Request) -> list[ProfileChoice]:
    """The loadable rule profiles a start form offers, the one in force first (and
    preselected); a profile file that fails to load is left out (the operator's
    profiles page names its error)."""
    app = context_of(request).app
    default = app.settings.rule_profile
    choices = []
    for name in app.profiles.names():
        try:
            profile = app.profiles.load(name)
        except ProfileError:
            continue
        choices.append(ProfileChoice(name, profile_title(profile.title), name == default))
    return sorted(choices, key=lambda c: (not c.default, c.name))


def chosen_profile(request: Request, typed: str) -> str:
    """The profile a start form names (blank: the one in force), checked here so that an
    unknown or broken profile is refused before anything starts."""
    app = context_of(request).app
    name = typed.strip() or app.settings.rule_profile
    if name not in app.profiles.names():
        known = "、".join(app.profiles.names())
        raise InvalidInput(
            f"没有规则配置“{name}”；可选：{known}",
            f"no rule profile {name!r}; available: {', '.join(app.profiles.names())}",
        )
    try:
        app.profiles.load(name)
    except ProfileError as e:
        raise InvalidInput(
            f"规则配置“{name}”无效：{e}", f"rule profile {name!r} is invalid: {e}"
        ) from None
    return name


def profile_label(request: Request, name: str) -> str:
    """A recorded profile's title in the page's language (its name when it no longer
    loads), for the record pages."""
    try:
        title = context_of(request).app.profiles.load(name).title
    except ProfileError:
        return name
    return pick(profile_title(title))
