"""`make run` says when the AWS emulator stops answering, and when it is back.

A thread asks the emulator every few seconds (a cheap GET with a short
timeout) and prints one Korean line on each change, so a developer whose
requests start answering 503 sees why in the terminal.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

DOWN = ("AWS 에뮬레이터가 응답하지 않아요({url}). 앱은 503으로 답하고, "
        "에뮬레이터가 돌아오면 저절로 회복해요.")
BACK = "AWS 에뮬레이터가 다시 응답해요({url})."


def answers(url: str, timeout: float = 1.0) -> bool:
    """Does the emulator answer HTTP at all (any status) within ``timeout``?"""
    import requests

    try:
        requests.get(url.rstrip("/") + "/moto-api/", timeout=timeout)
    except requests.RequestException:
        return False
    return True


class EmulatorWatch:
    def __init__(self, url: str, report: Callable[[str], None], every: float = 2.0,
                 probe: Callable[[str], bool] = answers) -> None:
        self.url = url
        self.report = report
        self.every = every
        self.probe = probe
        self.up = True  # the stack started: the emulator answered then
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def check(self) -> bool:
        """Probe once; report a change. Returns whether it answers."""
        up = self.probe(self.url)
        if up != self.up:
            self.report((BACK if up else DOWN).format(url=self.url))
            self.up = up
        return up

    def start(self) -> EmulatorWatch:
        self._thread = threading.Thread(target=self._run, name="emulator-watch", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.check()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
