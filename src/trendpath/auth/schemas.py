"""Pydantic models of the OAuth Service's JSON API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

Locale = Literal["ko", "en"]
GrantType = Literal["authorization_code", "refresh_token", "client_credentials"]


class SignUpIn(BaseModel):
    """A new password account."""

    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=1024)
    display_name: str = Field(min_length=1, max_length=100)
    locale: Locale = "ko"


class IdentityOut(BaseModel):
    """A linked social identity."""

    provider: str
    linked_at: datetime


class AccountOut(BaseModel):
    """The signed-in user's own account."""

    id: uuid.UUID
    email: str
    email_verified: bool
    display_name: str
    locale: Locale
    role: Literal["user", "admin"]
    has_password: bool
    created_at: datetime
    last_login_at: datetime | None
    identities: list[IdentityOut] = []


class PublicProfile(BaseModel):
    """A profile as its owner or an admin may read it by id."""

    id: uuid.UUID
    display_name: str
    locale: Locale
    created_at: datetime
    last_login_at: datetime | None


class ProfilePatch(BaseModel):
    """Profile fields the user may change."""

    display_name: str | None = Field(default=None, min_length=1, max_length=100)
    locale: Locale | None = None


class PasswordChange(BaseModel):
    """A password change; the current password proves it is the owner."""

    current_password: str = Field(default="", max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


class DeleteAccount(BaseModel):
    """Account deletion; password accounts confirm with the password."""

    password: str | None = Field(default=None, max_length=1024)


class EventOut(BaseModel):
    """One account event (see docs/auth.md, "Account deletion")."""

    id: int
    kind: Literal["account.deleted"]
    user_id: uuid.UUID
    occurred_at: datetime


class EventsOut(BaseModel):
    """A page of account events; pass ``next_after`` as ``after`` to continue."""

    events: list[EventOut]
    next_after: int


class ClientIn(BaseModel):
    """A client to register (admin only)."""

    client_id: str = Field(pattern=r"^[A-Za-z0-9._-]{3,64}$")
    name: str = Field(min_length=1, max_length=100)
    redirect_uris: list[str] = Field(default_factory=list, max_length=20)
    post_logout_redirect_uris: list[str] = Field(default_factory=list, max_length=20)
    grant_types: list[GrantType] = Field(min_length=1)
    scopes: list[str] = Field(min_length=1, max_length=50)
    public: bool = False
    first_party: bool = False


class ClientOut(BaseModel):
    """A registered client; ``client_secret`` is shown only in this response."""

    client_id: str
    client_secret: str | None
    name: str
    redirect_uris: list[str]
    grant_types: list[str]
    scopes: list[str]
    public: bool
    first_party: bool


class RotatedKey(BaseModel):
    """The new active signing key after a rotation."""

    kid: str


class TokenForm(BaseModel):
    """The token endpoint's form (RFC 6749 §4.1.3, §6, §4.4); documents the request only."""

    grant_type: GrantType
    code: str | None = None
    redirect_uri: str | None = None
    code_verifier: str | None = None
    refresh_token: str | None = None
    scope: str | None = None
    client_id: str | None = None
    client_secret: str | None = None


class RevokeForm(BaseModel):
    """The revocation endpoint's form (RFC 7009 §2.1); documents the request only."""

    token: str
    token_type_hint: Literal["access_token", "refresh_token"] | None = None
    client_id: str | None = None
    client_secret: str | None = None


class TokenOut(BaseModel):
    """A token response (RFC 6749 §5.1; ``id_token`` with ``openid``)."""

    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int
    scope: str
    refresh_token: str | None = None
    id_token: str | None = None


class OAuthErrorOut(BaseModel):
    """An RFC 6749 §5.2 error of the token and revocation endpoints."""

    error: str
    error_description: str
