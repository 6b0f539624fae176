"""The operators' bearer token, compared in constant time.

Used twice: by the Chalice authorizer (which names the caller ``admin`` or
``anonymous``) and by the app's admin middleware, which refuses anyone else
with the contract's Korean 401. The middleware checks the token itself because
the HTTP API in front of the same function (requirement 8.1) runs no Chalice
authorizer; and the authorizer does not deny, because API Gateway and `chalice
local` would turn a deny into an English 403 where the contract says 401.
"""

from __future__ import annotations

import contextlib
import hmac

from chalicelib import aws, errors, logs, secrets

UNAUTHORIZED_MESSAGE = "관리자 토큰이 올바르지 않아요. 다시 로그인해 주세요."
_SCHEME = "bearer"


def presented_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header, or ""."""
    if not isinstance(authorization, str):
        return ""
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != _SCHEME:
        return ""
    return token.strip()


def is_valid(authorization: str | None) -> bool:
    token = presented_token(authorization)
    if not token:
        return False
    in_route = aws.route_calls() is not None
    try:
        # The authorizer runs outside a route: its SSM read gets the route's
        # short timeouts too.
        with contextlib.nullcontext() if in_route else aws.serving_route():
            expected = secrets.get("ADMIN_TOKEN")
    except secrets.MissingSecret:
        # A stage without a token has no dashboard, rather than an open one.
        logs.record("admin_token_missing", level=40)
        return False
    except Exception as exc:
        if in_route or not aws.is_outage(exc):
            raise  # in a route: the edge answers the outage with a Korean 503
        # The authorizer cannot check now: "anonymous"; the app's own check
        # then meets the outage and answers 503.
        logs.record("admin_token_unavailable", level=30, error=type(exc).__name__)
        return False
    return hmac.compare_digest(token.encode(), expected.encode())


def require(authorization: str | None) -> None:
    if not is_valid(authorization):
        raise errors.ApiError(401, "UNAUTHORIZED", UNAUTHORIZED_MESSAGE)
