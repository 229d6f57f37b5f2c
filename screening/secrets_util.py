"""Passwords, tokens and pseudonyms.

- Passwords: scrypt (n=2**15, r=8, p=1) with a 16-byte random salt; about 60 ms per check on purpose.
- Tokens (sessions, invite links): 32 random bytes (256 bits) from ``secrets``; only their sha256 is stored.
- Pseudonyms for logs and the audit trail: HMAC-SHA256 of an identifier under a per-installation key kept in
  the data home, so logs can be correlated without naming anyone.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets

from config.once import once

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
MIN_PASSWORD_LENGTH = 12


class PasswordError(ValueError):
    pass


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordError(f"passwords need at least {MIN_PASSWORD_LENGTH} characters")
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, maxmem=64 * 2**20)
    return "$".join(
        [
            "scrypt",
            str(SCRYPT_N),
            str(SCRYPT_R),
            str(SCRYPT_P),
            base64.b64encode(salt).decode(),
            base64.b64encode(digest).decode(),
        ]
    )


def no_account_hash() -> str:
    """A well-formed hash no password matches, checked when an e-mail has no account so that a sign-in costs the
    same work either way (the time does not tell whether an account exists)."""
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}$AAAAAAAAAAAAAAAAAAAAAA==$AAAA"


def verify_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=64 * 2**20,
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@once
def _pseudonym_key() -> bytes:
    from config.settings import get_settings

    path = get_settings().data_home() / "pseudonym.key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(fd, "wb") as handle:
        handle.write(os.urandom(32))
    return path.read_bytes()


def pseudonym(kind: str, value: object) -> str:
    """A stable, non-reversible name for an identifier, for logs: ``invite:3f2a...``."""
    mac = hmac.new(_pseudonym_key(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:16]
    return f"{kind}:{mac}"
