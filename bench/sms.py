"""The partner's SMS: its length and segments, built by the partner code
(``chalicelib.partner.sms.compose`` around a real signed link from
``chalicelib.links``), behind the HTTP API's own URL (what provisioning sets
``CONFIRM_BASE_URL`` to without a custom domain) and behind a short custom
domain. Korean text travels as
UCS-2: one segment holds 70 characters; a longer message is split into
segments of 67 (the rest is the concatenation header)."""

from __future__ import annotations

import math
import os
from typing import Any

from bench.harness import PROD_BASE_URL
from bench.report import NOT_BUILT, Row

NAME = "Partner SMS"
# A realistic HTTP API endpoint: 10-character API id, the stage's region.
EXECUTE_API_URL = "https://abcdefghij.execute-api.ap-northeast-2.amazonaws.com"
# GSM 03.38's basic alphabet: a message only of these goes as 7-bit (160/153).
GSM7 = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
           "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")


def units(text: str) -> int:
    """UTF-16 code units: what a UCS-2 segment counts."""
    return len(text.encode("utf-16-le")) // 2


def segments(text: str) -> int:
    if set(text) <= GSM7:
        return 1 if len(text) <= 160 else math.ceil(len(text) / 153)
    n = units(text)
    return 1 if n <= 70 else math.ceil(n / 67)


# The deadline every SMS names (the workflow's, HH:MM): a two-digit hour.
DEADLINE = "2026-12-24T23:59:00+09:00"


def build(partner_name: str, service_name: str, base_url: str = EXECUTE_API_URL,
          reminder: bool = False) -> tuple[str, str]:
    """(SMS text, token) as the link handler would send them in production."""
    from chalicelib import lifecycle, links, settings
    from chalicelib.partner import sms

    saved = os.environ.get("CONFIRM_BASE_URL")
    os.environ["CONFIRM_BASE_URL"] = base_url
    settings.rebuild()
    try:
        token, _ = links.issue(lifecycle.new_request_id())
        return sms.compose(partner_name, service_name, links.link_url(token),
                           deadline=DEADLINE, reminder=reminder), token
    finally:
        if saved is None:
            os.environ.pop("CONFIRM_BASE_URL", None)
        else:
            os.environ["CONFIRM_BASE_URL"] = saved
        settings.rebuild()


def run(stage: Any) -> tuple[list[Row], list[str]]:
    try:
        from chalicelib.partner import sms  # noqa: F401
    except ImportError:
        return [Row(NAME, "characters / segments", NOT_BUILT)], []
    from chalicelib import reservations

    sample = reservations.get("RS2025110301") or {}
    partner = sample.get("partnerName", "바다뷰 펜션")
    service = sample.get("serviceName", "오션뷰 디럭스 2박")
    text, token = build(partner, service)
    long_text, _ = build("산과 바다가 보이는 아주 긴 이름의 펜션 본관",
                         "프리미엄 오션뷰 스위트 디럭스 패밀리 룸 3박 조식 포함")
    custom, _ = build(partner, service, PROD_BASE_URL)
    reminder, _ = build("산과 바다가 보이는 아주 긴 이름의 펜션 본관",
                        "프리미엄 오션뷰 스위트 디럭스 패밀리 룸 3박 조식 포함", reminder=True)
    rows = [
        Row(NAME, "sample reservation, HTTP API URL: characters / UCS-2 segments",
            f"{units(text)} / {segments(text)}", "limit 134 / 2",
            # The text as sent, the token itself left out (a credential).
            f"{EXECUTE_API_URL} ({len(EXECUTE_API_URL)} chars); token {len(token)} chars; "
            f"“{text.replace(token, '<token>')}”"),
        Row(NAME, "long names, HTTP API URL: characters / segments",
            f"{units(long_text)} / {segments(long_text)}", "limit 134 / 2",
            "names are shortened, the link never"),
        Row(NAME, "sample reservation, custom domain: characters / segments",
            f"{units(custom)} / {segments(custom)}", "limit 134 / 2",
            f"{PROD_BASE_URL}: both names kept"),
        Row(NAME, "the reminder, long names, HTTP API URL: characters / segments",
            f"{units(reminder)} / {segments(reminder)}", "limit 134 / 2",
            "same link, same deadline"),
    ]
    return rows, []
