"""The chat and dashboard pages from ``web/`` in the project directory.

Only `chalice local` (and tests) serve them this way: ``web/`` is not in the
Lambda package, so a deployed function finds no file and the route answers
with a redirect to the S3 website (``WEB_URL``) instead.
"""

from __future__ import annotations

import re
from pathlib import Path

from chalicelib import settings

WEB_DIR = Path(__file__).resolve().parent.parent / "web"

PAGES = {"index": "index.html", "admin": "admin.html"}
_ASSET = re.compile(r"^[a-z0-9][a-z0-9-]{0,40}\.(js|css)$")
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
         ".css": "text/css; charset=utf-8"}

# Served pages load only their own scripts and styles and talk only to their
# own origin: even a missed escape cannot run an injected inline script.
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; "
                                "img-src 'self' data:; connect-src 'self'; "
                                "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def headers_for(name: str) -> dict[str, str]:
    """The security headers; the dashboard may also talk to where operators
    sign in (Cognito's regional endpoint, or the local emulator)."""
    if name != "admin":
        return dict(SECURITY_HEADERS)
    import os

    from chalicelib import settings

    pool_id = settings.current().cognito_user_pool_id or ""
    local = os.environ.get("AWS_ENDPOINT_URL", "").rstrip("/")
    region = pool_id.split("_", 1)[0] if "_" in pool_id else ""
    origin = local or (f"https://cognito-idp.{region}.amazonaws.com" if region else "")
    if not origin:
        return dict(SECURITY_HEADERS)
    policy = SECURITY_HEADERS["Content-Security-Policy"].replace(
        "connect-src 'self';", f"connect-src 'self' {origin};")
    return {**SECURITY_HEADERS, "Content-Security-Policy": policy}


def _read(relative: str) -> str | None:
    path = WEB_DIR / relative
    try:
        return path.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return None


def page(name: str) -> str | None:
    """The HTML of a page, or None when ``web/`` is not here (deployed)."""
    return _read(PAGES[name])


def asset(relative: str) -> tuple[str, str] | None:
    """(text, content type) of ``config.js`` or ``assets/<name>.js|css``."""
    if relative != "config.js":
        folder, _, name = relative.partition("/")
        if folder != "assets" or not _ASSET.match(name):
            return None
    text = _read(relative)
    if text is None:
        return None
    return text, TYPES[Path(relative).suffix]


def website_url(name: str) -> str | None:
    """Where a page lives when deployed (``WEB_URL`` from provisioning)."""
    base = (settings.current().web_url or "-")
    if base == "-":
        return None
    return base.rstrip("/") + "/" + ("" if name == "index" else PAGES[name])
