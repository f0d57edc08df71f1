"""Outgoing mail of the auth service (password reset links), through a configurable sender.

``auth_mail_backend=outbox`` (the default) stores each message in ``auth.outbox``; the auth
service shows them on ``/dev/outbox`` outside ``prod``, so development and tests need no mail
server. ``smtp`` sends through ``auth_smtp_host`` (STARTTLS unless turned off); a failure is
logged and reported to the caller, never shown to the person (whose answer must not depend on
whether an account exists).
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from trendpath.auth import models as m
from trendpath.kit.settings import Settings

log = logging.getLogger(__name__)
SMTP_TIMEOUT_S = 10


@dataclass(frozen=True)
class Mail:
    """One message to one person."""

    to: str
    subject: str
    body: str


def send(session: Session, settings: Settings, mail: Mail) -> bool:
    """Send (or store) ``mail``; False when the SMTP server refused or was unreachable."""
    if settings.auth_mail_backend == "outbox":
        session.execute(
            insert(m.outbox).values(recipient=mail.to, subject=mail.subject, body=mail.body)
        )
        return True
    return _smtp(settings, mail)


def _smtp(settings: Settings, mail: Mail) -> bool:
    if not settings.auth_smtp_host:
        log.error("mail: auth_mail_backend=smtp but TRENDPATH_AUTH_SMTP_HOST is not set")
        return False
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = settings.auth_mail_from, mail.to, mail.subject
    msg.set_content(mail.body)
    try:
        with smtplib.SMTP(
            settings.auth_smtp_host, settings.auth_smtp_port, timeout=SMTP_TIMEOUT_S
        ) as smtp:
            if settings.auth_smtp_starttls:
                smtp.starttls()
            if settings.auth_smtp_user:
                smtp.login(settings.auth_smtp_user, settings.auth_smtp_password or "")
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        log.error("mail: sending to the SMTP server failed: %s", exc)
        return False
    return True


def outbox(session: Session, limit: int = 20) -> list[Mail]:
    """The newest stored messages (the ``outbox`` backend), newest first."""
    rows = session.execute(
        select(m.outbox.c.recipient, m.outbox.c.subject, m.outbox.c.body)
        .order_by(m.outbox.c.id.desc())
        .limit(limit)
    )
    return [Mail(r.recipient, r.subject, r.body) for r in rows]


def forget(session: Session, email: str) -> None:
    """Drop the stored messages to ``email`` (account deletion)."""
    session.execute(m.outbox.delete().where(m.outbox.c.recipient == email))
