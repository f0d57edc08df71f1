"""Helpers shared by tests (import as ``from support import ...``; conftest modules are not
importable reliably when several test folders have one)."""

from __future__ import annotations

import socket
import threading
import time

from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from starlette.types import ASGIApp, Receive, Scope, Send

from trendpath.kit.db import Database
from trendpath.kit.settings import SERVICES, Settings


def truncate_all(db: Database) -> None:
    """Empty every table in the service schemas (keeps the schema and alembic_version)."""
    for attempt in range(5):
        try:
            _truncate(db)
            return
        except OperationalError:  # a deadlock with a server thread finishing a request
            if attempt == 4:
                raise
            time.sleep(0.2)


def _truncate(db: Database) -> None:
    with db.engine.begin() as conn:
        rows = conn.execute(
            text(
                "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables "
                "WHERE schemaname = ANY(:schemas)"
            ),
            {"schemas": list(SERVICES)},
        ).scalars()
        tables = list(rows)
        if tables:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


def free_port() -> int:
    """A TCP port that is free right now on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class LiveServer:
    """A real uvicorn server on 127.0.0.1 in a background thread."""

    def __init__(self, app: object) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app,  # type: ignore[arg-type]
            host="127.0.0.1",
            port=self.port,
            log_config=None,
            access_log=False,
            lifespan="on",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("live server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


class Deferred:
    """An ASGI app whose target is set once the server (and so its port, hence the public URL
    the app must know) exists."""

    def __init__(self) -> None:
        self.app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.app is not None
        await self.app(scope, receive, send)


USER_SCOPES = "openid profile email account ai:chat trends:read users:read users:write news:read"


def issue_token(
    db: Database, settings: Settings, *, subject: str, client_id: str, scope: str
) -> str:
    """An access token from the auth service's own signing code (the code flow's last step).

    Tests of the other services need signed-in users; the sign-in flows themselves are proven
    in tests/auth. This mints through the same key store and claims as the token endpoint.
    """
    from trendpath.auth.tokens import mint_access_token

    with db.session_scope() as session:
        token, _ = mint_access_token(
            session, settings, subject=subject, client_id=client_id, scope=scope
        )
    return token


def new_user(
    db: Database, settings: Settings, email: str, scope: str = USER_SCOPES
) -> tuple[str, str]:
    """Sign up a real account; returns (user id, bearer token)."""
    from trendpath.auth.accounts import sign_up

    fast = settings.model_copy(update={"auth_argon2_time_cost": 1, "auth_argon2_memory_kib": 1024})
    with db.session_scope() as session:
        account = sign_up(
            session,
            fast,
            email=email,
            password="correct horse battery staple",
            display_name="테스트",
        )
        user_id = str(account.id)
    return user_id, issue_token(db, settings, subject=user_id, client_id="web", scope=scope)


def service_token(db: Database, settings: Settings, service: str, scope: str) -> str:
    """A client-credentials style token for ``svc-<service>``."""
    cid = f"svc-{service}"
    return issue_token(db, settings, subject=cid, client_id=cid, scope=scope)
