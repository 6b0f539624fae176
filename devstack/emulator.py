"""moto server (see moto_server.py) with Step Functions execution switched on."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import requests

from devstack import ports

PROJECT_DIR = Path(__file__).resolve().parent.parent


class Emulator:
    def __init__(self, port: int, log_path: str | None = None) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> Emulator:
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "devstack.moto_server", "-H", "127.0.0.1",
             "-p", str(self.port)],
            cwd=PROJECT_DIR, stdout=out, stderr=subprocess.STDOUT,
            preexec_fn=ports.die_with_parent)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"moto server exited with {self.proc.returncode}")
            try:
                requests.get(self.url + "/moto-api/", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.1)
        else:
            self.stop()
            raise RuntimeError(f"moto server did not answer on {self.url} in {timeout}s")
        configure(self.url)
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc = None


def configure(url: str) -> None:
    """Turn on moto's execution of state machines (our real ASL runs)."""
    try:
        requests.post(url + "/moto-api/config",
                      json={"stepfunctions": {"execute_state_machine": True}}, timeout=5)
    except requests.RequestException:
        pass  # another emulator (LocalStack) executes state machines by itself


def is_moto(url: str) -> bool:
    try:
        return requests.get(url + "/moto-api/", timeout=2).status_code == 200
    except requests.RequestException:
        return False
