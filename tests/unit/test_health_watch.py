"""`make run` says when the emulator stops answering and when it is back
(devstack/health_watch.py), against a real HTTP server that goes away."""

from __future__ import annotations

import http.server
import threading

from devstack.health_watch import EmulatorWatch
from devstack.ports import free_port


class Quiet(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the stdlib's name
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def serve(port: int) -> http.server.ThreadingHTTPServer:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_says_in_korean_when_the_emulator_is_down_and_when_it_is_back():
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    lines: list[str] = []
    watch = EmulatorWatch(url, lines.append)
    server = serve(port)
    try:
        assert watch.check() and lines == []
    finally:
        server.shutdown()
        server.server_close()
    assert not watch.check()
    assert not watch.check()  # said once, not on every probe
    assert len(lines) == 1 and "응답하지 않아요" in lines[0] and url in lines[0]
    server = serve(port)
    try:
        assert watch.check()
    finally:
        server.shutdown()
        server.server_close()
    assert len(lines) == 2 and "다시 응답해요" in lines[1]


def test_the_watch_thread_reports_and_stops():
    port = free_port()
    lines: list[str] = []
    seen = threading.Event()
    watch = EmulatorWatch(f"http://127.0.0.1:{port}", lambda line: (lines.append(line),
                                                                      seen.set()), every=0.05)
    watch.start()
    try:
        assert seen.wait(5)  # nothing listens on that port
    finally:
        watch.stop()
    assert "응답하지 않아요" in lines[0]
