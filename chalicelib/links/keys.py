"""The signing keys of the partner links, from configuration.

``LINK_SIGNING_KEYS`` is ``kid:secret[,kid:secret...]``: the first key signs
new links, every key listed verifies. Rotation is therefore two deploys of a
setting, never of code: put the new key first (old links keep working), and
drop the old one once its links have expired (``LINK_TTL_SECONDS``).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from chalicelib import secrets

SETTING = "LINK_SIGNING_KEYS"
# The kid names a key in the configuration only: tokens do not carry it
# (verification tries every configured key).
KID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,8}$")
MIN_SECRET_BYTES = 16


class KeyConfigError(ValueError):
    """The configured keys cannot be used (the message never holds a secret)."""


@dataclass(frozen=True)
class Key:
    kid: str
    secret: bytes

    def __repr__(self) -> str:  # a key printed by accident shows no secret
        return f"Key(kid={self.kid!r})"


@dataclass(frozen=True)
class KeyRing:
    signing: Key
    by_kid: dict[str, Key]

    def find(self, kid: str) -> Key | None:
        return self.by_kid.get(kid)


def parse(value: str) -> KeyRing:
    keys: list[Key] = []
    for part in (value or "").split(","):
        part = part.strip()
        if not part:
            continue
        kid, sep, secret = part.partition(":")
        if not sep or not KID_PATTERN.match(kid):
            raise KeyConfigError(f"{SETTING}: key id must be 1-8 characters [A-Za-z0-9._-]")
        if len(secret.encode()) < MIN_SECRET_BYTES:
            raise KeyConfigError(f"{SETTING}: the secret of {kid} is shorter than "
                                 f"{MIN_SECRET_BYTES} bytes")
        if any(k.kid == kid for k in keys):
            raise KeyConfigError(f"{SETTING}: key id {kid} is listed twice")
        keys.append(Key(kid, secret.encode()))
    if not keys:
        raise KeyConfigError(f"{SETTING} holds no key")
    return KeyRing(signing=keys[0], by_kid={k.kid: k for k in keys})


_cache: dict[str, KeyRing] = {}
_lock = threading.Lock()


def current() -> KeyRing:
    """The ring for the configured value (parsed once per distinct value, so a
    rotated SSM parameter is picked up when `secrets` refreshes it)."""
    value = secrets.get(SETTING)
    ring = _cache.get(value)
    if ring is None:
        ring = parse(value)
        with _lock:
            _cache.clear()  # only the current value is worth keeping
            _cache[value] = ring
    return ring
