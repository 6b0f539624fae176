"""How every Korean sentence a person reads is written: the glossary.

Strings live next to the code that uses them (the partner's pages in
`chalicelib.partner.page`, the choices in `chalicelib.partner.choices`, form
errors in `chalicelib.partner.forms`, API messages in `chalicelib.chat.intake`,
`chalicelib.errors` and ``app.py``, the SMS in `chalicelib.partner.sms`); they
all follow these rules, as does the chat page (the glossary in
``web/assets/chat.js``). ``tests/unit/test_wording.py`` checks the rules it can.

- One voice, 해요체: "골라 주세요", "전달했어요", "잠시 후 다시 시도해 주세요".
  Never 합니다체 ("...습니다", "...합니다"), except the sentences the contract
  fixes word for word (`CONTRACT_FIXED`).
- 제휴점: the business that answers a request. Never "파트너" in anything a
  person reads (code and API field names keep "partner").
- 고객: the person who wrote in the chat. 문의: what they wrote; 요청: what goes
  to the 제휴점 (one SMS, one link, one answer).
- 예약번호, 휴대폰 번호, 예약 시간: as people know them. Never an API field name
  (customerPhone, sessionId, requestId, text), a code, or an id.
- Spacing: auxiliary verbs apart, "알려 드릴게요", "확인해 주세요", "골라 주세요"
  (보조 용언 띄어 씀); the contract's fixed strings keep theirs ("입력해주세요").
- Times in Korean time (KST): "2026년 12월 24일 (목) 오후 3:00" on pages.
- Short: one or two sentences; say what happened, then what to do next.
"""

from __future__ import annotations

# The contract (CONTRACT.md sections 2 and 3) fixes these exactly; they keep its
# wording even where it is 합니다체 or spaced differently.
CONTRACT_FIXED = frozenset({
    "예약을 찾을 수 없습니다",
    "예약 정보가 일치하지 않습니다",
    "링크가 이미 사용되었습니다",
    "사번을 입력해주세요",
    "올바른 사번을 입력해주세요",
    "이미 등록된 사번입니다",
})

PARTNER = "제휴점"
