"""Fixtures shared by the integration tests (the emulator in-process)."""

from __future__ import annotations

import pytest


@pytest.fixture
def calls(stack_env):
    """Every DynamoDB call the app makes during the test: (operation, params).
    Routes read through their own profile's client, so every client is hooked."""
    from bench.awscalls import on_every_client

    seen = []
    unique_id = f"dynamodb-calls-{id(seen)}"

    def record(params, model, **kwargs):
        seen.append((model.name, params))

    def hook(client):
        client.meta.events.register("provide-client-params.dynamodb.*", record,
                                    unique_id=unique_id)

    def unhook(client):
        client.meta.events.unregister("provide-client-params.dynamodb.*", unique_id=unique_id)

    with on_every_client(hook, unhook):
        yield seen
