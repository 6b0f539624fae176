"""Invisible characters (bidi controls, zero-width) never reach what people read."""

from __future__ import annotations

import json

import pytest

from chalicelib.chat import intake, invisible
from chalicelib.partner import page

RLO, PDF, ZWSP, ZWJ = "\u202e", "\u202c", "\u200b", "\u200d"
LRI, PDI, BOM = "\u2066", "\u2069", "\ufeff"


def test_intake_removes_them_before_anything_else():
    sneaky = (f"RS-2025110301 {RLO}소취 약예{PDF} 체크인{ZWSP} 시간{ZWJ}을 "
              f"{LRI}바꿔{PDI} 주세요{BOM}")
    msg = intake.parse(json.dumps({"text": sneaky, "customerPhone": "010-1234-5678"}))
    assert msg.text == "RS-2025110301 소취 약예 체크인 시간을 바꿔 주세요"
    assert not invisible.INVISIBLE.search(msg.text)


def test_a_message_of_only_invisible_characters_is_empty():
    with pytest.raises(Exception) as refused:
        intake.parse(json.dumps({"text": RLO + ZWSP + BOM, "customerPhone": "010-1234-5678"}))
    assert refused.value.status == 400


def test_the_partner_page_isolates_the_customers_words():
    html = page._details({"text": "체크인 시간을 바꿔 주세요", "reservation": {}})
    assert '<bdi dir="auto">체크인 시간을 바꿔 주세요</bdi>' in html
