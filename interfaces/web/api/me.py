"""``/api/v1/me``: who the caller is, and their own API tokens.

The actor is the signed-in one (session or bearer token) and nothing else: the bodies
have no actor field and refuse unknown fields, so naming another person is a 422.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from interfaces.web.auth import Channel, SignedIn, signed_in
from interfaces.web.context import context_of
from interfaces.web.problem import responses

router = APIRouter(prefix="/api/v1/me", tags=["me / 我"], responses=responses())


class Me(BaseModel):
    """The signed-in person, as the directory names them now."""

    actor_id: str
    name: str
    roles: list[str]
    channel: Channel


class TokenOut(BaseModel):
    """An API token as listed: never the token itself."""

    token_id: str
    label: str
    issued_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


class TokenRequest(BaseModel):
    """A new token for oneself (from a browser session; a token cannot issue tokens)."""

    model_config = ConfigDict(extra="forbid")

    label: str = Field(min_length=1, max_length=60)
    days: int | None = Field(default=None, ge=1, le=3650)
    command_id: str | None = Field(default=None, min_length=1, max_length=100)


class TokenIssuedOut(BaseModel):
    """The token, shown in this response only."""

    token_id: str
    token: str
    label: str
    expires_at: datetime


@router.get("", response_model=Me)
def me(who: SignedIn = Depends(signed_in)) -> Me:
    return Me(actor_id=who.actor_id, name=who.name, roles=who.roles, channel=who.channel)


@router.get("/tokens", response_model=list[TokenOut])
def tokens(request: Request, who: SignedIn = Depends(signed_in)) -> list[TokenOut]:
    found = context_of(request).accounts().tokens(who.actor_id)
    return [
        TokenOut(
            token_id=t.token_id,
            label=t.label,
            issued_at=t.issued_at,
            expires_at=t.expires_at,
            revoked_at=t.revoked_at,
        )
        for t in found
    ]


@router.post(
    "/tokens",
    response_model=TokenIssuedOut | None,
    status_code=201,
    responses={200: {"description": "已签发过（重复提交）/ already issued"}},
)
def issue(
    request: Request, body: TokenRequest, who: SignedIn = Depends(signed_in)
) -> TokenIssuedOut | Response:
    issued = (
        context_of(request)
        .accounts()
        .issue_token(who.actor_id, body.label, days=body.days, command_id=body.command_id)
    )
    if issued is None:
        return Response(status_code=200)
    return TokenIssuedOut(
        token_id=issued.token_id,
        token=issued.token,
        label=issued.label,
        expires_at=issued.expires_at,
    )


@router.delete("/tokens/{token_id}", status_code=204)
def revoke(request: Request, token_id: str, who: SignedIn = Depends(signed_in)) -> Response:
    context_of(request).accounts().revoke_token(who.actor_id, token_id)
    return Response(status_code=204)
