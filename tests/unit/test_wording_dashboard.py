"""The glossary's rules (chalicelib/wording.py, tests/unit/test_wording.py)
over what operators read in the dashboard's charts and registrations card:
the Korean string literals of their scripts and the text of their two
sections of admin.html."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.unit.test_wording import FORMAL, HANGUL, IDENTIFIER, JOINED, without_contract

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ("web/assets/admin-insights.js", "web/assets/admin-registrations.js")
SECTIONS = ("insights", "registrations")


def script_strings() -> list[tuple[str, str]]:
    found = []
    for name in SCRIPTS:
        source = (ROOT / name).read_text(encoding="utf-8")
        code = "\n".join(line for line in source.splitlines()
                         if not line.strip().startswith("//"))
        found += [(name, s) for s in re.findall(r'"((?:[^"\\\n]|\\.)*)"', code)
                  if HANGUL.search(s)]
    return found


def section_texts() -> list[tuple[str, str]]:
    html = (ROOT / "web/admin.html").read_text(encoding="utf-8")
    found = []
    for section in SECTIONS:
        match = re.search(rf'<section id="{section}".*?</section>', html, re.S)
        assert match, section
        text = re.sub(r"<[^>]+>", "\n", match.group(0))
        found += [(f"admin.html#{section}", line.strip()) for line in text.splitlines()
                  if HANGUL.search(line)]
    return found


STRINGS = script_strings() + section_texts()


def test_the_scan_sees_the_strings():
    assert {f for f, _ in STRINGS} == {*SCRIPTS, "admin.html#insights",
                                       "admin.html#registrations"}
    assert any("아직 데이터가 없어요." in s for _, s in STRINGS)
    assert any("안에 답했어요" in s for _, s in STRINGS)


@pytest.mark.parametrize(("rule", "pattern"), [
    ("해요체, never 합니다체", FORMAL),
    ("auxiliary verbs apart (알려 드릴게요, 골라 주세요)", JOINED),
    ("no identifier shown to a person", IDENTIFIER),
])
def test_one_voice(rule, pattern):
    assert [(f, s) for f, s in STRINGS if pattern.search(without_contract(s))] == [], rule


def test_the_partner_is_always_jehyujeom():
    assert [(f, s) for f, s in STRINGS if "파트너" in s] == []
    assert any("제휴점" in s for _, s in STRINGS)
