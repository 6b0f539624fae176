"""The glossary's checkable rules (chalicelib/wording.py) over every Korean
string a person can read: the app's code (chalicelib/, app.py), read as source
so a new string is checked without being listed, the pages' scripts and the pages.
Docstrings and comments are not read; the contract's fixed sentences are
allowed as they are."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from chalicelib import wording
from chalicelib.partner import choices, sms
from chalicelib.partner import page as partner_pages

ROOT = Path(__file__).resolve().parents[2]
HANGUL = re.compile(r"[\uac00-\ud7a3]")
# 합니다체 (and 하십시오체) endings; 해요체 never ends so.
FORMAL = re.compile(r"(습니다|합니다|입니다|됩니다|십시오|습니까|니까\?)")
# An API field or other identifier shown to a person.
IDENTIFIER = re.compile(
    r"\b(customerPhone|sessionId|requestId|reservationNumber|partnerId|partnerPhone|"
    r"partnerName|taskToken|alternativeTime|partnerDecision|intent|decision)\b"
    r"|\([a-z]+[A-Z][A-Za-z]*\)")
# Auxiliary verbs written apart ("알려 드릴게요", "골라 주세요").
JOINED = re.compile(r"[\uac00-\ud7a3](주세요|주실|드릴게요|드려요|드릴까요)")

# Korean that no person reads as the product's voice, with the reason.
NOT_THE_VOICE = {
    # Instructions to the model, not shown to anyone.
    "chalicelib/notify/bedrock.py",
    # The phone event's spoken lines: outside issue 15's one voice (chat, partner
    # page, SMS, dashboard); the contract fixes its core lines in 합니다체.
    "chalicelib/registration/answers.py",
    # What customers type (greetings to recognise), never said back.
    "chalicelib/nlu/small_talk.py",
}


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = getattr(node, "body", [])
            if body and isinstance(body[0], ast.Expr) and isinstance(
                    getattr(body[0], "value", None), ast.Constant):
                ids.add(id(body[0].value))
    return ids


def python_strings() -> list[tuple[str, str]]:
    """(file, text) for every Korean string literal in the app's code; the
    literal parts of an f-string are joined, each value standing as ``{}``."""
    found = []
    for path in [ROOT / "app.py", *sorted((ROOT / "chalicelib").rglob("*.py"))]:
        rel = str(path.relative_to(ROOT))
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _docstrings(tree)
        parts_of_fstrings = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr):
                text = "".join(v.value if isinstance(v, ast.Constant) else "{}"
                               for v in node.values)
                parts_of_fstrings.update(id(v) for v in node.values)
                if HANGUL.search(text):
                    found.append((rel, text))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and id(node) not in skip and id(node) not in parts_of_fstrings
                    and HANGUL.search(node.value)):
                found.append((rel, node.value))
    return found


def script_strings() -> list[tuple[str, str]]:
    """Korean string literals of every page script (chat, dashboard, shared)."""
    found = []
    for path in sorted((ROOT / "web/assets").glob("*.js")):
        source = path.read_text(encoding="utf-8")
        code = "\n".join(line for line in source.splitlines()
                         if not line.strip().startswith("//"))
        literals = re.findall(r'"((?:[^"\\\n]|\\.)*)"', code)
        rel = str(path.relative_to(ROOT))
        found += [(rel, s) for s in literals if HANGUL.search(s)]
    return found


def page_strings() -> list[tuple[str, str]]:
    """The text of the static pages (web/*.html), tags and comments left out."""
    found = []
    for path in sorted((ROOT / "web").glob("*.html")):
        html = re.sub(r"<!--.*?-->", " ", path.read_text(encoding="utf-8"), flags=re.DOTALL)
        for text in re.split(r"<[^>]+>", html):
            if HANGUL.search(text):
                found.append((str(path.relative_to(ROOT)), " ".join(text.split())))
        for attribute in re.findall(r'(?:placeholder|aria-label|title)="([^"]*)"', html):
            if HANGUL.search(attribute):
                found.append((str(path.relative_to(ROOT)), attribute))
    return found


STRINGS = python_strings() + script_strings() + page_strings()


def without_contract(text: str) -> str:
    for fixed in wording.CONTRACT_FIXED:
        text = text.replace(fixed, "")
    return text


def test_the_scan_sees_the_strings():
    """The rules below would pass on nothing: the scan must find the tables."""
    files = {f for f, _ in STRINGS}
    assert {"chalicelib/chat/intake.py", "chalicelib/partner/page.py",
            "chalicelib/partner/forms.py",
            "chalicelib/nlu/catalogue.py", "chalicelib/partner/sms.py", "app.py",
            "web/assets/chat.js", "web/assets/admin.js", "web/assets/admin-detail.js",
            "web/assets/common.js", "web/admin.html", "web/index.html"} <= files
    assert any("처리할 수 없어요" in s for _, s in STRINGS)
    assert len(STRINGS) > 100


@pytest.mark.parametrize(("rule", "pattern"), [
    ("해요체, never 합니다체", FORMAL),
    ("auxiliary verbs apart (알려 드릴게요, 골라 주세요)", JOINED),
])
def test_one_voice(rule, pattern):
    wrong = [(f, s) for f, s in STRINGS
             if f not in NOT_THE_VOICE and pattern.search(without_contract(s))]
    assert wrong == [], rule


def test_the_partner_is_always_jehyujeom():
    assert [(f, s) for f, s in STRINGS if "파트너" in s] == []


def test_no_identifier_is_shown_to_a_person():
    assert [(f, s) for f, s in STRINGS if IDENTIFIER.search(s)] == []


def test_every_partner_page_and_the_sms_read_in_one_voice():
    """What the partner actually reads, rendered: each intent's form, with and
    without errors, every answered and error page, and the SMS."""
    from datetime import UTC, datetime

    request = {"intent": "ReportTrouble", "partnerDecision": "reject",
               "reservation": {"startsAt": "2026-12-24T15:00:00+09:00"}}
    now = datetime(2026, 12, 1, tzinfo=UTC)
    texts = [sms.compose("바다뷰 펜션", "오션뷰 디럭스", "https://x.example/r/abc")]
    for intent in (*choices.CHOICES, "Other"):
        texts.append(partner_pages.request_page(
            dict(request, intent=intent), now=now, expires_at=1_900_000_000,
            error="x", error_field="alternativeTime").html)
    texts += [partner_pages.answered_page(request).html, partner_pages.used_page(request).html,
              partner_pages.confirmation_page("accept", None, request).html]
    texts += [getattr(partner_pages, name)().html for name in (
        "request_expired_page", "link_expired_page", "bad_link_page", "wrong_scope_page",
        "not_found_page", "temporary_error_page", "unexpected_error_page")]
    texts.append(partner_pages.unsupported_request_page(415).html)
    for text in texts:
        visible = re.sub(r"<style>.*?</style>|<[^>]+>", " ", text)
        assert not FORMAL.search(without_contract(visible)), visible
        assert "파트너" not in visible and not JOINED.search(visible)
        assert not IDENTIFIER.search(visible), visible
