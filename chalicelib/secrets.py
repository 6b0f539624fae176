"""Secrets from configuration, never from code.

Locally (and in tests) the value is the environment variable itself, e.g.
``LINK_SIGNING_KEYS``. In AWS stages the environment holds only the *name* of an SSM
``SecureString`` parameter in ``<NAME>_PARAM`` (written by provisioning), read
once per container and cached for a few minutes so a rotated value is picked up
without a deploy.
"""

from __future__ import annotations

import os
import threading
import time

from chalicelib import aws

CACHE_SECONDS = 300
_cache: dict[str, tuple[float, str]] = {}
_lock = threading.Lock()


class MissingSecret(RuntimeError):
    pass


def get(name: str) -> str:
    direct = os.environ.get(name)
    if direct:
        return direct
    param = os.environ.get(f"{name}_PARAM")
    if not param:
        raise MissingSecret(f"{name} is not configured (set {name} or {name}_PARAM)")
    now = time.monotonic()
    hit = _cache.get(param)
    if hit and now - hit[0] < CACHE_SECONDS:
        return hit[1]
    with _lock:
        value = aws.client("ssm").get_parameter(Name=param, WithDecryption=True)[
            "Parameter"]["Value"]
        _cache[param] = (now, value)
        return value


def reset() -> None:
    _cache.clear()
