"""Who may call what: user tokens with ``users:read`` / ``users:write``, admins with ``admin``.

Every user endpoint acts only on the signed-in user's own rows (the user id comes from the token,
never from the URL), so reading or changing someone else's data is impossible by construction;
ids of rows that belong to another user answer 404 exactly like ids that do not exist.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from trendpath.kit.auth import CurrentUser, Principal
from trendpath.kit.errors import ApiError


def need_scope(principal: Principal, scope: str) -> None:
    """403 ``insufficient_scope`` unless the token carries ``scope``."""
    if scope not in principal.scopes:
        raise ApiError(
            403,
            "insufficient_scope",
            f"token lacks scope: {scope}",
            headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{scope}"'},
        )


async def _reader(user: CurrentUser) -> Principal:
    need_scope(user, "users:read")
    return user


async def _writer(user: CurrentUser) -> Principal:
    need_scope(user, "users:write")
    return user


async def _admin(user: CurrentUser) -> Principal:
    need_scope(user, "admin")
    return user


Reader = Annotated[Principal, Depends(_reader)]
"""A signed-in user whose token may read their own User Service data."""
Writer = Annotated[Principal, Depends(_writer)]
"""A signed-in user whose token may change their own User Service data."""
Admin = Annotated[Principal, Depends(_admin)]
"""A signed-in admin (the auth service grants ``admin`` only to accounts with that role)."""
