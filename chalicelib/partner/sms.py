"""The partner's SMS: short Korean text plus the signed link, in two segments.

A Korean SMS is sent as UCS-2: 70 characters in one segment, 67 per segment
once it is split. Two segments (134 characters) keep it cheap and arriving as
one message on every phone, so the names around the link are cut to fit; the
link itself is never cut. Deployed without a custom domain the base URL is the
HTTP API's own (``https://<10>.execute-api.<region>.amazonaws.com``, 59
characters in ap-northeast-2): with ``/r/`` and the 48-character token the
link is 110, and the text without names (21) still fits (131). Any base URL
up to ``MAX_BASE_URL_CHARS`` does.

The SMS names the partner's deadline (the workflow's, ``HH:MM`` in KST,
rounded down to the minute so it never promises more time than the wait
has): "16:45까지 답해 주세요". The reminder says "[다시 알림]" instead of
"[예약확인]". With the deadline and no names the text is at most 23
characters ("[다시 알림] 16:45까지 답해 주세요 "): when even "고객 요청에" does
not fit, it goes, never the link or the deadline.
"""

from __future__ import annotations

import re

from chalicelib.korean import parse_time

LIMIT = 134
TAG = "[예약확인]"
REMINDER_TAG = "[다시 알림]"
# The shortest text any SMS may need: "[다시 알림] 16:45까지 답해 주세요 ".
FALLBACK_TEXT_CHARS = 23
TOKEN_CHARS = 48          # chalicelib.links.tokens.TOKEN_CHARS (not imported: no signing code here)
MAX_BASE_URL_CHARS = LIMIT - FALLBACK_TEXT_CHARS - len("/r/") - TOKEN_CHARS  # 60
PARTNER_NAME_MAX = 12
SERVICE_NAME_MAX = 16
ELLIPSIS = "…"
_SPACES = re.compile(r"\s+")


def length(text: str) -> int:
    """Length in UTF-16 code units, which is what UCS-2 segments count."""
    return len(text.encode("utf-16-le")) // 2


def _clean(name: str | None) -> str:
    return _SPACES.sub(" ", "".join(c for c in str(name or "") if c.isprintable())).strip()


def _cut(name: str, size: int) -> str:
    if len(name) <= size:
        return name
    # Fewer than two characters of a name and the ellipsis say nothing.
    return name[:size - 1].rstrip() + ELLIPSIS if size >= 3 else ""


def deadline_text(deadline: str | None) -> str:
    """``2026-11-30T01:45:59+09:00`` -> ``01:45`` (KST, rounded down); "" without one."""
    moment = parse_time(deadline)
    return f"{moment.hour:02d}:{moment.minute:02d}" if moment else ""


def _text(tag: str, partner: str, service: str, until: str, link: str,
          bare: bool = False) -> str:
    who = f"{partner}님, " if partner else ""
    what = "" if bare else (f"{service} 요청에 " if service else "고객 요청에 ")
    when = f"{until}까지 " if until else ""
    return f"{tag} {who}{what}{when}답해 주세요 {link}"


def compose(partner_name: str | None, service_name: str | None, link: str,
            limit: int = LIMIT, *, deadline: str | None = None,
            reminder: bool = False) -> str:
    """The SMS text, names shortened to fit ``limit``: the partner's own name
    goes first (they know who they are), then the service. ``deadline``: the
    workflow's, named in it; ``reminder``: the one reminder's wording."""
    tag = REMINDER_TAG if reminder else TAG
    until = deadline_text(deadline)
    partner = _cut(_clean(partner_name), PARTNER_NAME_MAX)
    service = _cut(_clean(service_name), SERVICE_NAME_MAX)
    for s_size in range(len(service), -1, -1):
        s = _cut(service, s_size)
        for p_size in range(len(partner), -1, -1):
            text = _text(tag, _cut(partner, p_size), s, until, link)
            if length(text) <= limit:
                return text
    # Only a base URL longer than MAX_BASE_URL_CHARS gets here: a longer SMS
    # still beats no SMS.
    return _text(tag, "", "", until, link, bare=bool(until))


def compose_reply(accept: bool, when: str | None, service_name: str | None,
                  limit: int = LIMIT) -> str:
    """The partner's SMS after the customer's reply to their proposed time."""
    verdict = "수락했어요" if accept else "거절했어요"
    moment = f"시간({when})을" if when else "시간을"
    service = _cut(_clean(service_name), SERVICE_NAME_MAX)
    for size in range(len(service), -1, -1):
        s = _cut(service, size)
        about = f"{s} 요청에 " if s else ""
        text = f"[예약확인] 고객이 {about}제안하신 {moment} {verdict}."
        if length(text) <= limit:
            return text
    return f"[예약확인] 고객이 제안하신 시간을 {verdict}."
