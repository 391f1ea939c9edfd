"""What the account service answers and refuses: results shown once, one refusal for
every wrong answer, and the password policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.errors import InvalidInput, NotAuthorised

PASSWORD_MIN = 10
PASSWORD_MAX = 256


class SignInRefused(NotAuthorised):
    """Wrong id, password or second factor: one message for all, so nothing is revealed."""

    code = "sign_in_refused"

    def __init__(self) -> None:
        super().__init__("账号、密码或动态口令不正确", "wrong id, password or TOTP code")


class AccountLocked(NotAuthorised):
    """Too many failed attempts in a row: sign-in waits, or an operator unlocks."""

    code = "account_locked"

    def __init__(self, minutes: int) -> None:
        super().__init__(
            f"连续失败次数过多，账号已暂时锁定：请 {minutes} 分钟后再试，或请运维管理员解锁",
            f"too many failed attempts: try again in {minutes} minutes, or ask an operator "
            "to unlock the account",
        )


class SetupRefused(NotAuthorised):
    """A setup code that is wrong, used or expired (one message for every case)."""

    code = "setup_refused"

    def __init__(self) -> None:
        super().__init__(
            "账号或设置码无效，或设置码已使用、已过期：请向运维管理员重新申请",
            "wrong id or setup code, or the code was used or has expired: ask an operator "
            "for a new one",
        )


class TotpEnrolmentRequired(NotAuthorised):
    """The person's role needs a second factor and none is enrolled yet."""

    code = "totp_enrolment_required"

    def __init__(self) -> None:
        super().__init__(
            "您的角色须使用动态口令登录，而账号尚未绑定：请向运维管理员申请设置码，在设置页绑定",
            "your role signs in with a TOTP code and none is enrolled: ask an operator for "
            "a setup code and enrol on the setup page",
        )


@dataclass(frozen=True)
class SignedInActor:
    """Who a password, a token or a session proved: an actor of the directory."""

    actor_id: str
    name: str
    roles: list[str]


@dataclass(frozen=True)
class IssuedCode:
    """A setup code as issued: shown once to the operator, never stored in clear."""

    actor_id: str
    code: str
    expires_at: datetime
    url: str


@dataclass(frozen=True)
class IssuedToken:
    """An API token as issued: shown once to its owner, never stored in clear."""

    token_id: str
    token: str
    label: str
    expires_at: datetime


@dataclass(frozen=True)
class AccountSummary:
    """One line of ``unionflow accounts list``."""

    actor_id: str
    name: str
    roles: list[str]
    state: str  # none | awaiting_setup | active
    locked_until: datetime | None
    totp: bool
    tokens: int


def check_password_policy(actor: str, password: str) -> None:
    """At least ``PASSWORD_MIN`` characters, and not the person's id."""
    if len(password) < PASSWORD_MIN:
        raise InvalidInput(
            f"密码至少 {PASSWORD_MIN} 个字符", f"a password has at least {PASSWORD_MIN} characters"
        )
    if len(password) > PASSWORD_MAX:
        raise InvalidInput(
            f"密码最多 {PASSWORD_MAX} 个字符", f"a password has at most {PASSWORD_MAX} characters"
        )
    if password.strip().lower() == actor.lower():
        raise InvalidInput("密码不能与账号相同", "a password cannot be the account's id")
