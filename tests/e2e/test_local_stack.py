"""`make run`'s runner as a user meets it: started on free ports, answering,
driving a real execution of our state machine through the SQS callback, and
leaving nothing behind when stopped."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from devstack.ports import free_port, is_free

PROJECT_DIR = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.stack


def _runner_env(port: int, aws_port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_") and k not in ("STAGE", "CONFIRM_BASE_URL")}
    env.update({"PORT": str(port), "LOCAL_AWS_PORT": str(aws_port),
                "PYTHONUNBUFFERED": "1", **extra})
    return env


def _wait_for(predicate, timeout: float, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    return None


def _healthy(url: str):
    try:
        response = requests.get(url + "/api/health", timeout=2)
    except requests.RequestException:
        return None
    return response if response.status_code == 200 else None


@pytest.fixture
def runner(tmp_path):
    port, aws_port = free_port(), free_port()
    log = (tmp_path / "runner.log").open("w+")
    # Started as a shell starts a background job: SIGINT ignored. Ctrl-C must
    # still stop it (the runner restores the handler).
    proc = subprocess.Popen([sys.executable, "-m", "devstack"], cwd=PROJECT_DIR,
                            env=_runner_env(port, aws_port, PARTNER_TIMEOUT_SECONDS="120"),
                            stdout=log, stderr=subprocess.STDOUT,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    yield proc, port, aws_port, log
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)  # as a user stops it: children stopped too
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _tracked_chalice_files() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((PROJECT_DIR / ".chalice").glob("*.json"))}


def test_runner_serves_health_then_stops_everything(runner):
    proc, port, aws_port, log = runner
    before = _tracked_chalice_files()
    url = f"http://127.0.0.1:{port}"
    health = _wait_for(lambda: _healthy(url), timeout=90)
    assert health is not None, Path(log.name).read_text()
    assert health.json() == {"status": "ok", "stage": "local"}
    # The ready banner (one print); "운영자 로그인" alone also names provisioning's
    # Cognito step, printed long before the banner.
    printed = _wait_for(lambda: "준비되었습니다" in Path(log.name).read_text()
                        and Path(log.name).read_text(), timeout=10)
    assert printed and f"{url}/admin" in printed
    # One account per role, and the printed password signs in (InitiateAuth).
    accounts = dict(re.findall(r"(local-(?:viewer|operator|admin)) / (\S+)", printed))
    assert set(accounts) == {"local-viewer", "local-operator", "local-admin"}
    import boto3

    client_id = requests.get(url + "/api/sign-in-config", timeout=10).json()["clientId"]
    idp = boto3.client("cognito-idp", endpoint_url=f"http://127.0.0.1:{aws_port}",
                       region_name="ap-northeast-2")
    signed = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": "local-admin",
                                               "PASSWORD": accounts["local-admin"]})
    assert signed["AuthenticationResult"]["AccessToken"]

    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 0
    assert _wait_for(lambda: is_free(port) and is_free(aws_port), timeout=15)
    # `make run` leaves the checkout as it was: no tracked file rewritten.
    assert _tracked_chalice_files() == before


def test_runner_drives_a_request_through_the_partner_callback(runner):
    """Chat message → execution → SQS → link handler → SMS → partner click →
    SendTaskSuccess → notify queue → notification: all of it through the runner."""
    proc, port, aws_port, log = runner
    url, emulator = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{aws_port}"
    assert _wait_for(lambda: _healthy(url), timeout=90), Path(log.name).read_text()

    created = requests.post(url + "/api/requests", json={
        "text": "RS-2025110301 예약 날짜를 24일로 바꾸고 싶어요", "customerPhone": "010-1234-5678"},
        timeout=10)
    assert created.status_code == 201, created.text
    request_id = created.json()["requestId"]
    mine = {"X-Customer-Token": created.json()["customerToken"]}

    def link():
        data = requests.get(emulator + "/moto-api/data.json", timeout=5).json()
        sms = data.get("sns", {}).get("SMS", [])
        for message in sms:
            found = re.search(r"https?://\S+/r/(\S+)", message["message"])
            if found and message["phone_number"] == "+821098765432":
                return found.group(0)
        return None

    sms_link = _wait_for(link, timeout=30)
    assert sms_link and sms_link.startswith(url + "/r/"), Path(log.name).read_text()
    answered = requests.post(sms_link, data={"decision": "accept"}, timeout=10)
    assert answered.status_code == 200

    def notified():
        body = requests.get(f"{url}/api/requests/{request_id}", timeout=5,
                            headers=mine).json()
        return body if body.get("notification") else None

    final = _wait_for(notified, timeout=30)
    assert final, Path(log.name).read_text()
    assert final["status"] == "Responded" and final["partnerDecision"] == "accept"
    assert final["notification"]["source"] == "template"
    assert [e["type"] for e in final["events"]][:2] == ["Created", "SMS Sent"]
    assert "Notified" in [e["type"] for e in final["events"]]

    proc.send_signal(signal.SIGINT)  # and everything it started stops with it
    assert proc.wait(timeout=30) == 0
    assert _wait_for(lambda: is_free(port) and is_free(aws_port), timeout=15)


def test_runner_refuses_a_taken_port(tmp_path):
    port = free_port()
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", port))
        holder.listen()
        done = subprocess.run([sys.executable, "-m", "devstack"], cwd=PROJECT_DIR,
                              env=_runner_env(port, free_port()), capture_output=True,
                              text=True, timeout=60)
    assert done.returncode == 2
    assert "포트가 이미 사용 중입니다" in done.stderr and str(port) in done.stderr


def test_children_do_not_outlive_a_killed_runner(runner):
    """Even SIGKILL (no chance to clean up) leaves no emulator or server behind."""
    proc, port, aws_port, log = runner
    assert _wait_for(lambda: _healthy(f"http://127.0.0.1:{port}"), timeout=90), \
        Path(log.name).read_text()
    proc.kill()
    proc.wait(timeout=10)
    assert _wait_for(lambda: is_free(port) and is_free(aws_port), timeout=20)
