"""Signing keys: RS256 key pairs in the database, private halves encrypted at rest, rotation.

One key is active (signs); retired keys stay in the JWKS until every token they signed has expired
(the longest token lifetime plus leeway), then they are deleted. The private key is encrypted with
AES-256-GCM under a key derived (HKDF-SHA256) from ``TRENDPATH_SECRET_KEY``; the key id is bound as
associated data so a ciphertext cannot be moved to another row. The ``kid`` is the RFC 7638 JWK
thumbprint. Concurrent creators and rotators (replicas) serialise on an advisory lock.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import delete, func, or_, select, text, update
from sqlalchemy.orm import Session

from trendpath.auth import models as m
from trendpath.kit.auth import LEEWAY_S
from trendpath.kit.settings import Settings

log = logging.getLogger(__name__)

ALG = "RS256"
RSA_BITS = 2048
_LOCK_ID = 7400418
_cache: dict[str, RSAKey] = {}


@dataclass(frozen=True)
class SigningKey:
    """The active private key and its id."""

    kid: str
    key: RSAKey


def _aead(settings: Settings) -> AESGCM:
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"trendpath-auth-signing-keys",
        info=b"signing key encryption v1",
    )
    return AESGCM(hkdf.derive(settings.secret_key.encode()))


def seal(settings: Settings, kid: str, private_pem: bytes) -> bytes:
    """Encrypt a private key for storage (nonce || ciphertext)."""
    nonce = os.urandom(12)
    return nonce + _aead(settings).encrypt(nonce, private_pem, kid.encode())


def unseal(settings: Settings, kid: str, blob: bytes) -> bytes:
    """Decrypt a stored private key; raises InvalidTag if the secret key changed."""
    return _aead(settings).decrypt(blob[:12], blob[12:], kid.encode())


def max_token_life(settings: Settings) -> timedelta:
    """How long a token signed now can stay valid, leeway included."""
    longest = max(settings.auth_access_token_ttl_s, settings.auth_id_token_ttl_s)
    return timedelta(seconds=longest + 2 * LEEWAY_S)


def _lock(session: Session) -> None:
    session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})


def _insert_new(session: Session, settings: Settings) -> SigningKey:
    key = RSAKey.generate_key(RSA_BITS, private=True)
    kid = key.thumbprint()
    public: dict[str, Any] = {**key.as_dict(private=False), "kid": kid, "alg": ALG, "use": "sig"}
    session.execute(
        m.signing_key.insert().values(
            kid=kid,
            alg=ALG,
            public_jwk=public,
            private_key=seal(settings, kid, key.as_pem(private=True)),
        )
    )
    _cache[kid] = key
    log.info("new signing key", extra={"kid": kid})
    return SigningKey(kid, key)


def _retire_active(session: Session) -> None:
    session.execute(
        update(m.signing_key)
        .where(m.signing_key.c.retired_at.is_(None))
        .values(retired_at=func.now())
    )


def active_key(session: Session, settings: Settings) -> SigningKey:
    """The key that signs now; created on first use (and replaced if it cannot be decrypted)."""
    row = _active_row(session)
    if row is None:
        _lock(session)
        row = _active_row(session)
        if row is None:
            return _insert_new(session, settings)
    kid, blob = row
    cached = _cache.get(kid)
    if cached is not None:
        return SigningKey(kid, cached)
    try:
        key = RSAKey.import_key(unseal(settings, kid, blob))
    except InvalidTag:
        # The secret key changed: the stored key is unusable. Start a new one; tokens signed by
        # the old key stay verifiable (its public half is still served) until they expire.
        log.error("signing key cannot be decrypted with the current secret key; rotating")
        _lock(session)
        _retire_active(session)
        return _insert_new(session, settings)
    _cache[kid] = key
    return SigningKey(kid, key)


def _active_row(session: Session) -> tuple[str, bytes] | None:
    row = session.execute(
        select(m.signing_key.c.kid, m.signing_key.c.private_key).where(
            m.signing_key.c.retired_at.is_(None)
        )
    ).first()
    return (row.kid, bytes(row.private_key)) if row is not None else None


def rotate(session: Session, settings: Settings) -> str:
    """Retire the active key and start a new one; returns the new ``kid``."""
    _lock(session)
    _retire_active(session)
    return _insert_new(session, settings).kid


def rotate_if_due(session: Session, settings: Settings) -> str | None:
    """Rotate when the active key is older than ``auth_key_rotation_days``; returns the new kid.

    With no key at all, the first one is created (that is not a rotation: returns None).
    """
    _lock(session)
    created = session.execute(
        select(m.signing_key.c.created_at).where(m.signing_key.c.retired_at.is_(None))
    ).scalar()
    if created is None:
        _insert_new(session, settings)
        return None
    now: datetime = session.execute(select(func.now())).scalar_one()
    if now - created <= timedelta(days=settings.auth_key_rotation_days):
        return None
    return rotate(session, settings)


def _published(settings: Settings) -> Any:
    cutoff = func.now() - max_token_life(settings)
    return or_(m.signing_key.c.retired_at.is_(None), m.signing_key.c.retired_at > cutoff)


def jwks(session: Session, settings: Settings) -> dict[str, list[dict[str, Any]]]:
    """The public keys to publish: the active one and those retired too recently to drop."""
    if _active_row(session) is None:
        active_key(session, settings)
    rows = session.execute(
        select(m.signing_key.c.public_jwk)
        .where(_published(settings))
        .order_by(m.signing_key.c.created_at.desc())
    ).scalars()
    return {"keys": [dict(r) for r in rows]}


def verification_keys(session: Session, settings: Settings) -> KeySet:
    """The published keys as a KeySet, for the auth service's own token checks."""
    return KeySet.import_key_set(jwks(session, settings))  # type: ignore[arg-type]


def prune(session: Session, settings: Settings) -> int:
    """Delete retired keys no valid token can refer to; returns how many."""
    result = session.execute(
        delete(m.signing_key).where(m.signing_key.c.retired_at.is_not(None), ~_published(settings))
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
