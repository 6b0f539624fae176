"""Lazily created, cached AWS clients.

boto3 is imported on first use, not at import time, so that a cold start that
never touches AWS (input validation errors, health of a warm container) pays
nothing for it. ``AWS_ENDPOINT_URL`` (honoured by botocore itself) points every
client at the local emulator.
"""

from __future__ import annotations

import copy
import threading
from typing import Any

from chalicelib import settings

_lock = threading.Lock()
_clients: dict[tuple[str, str, str | None], Any] = {}
# One session for every client: each new session loads botocore's endpoint and
# model files again (measured: three clients from three sessions cost about
# twice three from one). Sessions are not thread-safe, so it is only used
# under ``_lock``; the clients it makes are.
_session: Any = None

# Tight limits where a person is waiting on the other end; the defaults of
# botocore (60 s reads, legacy retries) would blow Connect's 8 s budget and the
# chat's 3 s promise. ``total_max_attempts`` counts the first try: botocore's
# ``max_attempts`` in a Config means *retries* (2 would be 3 calls).
PROFILES: dict[str, dict[str, Any]] = {
    "default": {"connect_timeout": 2, "read_timeout": 5,
                "retries": {"mode": "standard", "total_max_attempts": 3}},
    "interactive": {"connect_timeout": 1, "read_timeout": 2,
                    "retries": {"mode": "standard", "total_max_attempts": 2}},
    "llm": {"connect_timeout": 2, "read_timeout": 10,
            "retries": {"mode": "standard", "total_max_attempts": 2}},
    # A caller on the phone: Connect waits 8 s for the whole function.
    "caller": {"connect_timeout": 0.5, "read_timeout": 1.5,
               "retries": {"mode": "standard", "total_max_attempts": 2}},
    "caller_once": {"connect_timeout": 0.5, "read_timeout": 1.0,
                    "retries": {"mode": "standard", "total_max_attempts": 1}},
}


def worst_case_seconds(profile: str) -> float:
    """How long one call with this profile can take before it gives up."""
    p = PROFILES[profile]
    attempts = p["retries"]["total_max_attempts"]
    return attempts * (p["connect_timeout"] + p["read_timeout"]) + 0.2 * (attempts - 1)


def client(service: str, profile: str = "default", region: str | None = None) -> Any:
    """The cached client for ``service``; ``region`` only where a service must be
    reached outside the function's own region (SMS: see ``sms_region``)."""
    key = (service, profile, region)
    found = _clients.get(key)
    if found is not None:
        return found
    global _session
    with _lock:
        found = _clients.get(key)
        if found is None:
            import boto3
            from botocore.config import Config

            if _session is None:
                _session = boto3.session.Session()
            # A copy: botocore normalizes the retries dict it is given in place.
            config = Config(max_pool_connections=50, **copy.deepcopy(PROFILES[profile]))
            found = _session.client(service, config=config, region_name=region)
            _clients[key] = found
        return found


def sms_region() -> str:
    """Where SMS go out: SNS does not send SMS from every region (not from
    Seoul, ap-northeast-2), so the SNS client that texts uses the stage's
    ``SMS_REGION`` (default ap-northeast-1, Tokyo)."""
    return settings.current().sms_region


def reset() -> None:
    """Forget cached clients and the session (tests that switch endpoints,
    credentials or stub clients)."""
    global _session
    with _lock:
        _clients.clear()
        _session = None


def error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))
