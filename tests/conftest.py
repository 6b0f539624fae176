"""Shared fixtures.

Nothing here may reach real AWS: credentials are fake, every client points at
a moto server started on a free port, and a test that forgot the emulator
fails on the fake credentials rather than touching an account.

Layers (docs/architecture.md, "Tests"): ``tests/unit`` needs no emulator; ``tests/integration``
uses ``stack_env`` (moto server + the local stage provisioned, in-process);
``tests/e2e`` uses ``local_stack`` (that plus `chalice local` and the SQS
dispatcher, over HTTP; one per module).
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

for _var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
             "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
    os.environ.pop(_var, None)
os.environ.update({
    "STAGE": "local",
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "ap-northeast-2", "AWS_REGION": "ap-northeast-2",
    "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    "LINK_SIGNING_KEYS": "t1:" + secrets.token_urlsafe(32),
    "PARTNER_TIMEOUT_SECONDS": os.environ.get("PARTNER_TIMEOUT_SECONDS", "300"),
    "LINK_TTL_SECONDS": os.environ.get("LINK_TTL_SECONDS", "600"),
    # The per-client limit is on by default (chalicelib/settings.py); tests post
    # far faster than a person from one address, so it is off here and its own
    # tests turn it on (tests/unit/test_client_limits.py, test_request_probes.py).
    "REQUESTS_PER_MINUTE_PER_CLIENT": "0",
})

ARTIFACTS = PROJECT_DIR / "test-artifacts"


@pytest.fixture(scope="session", autouse=True)
def recorded_aws_calls():
    """Every AWS call the app's code makes in this session (tests/sdk_calls.py)."""
    from bench.awscalls import on_every_client
    from tests import sdk_calls

    with on_every_client(sdk_calls.hook, sdk_calls.unhook):
        yield sdk_calls.CALLS


@pytest.fixture
def configure():
    """``configure(NAME="value", OTHER=None)``: change the stage's environment
    for this test (None unsets) and rebuild the settings from it; both are
    restored when the test ends. The one way tests change settings."""
    from chalicelib import settings

    saved = dict(os.environ)

    def apply(**changes: str | None) -> settings.Settings:
        for name, value in changes.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        return settings.rebuild()

    yield apply
    os.environ.clear()
    os.environ.update(saved)
    settings.rebuild()


@pytest.fixture(scope="session")
def emulator():
    """A moto server with Step Functions execution on; AWS_ENDPOINT_URL points at it."""
    from chalicelib import aws, queues
    from devstack.emulator import Emulator
    from devstack.ports import free_port

    ARTIFACTS.mkdir(exist_ok=True)
    # One emulator per pytest process (make test runs two side by side).
    emu = Emulator(free_port(), str(ARTIFACTS / f"emulator-{os.getpid()}.log")).start()
    os.environ["AWS_ENDPOINT_URL"] = emu.url
    aws.reset()
    queues.reset()
    yield emu
    emu.stop()
    os.environ.pop("AWS_ENDPOINT_URL", None)
    aws.reset()
    queues.reset()


@pytest.fixture(scope="session")
def stack_env(emulator):
    """The local stage provisioned into the emulator, its environment applied
    to this process, the sample reservations loaded."""
    from chalicelib import reservations, settings
    from devstack.stack import fixtures_path
    from provision.core import Provisioner
    from scripts import stage_env
    from scripts.load_reservations import read_records

    stage_env.apply("local")
    os.environ.setdefault("CONFIRM_BASE_URL", "http://127.0.0.1:8000")
    env = Provisioner("local", region="ap-northeast-2").run()
    os.environ.update(env)
    settings.rebuild()
    reservations.load(read_records(fixtures_path()))
    return dict(os.environ)


@pytest.fixture(scope="session")
def app_module(stack_env):
    from devstack.stack import load_app

    return load_app()


@pytest.fixture
def client(app_module):
    from chalice.test import Client

    with Client(app_module.app, stage_name="local", project_dir=str(PROJECT_DIR)) as c:
        yield c


@pytest.fixture
def sqs_dispatcher(app_module):
    """The SQS and stream dispatcher running in this process for the length of a test."""
    import boto3

    from devstack.dispatcher import Dispatcher, stream_subscriptions, subscriptions

    sqs = boto3.client("sqs")
    disp = Dispatcher(subscriptions(app_module.app, app_module), sqs, retry_after=1,
                      streams=stream_subscriptions(app_module.app, app_module)).start()
    yield disp
    disp.stop()


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium through Playwright (tests/e2e/browser_support.py)."""
    from tests.e2e.browser_support import launch_browser

    yield from launch_browser()


@pytest.fixture
def new_page(browser):
    """``new_page()`` -> a page in its own browser context (own storage),
    Korean locale, Seoul time, a phone's viewport; closed after the test."""
    from tests.e2e.browser_support import page_factory

    yield from page_factory(browser)


@pytest.fixture(scope="module")
def local_stack(emulator, stack_env):
    """`chalice local` on a free port with the SQS dispatcher, against the
    session's emulator (through AWS_ENDPOINT_URL, as with any outside
    emulator); one per test module: stopped (dispatcher included) and the
    process environment restored when the module ends, so its in-process SQS
    dispatcher does not go on consuming the queues that later integration
    tests read themselves. A module that needs other stage settings (a short
    partner wait) overrides this fixture with ``run_local_stack(emulator, NAME=value)``."""
    yield from run_local_stack(emulator)


def run_local_stack(emulator, **overrides: str):
    from chalicelib import settings
    from devstack.ports import free_port
    from devstack.stack import LocalStack

    saved = dict(os.environ)
    base = {k: v for k, v in os.environ.items() if k != "CONFIRM_BASE_URL"}
    base.update(overrides)
    stack = LocalStack(port=free_port(), endpoint=emulator.url, env=base,
                       retry_after=1, write_config=False, load_fixtures=False,
                       log_dir=ARTIFACTS)
    stack.start()
    yield stack
    stack.stop()
    os.environ.clear()
    os.environ.update(saved)
    settings.rebuild()


@pytest.fixture(autouse=True)
def reservations_free(request):
    """Each test starts with no open request holding a sample reservation
    (one open request per reservation: chalicelib/chat/open_requests.py).
    Tests leave requests waiting (an execution stopped, a partner who never
    answers); the next test must not meet them as a 409."""
    yield
    if "stack_env" not in request.fixturenames:
        return
    free_sample_reservations()


def free_sample_reservations() -> None:
    import json as _json

    import boto3

    from chalicelib import settings
    from devstack.stack import fixtures_path

    numbers = [r["reservationNumber"] for r in _json.loads(fixtures_path().read_text())]
    boto3.client("dynamodb").batch_write_item(RequestItems={settings.current().table_name: [
        {"DeleteRequest": {"Key": {"pk": {"S": f"OPEN#{n}"}, "sk": {"S": "LOCK"}}}}
        for n in numbers]})


@pytest.fixture
def event_id(stack_env, configure):
    """A fresh phone event per test, so tests never see each other's registrations."""
    import secrets as _secrets

    eid = "t" + _secrets.token_hex(5)
    configure(EVENT_ID=eid)
    return eid


@pytest.fixture
def log_lines():
    """Every structured line the app logs during the test."""
    import logging

    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            lines.append(record.getMessage())

    handler = Keep()
    logger = logging.getLogger("partnerline")
    logger.addHandler(handler)
    yield lines
    logger.removeHandler(handler)


# -- least privilege, proven by traces (tests/least_privilege.py) ---------------
_TRACE = None


def pytest_configure(config):
    """Record, per Lambda function, every AWS call the app makes in the session."""
    global _TRACE
    from tests.least_privilege import Recorder

    _TRACE = Recorder()
    _TRACE.install()


def pytest_sessionfinish(session, exitstatus):
    """Every recorded call must be allowed by its function's policy file; the
    report (calls, refusals, granted-but-unused actions) goes to test-artifacts/."""
    if _TRACE is None:
        return
    _TRACE.uninstall()
    if not _TRACE.calls:
        return
    from tests import least_privilege

    report = least_privilege.check(dict(_TRACE.calls))
    ARTIFACTS.mkdir(exist_ok=True)
    text = least_privilege.render(report)
    # make test runs two pytest processes (scripts/run_tests.py): one report each.
    layer = os.environ.get("TEST_LAYER")
    name = f"least-privilege-{layer}" if layer else "least-privilege"
    (ARTIFACTS / f"{name}.txt").write_text(text, encoding="utf-8")
    (ARTIFACTS / f"{name}.json").write_text(
        __import__("json").dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    if report["denied"]:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_sep("=", "AWS calls not allowed by the functions' IAM policies",
                               red=True)
            for d in report["denied"]:
                reporter.write_line(f"{d['function']}: {d['action']} on {d['resource']} "
                                    f"({d['operation']}) not in .chalice/{d['file']}")
            reporter.write_line(f"report: {ARTIFACTS / (name + '.txt')}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
