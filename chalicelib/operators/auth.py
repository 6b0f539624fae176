"""Who calls the admin API: an operator of the stage's Cognito user pool.

Every ``/api/admin/`` request carries ``Authorization: Bearer <access token>``
of the pool's app client. The token is verified here, in the function
(``access_tokens``: RS256 against the pool's JWKS, issuer, ``token_use``,
client, expiry), whichever API called it: the HTTP API's JWT authorizer checks
the same in front of it on AWS, but `chalice local`, the REST API and the
tests reach the function without it. No shared token exists any more.

Roles are the pool's groups, each including the one below it:
``viewer`` (lists, charts, masked phones) < ``operator`` (+ actions, a
phone revealed with a reason) < ``admin`` (+ export, registrations, the
access record). 401 without a valid token, 403 with Korean text naming the
role that is missing.
"""

from __future__ import annotations

import contextvars
import json
import os
import threading
import time
import urllib.request
from dataclasses import dataclass
from typing import Any

from chalicelib import errors, logs, settings
from chalicelib.operators import access_tokens

UNAUTHORIZED_MESSAGE = "로그인이 필요해요. 다시 로그인해 주세요."
ROLES = ("viewer", "operator", "admin")
ROLE_LABELS = {"viewer": "조회", "operator": "운영", "admin": "관리자"}
# A JWKS read answers within this, or the request is answered 503.
JWKS_TIMEOUT_SECONDS = 3
# A kid we do not know is looked up again at most this often (key rotation).
JWKS_REFRESH_SECONDS = 300
_SCHEME = "bearer"


@dataclass(frozen=True)
class Operator:
    username: str
    role: str  # the highest of the user's groups
    groups: tuple[str, ...]

    def can(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)


def forbidden_message(role: str) -> str:
    return (f"{ROLE_LABELS[role]} 권한이 있어야 쓸 수 있는 기능이에요. "
            "필요하면 관리자에게 권한을 요청해 주세요.")


def presented_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header, or ""."""
    if not isinstance(authorization, str):
        return ""
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != _SCHEME:
        return ""
    return token.strip()


# -- the pool ---------------------------------------------------------------------

def pool() -> tuple[str, str]:
    """(user pool id, app client id) of the stage; a stage without them has no
    dashboard rather than an open one."""
    current = settings.current()
    if not current.cognito_user_pool_id or not current.cognito_client_id:
        raise access_tokens.InvalidToken("no user pool configured")
    return current.cognito_user_pool_id, current.cognito_client_id


def pool_region(pool_id: str) -> str:
    # A pool id is "<region>_<id>".
    return pool_id.split("_", 1)[0]


def issuer(pool_id: str) -> str:
    return f"https://cognito-idp.{pool_region(pool_id)}.amazonaws.com/{pool_id}"


def jwks_url(pool_id: str) -> str:
    """Where the pool's public keys are: Cognito's, or the emulator's copy
    (moto serves them at ``/<pool id>/.well-known/jwks.json``)."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL", "").rstrip("/")
    if endpoint:
        return f"{endpoint}/{pool_id}/.well-known/jwks.json"
    return f"{issuer(pool_id)}/.well-known/jwks.json"


_keys: dict[str, dict[str, access_tokens.PublicKey]] = {}
_fetched_at: dict[str, float] = {}
_lock = threading.Lock()


def _fetch_keys(url: str) -> dict[str, access_tokens.PublicKey]:
    if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise ValueError("JWKS only over https (or the local emulator)")
    with urllib.request.urlopen(url, timeout=JWKS_TIMEOUT_SECONDS) as answer:  # noqa: S310
        document = json.loads(answer.read(256 * 1024))
    found = {}
    for jwk in document.get("keys", []) if isinstance(document, dict) else []:
        key = access_tokens.key_from_jwk(jwk) if isinstance(jwk, dict) else None
        if key is not None and isinstance(jwk.get("kid"), str):
            found[jwk["kid"]] = key
    return found


def signing_key(pool_id: str, kid: str) -> access_tokens.PublicKey:
    """The pool's key ``kid`` from the cached JWKS, read again (at most every
    JWKS_REFRESH_SECONDS) when the kid is new: Cognito may rotate keys."""
    url = jwks_url(pool_id)
    known = _keys.get(url, {})
    if kid in known:
        return known[kid]
    with _lock:
        known = _keys.get(url, {})
        if kid not in known and time.monotonic() - _fetched_at.get(url, -1e9) \
                >= JWKS_REFRESH_SECONDS:
            try:
                known = _fetch_keys(url)
            except Exception as exc:
                logs.record("jwks_unavailable", level=40, error=type(exc).__name__)
                raise errors.service_unavailable() from exc
            _keys[url] = known
            _fetched_at[url] = time.monotonic()
    if kid not in known:
        raise access_tokens.InvalidToken("unknown kid")
    return known[kid]


def reset() -> None:
    """Forget the cached keys (tests that switch pools or emulators)."""
    with _lock:
        _keys.clear()
        _fetched_at.clear()


# -- the check --------------------------------------------------------------------

def authenticate(authorization: str | None) -> Operator:
    """The operator the header's token names; 401 ``ApiError`` otherwise."""
    token = presented_token(authorization)
    try:
        if not token:
            raise access_tokens.InvalidToken("no bearer token")
        pool_id, client_id = pool()
        header = access_tokens.header_of(token)
        key = signing_key(pool_id, header["kid"])
        claims = access_tokens.verify(token, key, issuer(pool_id), client_id)
    except access_tokens.InvalidToken as exc:
        logs.record("admin_token_refused", level=30, reason=str(exc))
        raise errors.ApiError(401, "UNAUTHORIZED", UNAUTHORIZED_MESSAGE) from None
    groups = tuple(g for g in claims.groups if g in ROLES)
    if not groups:
        # Signed in, but in none of the three groups: nothing to show.
        raise errors.ApiError(403, "FORBIDDEN", forbidden_message("viewer"))
    role = max(groups, key=ROLES.index)
    return Operator(username=claims.username, role=role, groups=groups)


def require(authorization: str | None, role: str) -> Operator:
    """The operator, when the token is valid and the groups hold ``role``."""
    operator = authenticate(authorization)
    if not operator.can(role):
        logs.record("admin_role_refused", level=30, operator=operator.username,
                    role=operator.role, needed=role)
        raise errors.ApiError(403, "FORBIDDEN", forbidden_message(role))
    return operator


# Which role each admin route needs (METHOD, Chalice's resource path); an
# unlisted admin route needs admin, so a new one is closed until listed.
ROUTE_ROLES: dict[tuple[str, str], str] = {
    ("GET", "/api/admin/requests"): "viewer",
    ("GET", "/api/admin/stats"): "viewer",
    ("GET", "/api/admin/me"): "viewer",
    ("POST", "/api/admin/requests/{request_id}/actions"): "operator",
    ("POST", "/api/admin/requests/{request_id}/reveal"): "operator",
    ("GET", "/api/admin/registrations"): "admin",
    ("GET", "/api/admin/access-log"): "admin",
}


def role_for(method: str, path: str, query: dict[str, Any] | None = None) -> str:
    if path == "/api/admin/requests" and str((query or {}).get("export", "")).lower() \
            in ("1", "true", "yes"):
        return "admin"  # the list as a file: an export
    return ROUTE_ROLES.get((method.upper(), path), "admin")


# -- the request's operator -------------------------------------------------------
# Set by the app's admin middleware for the view it calls (same thread).
_current: contextvars.ContextVar[Operator | None] = contextvars.ContextVar(
    "operator", default=None)


def signed_in(operator: Operator | None) -> contextvars.Token[Operator | None]:
    return _current.set(operator)


def signed_out(token: contextvars.Token[Operator | None]) -> None:
    _current.reset(token)


def current() -> Operator:
    """The operator of this admin request (401 when none was checked: a view
    reached without the middleware is refused, not opened)."""
    operator = _current.get()
    if operator is None:
        raise errors.ApiError(401, "UNAUTHORIZED", UNAUTHORIZED_MESSAGE)
    return operator
