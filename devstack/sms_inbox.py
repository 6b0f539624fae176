"""The local SMS inbox: ``GET /_local/sms`` on `make run`'s server.

Nothing leaves this machine locally: SNS is the emulator's, which keeps every
SMS it accepted (``/moto-api/data.json``, ``sns.SMS``). This page lists them,
newest first, with the phone, the time, the segment count and the link as a
link, so trying the partner's page is one click instead of reading JSON.

It is a developer tool of the local stage only: `devstack.chalice_local`
serves it (this folder never goes into the Lambda package, and app.py has no
such route). Phones are masked as on the dashboard (the last four digits
tell the sample numbers apart): the page ends up in screenshots and shared
screens, and the full numbers are still in the emulator's JSON.
"""

from __future__ import annotations

import os
import re
from typing import Any
from urllib.parse import urlsplit

import requests

from chalicelib import phone
from chalicelib.korean import KST, parse_time
from chalicelib.partner.html import Page, esc, message_page, page

PATH = "/_local/sms"
# A link as the SMS carries it: {CONFIRM_BASE_URL}/r/{token}.
LINK = re.compile(r"https?://[^\s]+/r/[A-Za-z0-9_\-.~]+")
# GSM 03.38's basic set: a text of only these goes as 7-bit (160 per SMS,
# 153 per part); anything else (Korean) as UCS-2 (70, 67 per part).
GSM7 = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
           "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")


def enabled(environ: dict[str, str] | None = None) -> bool:
    """Only the local stage has an inbox (its SNS is the emulator's)."""
    env = os.environ if environ is None else environ
    return env.get("STAGE") == "local" and bool(env.get("AWS_ENDPOINT_URL"))


def is_inbox(method: str, path: str) -> bool:
    return method == "GET" and urlsplit(path).path.rstrip("/") == PATH


def segments(text: str) -> int:
    """How many SMS parts the text is sent as."""
    if all(c in GSM7 for c in text):
        single, part, size = 160, 153, len(text)
    else:
        single, part, size = 70, 67, len(text.encode("utf-16-le")) // 2
    if size <= single:
        return 1
    return -(-size // part)


def sent(endpoint: str) -> list[dict[str, Any]]:
    """Every SMS the emulator accepted, oldest first."""
    # The filter is devstack/moto_server.py's; another emulator ignores it.
    data = requests.get(endpoint.rstrip("/") + "/moto-api/data.json",
                        params={"service": "sns", "model": "SMS"}, timeout=10).json()
    return list(data.get("sns", {}).get("SMS", []))


def when(value: Any) -> str:
    moment = parse_time(value)
    if moment is None:
        return "시각 모름"
    moment = moment.astimezone(KST)
    half = "오전" if moment.hour < 12 else "오후"
    return (f"{moment.month}월 {moment.day}일 {half} "
            f"{moment.hour % 12 or 12}:{moment.minute:02d}:{moment.second:02d}")


def with_links(text: str) -> str:
    """The text, escaped, with each link a clickable one."""
    out, last = [], 0
    for match in LINK.finditer(text):
        out.append(esc(text[last:match.start()]))
        out.append(f'<a href="{esc(match.group(0))}">{esc(match.group(0))}</a>')
        last = match.end()
    out.append(esc(text[last:]))
    return "".join(out)


def render(messages: list[dict[str, Any]]) -> Page:
    title = "보낸 문자"
    if not messages:
        return message_page(200, title, "아직 보낸 문자가 없어요.",
                            "채팅에서 요청을 보내면 제휴점 문자가 여기에 보여요.")
    cards = []
    for sms in reversed(messages):  # newest first
        text = str(sms.get("message", ""))
        cards.append(
            '<div class="card sms"><dl>'
            f"<dt>받는 번호</dt><dd>{esc(phone.mask(sms.get('phone_number')))}</dd>"
            f"<dt>보낸 시각</dt><dd>{esc(when(sms.get('sent_at')))}</dd>"
            f"<dt>문자 수</dt><dd>{segments(text)}건</dd>"
            f'<dt>내용</dt><dd class="ask">{with_links(text)}</dd>'
            "</dl></div>")
    body = (f"<h1>{title} ({len(messages)}건)</h1>"
            '<p class="note">로컬 에뮬레이터가 받은 문자예요. 새 문자는 '
            f'<a href="{PATH}">새로 고침</a>하면 보여요.</p>' + "".join(cards))
    return page(200, title, body)


def answer(endpoint: str | None = None) -> Page:
    """The inbox page; a short Korean page when the emulator does not answer."""
    endpoint = endpoint or os.environ.get("AWS_ENDPOINT_URL", "")
    try:
        messages = sent(endpoint)
    except (requests.RequestException, ValueError):
        return message_page(503, "보낸 문자", "에뮬레이터에서 문자를 읽지 못했어요.",
                            "make run이 실행 중인지 확인해 주세요.")
    return render(messages)
