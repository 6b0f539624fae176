"""Starts and stops the whole local stack; used by `make run` and the tests."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import requests

from devstack import attach, emulator, ports
from devstack.dispatcher import Dispatcher, stream_subscriptions, subscriptions
from provision import stages

PROJECT_DIR = Path(__file__).resolve().parent.parent
STAGE = stages.LOCAL_STAGE
REGION = stages.LOCAL_REGION
# Labels the emulator picks afresh each run (the stream's, the pool's ids):
# the local processes get them from the environment, never from config.json.
# An account id stays out of the checkout too (the emulator's, for ExpectedBucketOwner).
LOCAL_ONLY = ("REGISTRATION_STREAM_ARN", "COGNITO_USER_POOL_ID", "COGNITO_CLIENT_ID",
              "EVENT_BUCKET_OWNER")
# `make run` signs in as one of these (one per role), printed with their passwords.
LOCAL_OPERATORS = (("local-viewer", "viewer"), ("local-operator", "operator"),
                   ("local-admin", "admin"))


class PortTaken(RuntimeError):
    pass


def fixtures_path() -> Path:
    """The repository's own sample reservations (`make run` loads them)."""
    return PROJECT_DIR / "fixtures" / "reservations.json"


def local_environment(port: int, endpoint: str, base: dict[str, str] | None = None
                      ) -> dict[str, str]:
    """The environment every local process shares. Values already set in
    ``base`` (the user's shell) win over the stage's defaults."""
    base = dict(os.environ if base is None else base)
    env = {
        **stages.LOCAL_CREDENTIALS, "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION,
        "CONFIRM_BASE_URL": f"http://127.0.0.1:{port}",
        **stages.LOCAL_RUN_SETTINGS,  # the local stage's settings (provision/stages.py)
    }
    for key in list(env) + ["LINK_SIGNING_KEYS", "ADMIN_IDLE_SECONDS"]:
        if base.get(key):
            env[key] = base[key]
    # Fresh secrets per run unless the user brings their own.
    env.setdefault("LINK_SIGNING_KEYS", f"local1:{secrets.token_urlsafe(32)}")
    env.update({"AWS_ENDPOINT_URL": endpoint, "STAGE": STAGE})
    return env


class LocalStack:
    def __init__(self, port: int = stages.LOCAL_PORT, aws_port: int = stages.LOCAL_AWS_PORT,
                 endpoint: str | None = None,
                 env: dict[str, str] | None = None, retry_after: int | None = None,
                 write_config: bool = False, load_fixtures: bool = True,
                 report: Callable[[str], None] | None = None,
                 log_dir: Path | None = None) -> None:
        self.port = port
        self.aws_port = aws_port
        self.external_endpoint = endpoint
        self.endpoint = endpoint or f"http://127.0.0.1:{aws_port}"
        self.url = f"http://127.0.0.1:{port}"
        self.env = local_environment(port, self.endpoint, env)
        self.retry_after = retry_after
        self.write_config = write_config
        self.load_fixtures = load_fixtures
        self.report = report or (lambda line: None)
        self.log_dir = log_dir or PROJECT_DIR / ".devstack"
        self.emulator: emulator.Emulator | None = None
        self.chalice: subprocess.Popen | None = None
        self.dispatcher: Dispatcher | None = None
        self.resources: dict[str, str] = {}
        self.operators: list[tuple[str, str, str]] = []  # (username, role, password)

    # -- lifecycle ------------------------------------------------------------
    def start(self, timeout: float = 90) -> LocalStack:
        taken = [p for p in ([self.port] if self.external_endpoint else
                             [self.port, self.aws_port]) if not ports.is_free(p)]
        if taken:
            raise PortTaken(", ".join(str(p) for p in taken))
        self.log_dir.mkdir(parents=True, exist_ok=True)
        try:
            self._start(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self, timeout: float) -> None:
        started = time.monotonic()
        if not self.external_endpoint:
            self.report(f"AWS 에뮬레이터(moto)를 시작합니다: {self.endpoint}")
            self.emulator = emulator.Emulator(
                self.aws_port, str(self.log_dir / "emulator.log")).start()
        else:
            self.report(f"외부 에뮬레이터를 사용합니다: {self.endpoint}")
            emulator.configure(self.endpoint)
        os.environ.update(self.env)
        self.report("로컬 스테이지 리소스를 준비합니다.")
        self.resources = self.provision()
        self.env.update(self.resources)
        os.environ.update(self.env)
        from chalicelib import settings

        settings.rebuild()  # this process (the dispatcher) now has the stage's settings
        self.operators = self.make_operators()
        if self.load_fixtures:
            from chalicelib import reservations
            from scripts.load_reservations import read_records

            count = reservations.load(read_records(fixtures_path()))
            self.report(f"샘플 예약 {count}건을 불러왔습니다 ({fixtures_path().name}).")
        attach.write_environment(self.log_dir, self.env)
        self.report(f"chalice local을 시작합니다: {self.url}")
        self.chalice = subprocess.Popen(
            [sys.executable, "-m", "devstack.chalice_local", "local", "--stage", STAGE,
             "--host", "127.0.0.1", "--port", str(self.port), "--no-autoreload"],
            cwd=PROJECT_DIR, env={**os.environ, **self.env},
            stdout=open(self.log_dir / f"chalice-{self.port}.log", "ab"),
            stderr=subprocess.STDOUT, preexec_fn=ports.die_with_parent)
        self.dispatcher = self.start_dispatcher()
        remaining = timeout - (time.monotonic() - started)
        self.wait_healthy(max(5.0, remaining))

    def provision(self) -> dict[str, str]:
        from provision.core import Provisioner

        prov = Provisioner(STAGE, region=REGION, progress=self.report)
        env = prov.run()
        if self.write_config:
            # The stream's ARN carries a label the emulator picks afresh each
            # run: the processes here get it from the environment instead, so
            # the checkout's config.json does not change on every `make run`.
            stages.write_environment(STAGE, {k: v for k, v in env.items()
                                             if k not in LOCAL_ONLY})
        return env

    def make_operators(self) -> list[tuple[str, str, str]]:
        """One signed-in-able user per role, with a fresh password each run
        (permanent: no first-sign-in change locally)."""
        import boto3

        from provision import operators

        idp = boto3.session.Session(region_name=REGION).client(
            "cognito-idp", endpoint_url=self.endpoint)
        pool_id = self.resources["COGNITO_USER_POOL_ID"]
        return [(name, role, operators.add(idp, pool_id, name, role, permanent=True))
                for name, role in LOCAL_OPERATORS]

    def start_dispatcher(self) -> Dispatcher:
        import boto3
        from botocore.config import Config

        app_module = load_app()
        sqs = boto3.session.Session(region_name=REGION).client(
            "sqs", endpoint_url=self.endpoint,
            config=Config(max_pool_connections=20, read_timeout=30))
        subs = subscriptions(app_module.app, app_module)
        for sub in subs:
            self.report(f"SQS 디스패처: {sub.queue} → {sub.function_name}")
        streams = stream_subscriptions(app_module.app, app_module)
        for stream in streams:
            self.report(f"스트림 디스패처: DynamoDB 스트림 → {stream.function_name}")
        return Dispatcher(subs, sqs, retry_after=self.retry_after, report=self.report,
                          streams=streams).start()

    def wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.chalice and self.chalice.poll() is not None:
                raise RuntimeError("chalice local이 종료되었습니다. "
                                   f"{self.log_dir}/chalice-{self.port}.log를 확인해 주세요.")
            try:
                if requests.get(self.url + "/api/health", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{timeout:.0f}초 안에 /api/health가 응답하지 않았습니다.")

    def stop(self) -> None:
        if self.dispatcher:
            self.dispatcher.stop()
            self.dispatcher = None
        if self.chalice and self.chalice.poll() is None:
            self.chalice.terminate()
            try:
                self.chalice.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.chalice.kill()
        self.chalice = None
        if self.emulator:
            self.emulator.stop()
            self.emulator = None
        attach.remove_environment(self.log_dir, self.env)

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def load_app():
    """Import app.py with the local stage's environment, as `chalice local` does."""
    from scripts import stage_env

    return stage_env.load_app(STAGE)
