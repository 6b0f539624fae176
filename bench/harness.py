"""The stage the benchmarks run on: a moto server of their own on a free port
(``devstack/moto_server.py``, whose DynamoDB writes are atomic as in AWS), the
local stage provisioned into it, the sample reservations loaded, the app
imported in this process. Nothing here can reach real AWS: the credentials are
fake and every client points at the emulator."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
LOG_DIR = PROJECT_DIR / ".devstack"
REGION = "ap-northeast-2"
# The SMS figure is about the production link; nothing in the bench serves HTTP.
PROD_BASE_URL = "https://confirm.example"
BENCH_CAP = 1_000_000


def offline_environment() -> dict[str, str]:
    """Fake credentials and no profile or config file: a run that forgot the
    emulator fails instead of touching an account."""
    for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL"):
        os.environ.pop(var, None)
    env = {
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION,
        "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "STAGE": "local",
    }
    os.environ.update(env)
    return env


@dataclass
class Stage:
    """What every benchmark gets."""

    endpoint: str
    app_module: ModuleType
    progress: Callable[[str], None]
    options: dict[str, Any] = field(default_factory=dict)

    def boto_client(self, service: str) -> Any:
        """A client of the bench's own (not the app's, so it is never counted)."""
        import boto3
        from botocore.config import Config

        return boto3.session.Session(region_name=REGION).client(
            service, endpoint_url=self.endpoint,
            config=Config(max_pool_connections=50, retries={"mode": "standard"}))


class Harness:
    def __init__(self, progress: Callable[[str], None]) -> None:
        self.progress = progress
        self.emulator = None
        self._log_handler: logging.Handler | None = None

    def start(self, options: dict[str, Any] | None = None) -> Stage:
        from chalicelib import aws, queues
        from devstack.emulator import Emulator
        from devstack.ports import free_port

        LOG_DIR.mkdir(exist_ok=True)
        offline_environment()
        self.emulator = Emulator(free_port(), str(LOG_DIR / "bench-emulator.log")).start()
        os.environ["AWS_ENDPOINT_URL"] = self.emulator.url
        self.progress(f"emulator (moto) on {self.emulator.url}")
        from scripts import stage_env

        stage_env.apply("local")
        os.environ["CONFIRM_BASE_URL"] = PROD_BASE_URL
        # The bench is one client making hundreds of requests to one partner:
        # the abuse caps stay on (their checks and writes are part of what is
        # measured) but so high that no run reaches them.
        os.environ["REQUESTS_PER_MINUTE_PER_CLIENT"] = str(BENCH_CAP)
        os.environ["SMS_PER_PARTNER_PER_DAY"] = str(BENCH_CAP)
        os.environ.setdefault("LINK_SIGNING_KEYS", f"bench1:{secrets.token_urlsafe(32)}")
        aws.reset()
        queues.reset()
        from provision.core import Provisioner

        self.progress("provisioning the local stage")
        os.environ.update(Provisioner("local", region=REGION).run())
        from chalicelib import settings

        settings.rebuild()  # the environment is now the provisioned stage's
        from chalicelib import reservations
        from devstack.stack import fixtures_path, load_app
        from scripts.load_reservations import read_records

        loaded = reservations.load(read_records(fixtures_path()))
        self.progress(f"{loaded} sample reservations loaded")
        app_module = load_app()
        self._quiet_app_logs()
        return Stage(self.emulator.url, app_module, self.progress, dict(options or {}))

    def _quiet_app_logs(self) -> None:
        """The app logs one JSON line per call to stdout; thousands of them
        would bury the table, so they go to a file for the run."""
        from chalicelib import logs

        self._saved_handlers = list(logs.logger.handlers)
        handler = logging.FileHandler(LOG_DIR / "bench-app.log", encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(message)s"))
        for old in self._saved_handlers:
            logs.logger.removeHandler(old)
        logs.logger.addHandler(handler)
        self._log_handler = handler

    def stop(self) -> None:
        if self._log_handler is not None:
            from chalicelib import logs

            logs.logger.removeHandler(self._log_handler)
            self._log_handler.close()
            for old in self._saved_handlers:
                logs.logger.addHandler(old)
            self._log_handler = None
        if self.emulator is not None:
            self.emulator.stop()
            self.emulator = None


def fresh_id(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(4)}"
