"""`chalice local`, with two differences that keep the local stack honest.

1. The errors Chalice's local gateway answers by itself (no ``Authorization``
   header on an admin route, an unknown route, a broken authorizer) come back
   in the contract's ``{"code", "message"}`` shape, in Korean -- the same
   bodies the deployed REST API gets from its gateway responses
   (``provision/gateway_responses.py``).
2. Its access log never holds a credential: ``/r/<token>`` is written as
   ``/r/[redacted]``, and so is the value of any query parameter that looks
   like one (``?token=``, ``access_token``, ``api_key``, ``X-Amz-Signature``...;
   ``chalicelib.logs.redact_text``, the same rule as our own logs).
3. It holds a burst. The standard library's server listens with a backlog of
   5: a hundred partners tapping one link at once overflowed the kernel's
   accept queue and connections were reset (a browser's "network error"),
   67-84 of 100 in tests/e2e/test_local_burst.py. A backlog sized for a burst
   keeps them queued until the server's loop accepts each one and hands it
   to its own thread (kept alive for the browser's next request, as before).
   At most ``MAX_IN_FLIGHT`` requests run the app at once; the others wait
   in their threads. Deployed, each request has its own Lambda and DynamoDB
   answers in milliseconds at any concurrency; here one emulator process on
   a shared two-core machine answered a hundred calls at once in 0.5-2 s,
   past a route's 0.8 s read timeout (chalicelib/aws.py), and the burst got
   503s instead of its 409s. Waiting before the app (the client's clock
   runs, as it would for a cold start) keeps each AWS call as quick as
   AWS's, so the app answers as deployed.

And on the local stage it serves the SMS inbox, ``GET /_local/sms``
(devstack/sms_inbox.py): a developer tool that is no route of app.py, so it
never reaches a deployed stage.
"""

from __future__ import annotations

import json
import sys
import threading

# Connections the kernel holds for accept() (socketserver's default is 5; the
# kernel caps it at net.core.somaxconn).
LISTEN_BACKLOG = 128
# Requests running the app at once (see 3. above); idle kept-alive
# connections hold no slot.
MAX_IN_FLIGHT = 8


def redact(line: str) -> str:
    from chalicelib.logs import redact_text

    return redact_text(line)


def korean_error_body(status: int) -> bytes:
    from provision.gateway_responses import RESPONSES

    kind = {401: "UNAUTHORIZED", 403: "MISSING_AUTHENTICATION_TOKEN"}.get(status, "DEFAULT_5XX")
    _, code, message = RESPONSES[kind]
    return json.dumps({"code": code, "message": message}, ensure_ascii=False).encode()


def patch() -> None:
    from chalice import local

    handler = local.ChaliceRequestHandler

    def send_error_response(self, error) -> None:
        status = 404 if error.CODE == 403 else error.CODE  # as the deployed API answers
        headers = dict(error.headers)
        headers["Content-Type"] = "application/json; charset=utf-8"
        self._send_http_response(status, headers, korean_error_body(error.CODE))

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - BaseHTTPRequestHandler's
        line = redact(format % args)
        sys.stderr.write(f"{self.address_string()} - - [{self.log_date_time_string()}] {line}\n")

    handler._send_error_response = send_error_response
    handler.log_message = log_message
    local.ThreadedHTTPServer.request_queue_size = LISTEN_BACKLOG
    in_flight = threading.BoundedSemaphore(MAX_IN_FLIGHT)
    handle = handler._generic_handle

    def limited(self) -> None:
        with in_flight:
            handle(self)

    for method in ("GET", "PUT", "POST", "HEAD", "DELETE", "PATCH", "OPTIONS"):
        setattr(handler, f"do_{method}", limited)
    serve_sms_inbox(handler)


def serve_sms_inbox(handler) -> None:
    from devstack import sms_inbox

    if not sms_inbox.enabled() or getattr(handler.do_GET, "_inbox", False):
        return
    generic = handler.do_GET  # Chalice binds every do_* to its _generic_handle

    def do_get(self) -> None:
        if not sms_inbox.is_inbox(self.command, self.path):
            return generic(self)
        self._parse_payload()  # read any body, as the gateway would
        answer = sms_inbox.answer()
        self._send_http_response(answer.status, dict(answer.headers), answer.html)

    do_get._inbox = True  # type: ignore[attr-defined]
    handler.do_GET = do_get


def main() -> int:
    patch()
    from chalice.cli import main as chalice_main

    return chalice_main()


if __name__ == "__main__":
    sys.exit(main())
