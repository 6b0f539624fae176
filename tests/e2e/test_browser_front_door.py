"""The chat through the front door's layout: pages and API on one origin.

Deployed, CloudFront (provision/cloudfront.py) sends ``/api/*`` and ``/r/*``
to the HTTP API and everything else to the web bucket's website, and adds the
response headers policy. Here a small proxy does exactly that with the same
path patterns and headers: the pages come from a bucket in the emulator, as
provisioning uploads them (its config.js included), and the API from the
local stack. The browser must reach everything on that one origin, with no
CORS preflight and no console error.
"""

from __future__ import annotations

import copy
import fnmatch
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
import requests

from devstack.ports import free_port
from provision import cloudfront, stages, web
from provision.core import Provisioner
from tests.e2e.browser_support import console_errors

pytestmark = [pytest.mark.stack, pytest.mark.browser]

BUCKET = "partnerline-front-door-test-web"
HOP = {"host", "connection", "keep-alive", "transfer-encoding", "content-length",
       "accept-encoding", "content-encoding"}


def policy_headers() -> dict[str, str]:
    """The response headers policy as HTTP headers (what CloudFront adds)."""
    config = cloudfront.headers_policy_config("dev")["SecurityHeadersConfig"]
    hsts = config["StrictTransportSecurity"]
    return {
        "Content-Security-Policy": config["ContentSecurityPolicy"]["ContentSecurityPolicy"],
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": config["FrameOptions"]["FrameOption"],
        "Referrer-Policy": config["ReferrerPolicy"]["ReferrerPolicy"],
        "Strict-Transport-Security": f"max-age={hsts['AccessControlMaxAgeSec']}; "
                                     "includeSubDomains",
    }


def make_handler(api_url: str, s3):
    class FrontDoor(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            merged = dict(headers)
            for name, value in policy_headers().items():
                if name.lower() not in {k.lower() for k in merged}:
                    merged[name] = value
            self.send_response(status)
            for name, value in merged.items():
                if name.lower() not in HOP:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _route(self) -> None:
            path = self.path.split("?", 1)[0]
            if any(fnmatch.fnmatchcase(path, p) for p in cloudfront.API_PATHS):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
                answer = requests.request(self.command, api_url + self.path, headers=headers,
                                          data=body, timeout=30, allow_redirects=False)
                self._send(answer.status_code, dict(answer.headers), answer.content)
                return
            if self.command not in ("GET", "HEAD"):
                self._send(403, {}, b"")
                return
            key = path.lstrip("/") or "index.html"
            try:
                found = s3.get_object(Bucket=BUCKET, Key=key)
            except s3.exceptions.NoSuchKey:  # the website's error document
                found = s3.get_object(Bucket=BUCKET, Key="index.html")
            self._send(200, {"Content-Type": found["ContentType"]}, found["Body"].read())

        do_GET = do_POST = do_HEAD = do_OPTIONS = do_PUT = do_DELETE = _route

    return FrontDoor


@pytest.fixture(scope="module")
def front_door(local_stack):
    prov = Provisioner("dev", region="ap-northeast-2",
                       config=copy.deepcopy(stages.load_config()))
    prov.env["WEB_BUCKET"] = BUCKET
    # What provisioning knows by then: the HTTP API's own address, which the
    # pages must not call (another origin).
    prov.env["API_URL"] = "https://abcdefghij.execute-api.ap-northeast-2.amazonaws.com"
    prov._ensure_bucket(BUCKET)
    web.ensure(prov)  # the pages and config.js as provisioning uploads them
    s3 = boto3.client("s3", region_name="ap-northeast-2")
    server = ThreadingHTTPServer(("127.0.0.1", free_port()),
                                 make_handler(local_stack.url, s3))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_the_chat_works_through_one_origin_with_no_cors(front_door, new_page):
    chat = new_page()
    errors = console_errors(chat)
    seen: list[tuple[str, str]] = []
    chat.on("request", lambda r: seen.append((r.method, r.url)))
    page = chat.goto(front_door + "/")
    assert chat.title() == "예약 문의 채팅"
    assert page.headers["content-security-policy"] == policy_headers()[
        "Content-Security-Policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    with chat.expect_response(lambda r: r.url.endswith("/api/requests")) as created:
        chat.get_by_label("휴대폰 번호").fill("010-1234-5678")
        chat.get_by_label("문의 내용").fill("RS-2025110301 예약 날짜를 24일로 바꾸고 싶어요")
        chat.get_by_role("button", name="보내기").click()
    assert created.value.status == 201, created.value.text()
    assert created.value.url == front_door + "/api/requests"
    chat.locator(".bubble.bot").filter(has_text="제휴점에 확인을 요청했어요").wait_for()
    assert seen and all(url.startswith(front_door + "/") for _, url in seen), seen
    assert not [url for method, url in seen if method == "OPTIONS"]  # no preflight
    assert errors == []
