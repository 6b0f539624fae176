"""Server-rendered HTML pages (no framework): a page is a status, HTML and the
headers every page carries.

Every value that reaches a page goes through `esc` (``html.escape`` with
quotes), so nothing a customer or partner typed can become markup. No page has
a script; the one stylesheet is inline and allowed by its hash in the
Content-Security-Policy, so an injected ``<style>`` or ``<script>`` would not
run even if escaping were ever missed.
"""

from __future__ import annotations

import base64
import hashlib
import html
from dataclasses import dataclass, field
from typing import Any

CSS = (
    "*{box-sizing:border-box}"
    "body{margin:0;font-family:-apple-system,'Apple SD Gothic Neo','Noto Sans KR',"
    "'Malgun Gothic',sans-serif;background:#f4f5f7;color:#1b1d21;font-size:17px;"
    "line-height:1.5;word-break:keep-all;overflow-wrap:anywhere}"
    "[hidden]{display:none!important}"
    "main{max-width:30rem;margin:0 auto;padding:1.25rem 1rem 2rem}"
    "h1{font-size:1.35rem;margin:.25rem 0 1rem}"
    ".card{background:#fff;border-radius:12px;padding:1rem;margin:0 0 1rem;"
    "box-shadow:0 1px 2px rgba(0,0,0,.08)}"
    "dl{margin:0}dt{color:#5f6570;font-size:.85rem;margin-top:.6rem}dt:first-child{margin-top:0}"
    "dd{margin:0;font-weight:600;overflow-wrap:anywhere}"
    ".ask{white-space:pre-wrap;font-weight:400}"
    "button,summary{display:block;width:100%;min-height:3.2rem;border:0;border-radius:10px;"
    "font-size:1.05rem;font-weight:700;margin:.6rem 0;cursor:pointer;text-align:center;"
    "font-family:inherit;line-height:1.4;padding:.85rem 1rem}"
    "summary{list-style:none;background:#fff;border:2px solid currentColor}"
    "summary::-webkit-details-marker{display:none}"
    # Choices sit a thumb's width apart: a slip lands on nothing.
    ".choice+.choice{margin-top:3.5rem}"
    ".choice[open]>summary{opacity:.75}"
    ".panel{border-left:4px solid currentColor;padding:.25rem 0 .25rem .85rem;margin:.5rem 0}"
    ".panel p{margin:.25rem 0;color:#1b1d21}"
    ".accept{color:#1f7a3d}.reject{color:#b3261e}.propose{color:#1d4ed8}"
    ".panel button{color:#fff}.accept .panel button{background:#1f7a3d}"
    ".reject .panel button{background:#b3261e}.propose .panel button{background:#1d4ed8}"
    "label{display:block;font-weight:600;margin:.25rem 0;color:#1b1d21}"
    "input{width:100%;font-size:1.05rem;padding:.6rem;border:1px solid #c4c8cf;border-radius:8px;"
    "font-family:inherit}"
    "input[aria-invalid=true]{border:2px solid #b3261e}"
    ".field-error{color:#8c1d18;font-weight:600}"
    ".error{background:#fdecea;color:#8c1d18;border-radius:10px;padding:.75rem 1rem;"
    "margin:0 0 1rem}"
    ".done{border-left:4px solid #1f7a3d}"
    ".note{color:#5f6570;font-size:.9rem}"
)
CSS_HASH = base64.b64encode(hashlib.sha256(CSS.encode("utf-8")).digest()).decode()

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; "
    f"style-src 'sha256-{CSS_HASH}'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)

# Links travel in SMS and are opened by previews and scanners: nothing about
# them may be cached, indexed, or leak through a Referer header.
HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


@dataclass(frozen=True)
class Page:
    status: int
    html: str
    headers: dict[str, str] = field(default_factory=lambda: dict(HEADERS))


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def document(title: str, body: str) -> str:
    """The page shell; ``body`` is markup already built from escaped values."""
    return (
        "<!doctype html>\n"
        '<html lang="ko"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta name="robots" content="noindex,nofollow">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    )


def page(status: int, title: str, body: str) -> Page:
    return Page(status, document(title, body))


def message_page(status: int, title: str, *lines: str, tone: str = "") -> Page:
    """A page with a heading and a few plain sentences (all escaped); ``tone``
    is an extra class for the card (``done``: an answer that went through)."""
    text = "".join(f"<p>{esc(line)}</p>" for line in lines)
    card = f"card {tone}".strip()
    return page(status, title, f'<h1>{esc(title)}</h1><div class="{card}">{text}</div>')
