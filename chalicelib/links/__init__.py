"""Signed one-time links for partners: issue and verify the token in
``{CONFIRM_BASE_URL}/r/{token}``.

The token proves *which request* a link is for (and so which partner: a
request's partner never changes) and until when; it carries no Step Functions
task token (that stays in the table), so a leaked or scanned link can at
most show the page. See `tokens` for the layout. A token is a credential:
never log it (`chalicelib.logs` redacts ``*token*`` fields; pass the request
id instead).
"""

from __future__ import annotations

from chalicelib import clock, settings
from chalicelib.links import keys, tokens
from chalicelib.links.tokens import CONFIRM, MAX_TOKEN_CHARS, Outcome, Verdict

__all__ = ["CONFIRM", "MAX_TOKEN_CHARS", "Outcome", "Verdict", "issue", "link_url", "reissue",
           "verify"]


def ttl_seconds() -> int:
    return settings.current().link_ttl_seconds


def issue(request_id: str, *, now: int | None = None,
          ttl: int | None = None) -> tuple[str, int]:
    """A new token signed with the current key: ``(token, expires_at)``."""
    start = clock.epoch() if now is None else now
    expires_at = start + (ttl_seconds() if ttl is None else ttl)
    return tokens.seal(keys.current().signing, request_id, expires_at), expires_at


def reissue(request_id: str, expires_at: int) -> str:
    """The token of a link already sent, sealed again from its expiry: the
    same URL (a token has no nonce) while the signing key is the same; after
    a key rotation a new URL that works as long as the old one."""
    return tokens.seal(keys.current().signing, request_id, expires_at)


def verify(token: str, *, now: int | None = None) -> Verdict:
    """Check a token against every configured key (constant-time compare)."""
    return tokens.open_token(keys.current(), token, clock.epoch() if now is None else now)


def link_url(token: str) -> str:
    return settings.current().confirm_base_url.rstrip("/") + "/r/" + token
