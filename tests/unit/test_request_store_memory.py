"""The request store's contract (tests/request_store_contract.py) against the
in-memory store: the lifecycle's rules, with no emulator."""

from __future__ import annotations

import pytest

from chalicelib import lifecycle
from tests.request_store_contract import *  # noqa: F403 - the shared contract tests


@pytest.fixture
def reqs():
    return lifecycle.Requests(lifecycle.MemoryStore())
