"""Counts the AWS API calls the app makes, with a botocore event hook.

Every client the app uses comes from ``chalicelib.aws.client``; while a
:class:`CallCounter` is active that function is wrapped so that each client it
hands out has a ``before-call`` handler on its own event system (registered
once per client, by ``unique_id``). Clients created before the counter started
(cached by ``chalicelib.aws``) are hooked as well. A ``before-call`` event
fires once per API operation, before retries, so a count is deterministic.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

HOOK_ID = "bench-aws-call-counter"


class CallCounter:
    def __init__(self) -> None:
        # Per counter: botocore ignores a second handler with the same unique_id,
        # so a shared id would leave a later counter deaf on cached clients.
        self.hook_id = f"{HOOK_ID}-{id(self)}"
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._recording = False

    # botocore hands ``model`` (the OperationModel) and keyword arguments.
    def _before_call(self, model: Any = None, **_: Any) -> None:
        if not self._recording or model is None:
            return
        name = f"{model.service_model.service_id.hyphenize()}:{model.name}"
        with self._lock:
            self.calls[name] += 1

    def hook(self, client: Any) -> Any:
        client.meta.events.register("before-call", self._before_call, unique_id=self.hook_id)
        return client

    def unhook(self, client: Any) -> None:
        client.meta.events.unregister("before-call", unique_id=self.hook_id)

    @contextmanager
    def installed(self) -> Iterator[CallCounter]:
        """Hook every client ``chalicelib.aws`` has made or will make."""
        with on_every_client(self.hook, self.unhook):
            yield self

    @contextmanager
    def recording(self) -> Iterator[Counter[str]]:
        """Counts only what happens inside the block (warm-up calls stay out)."""
        with self._lock:
            self.calls = Counter()
        self._recording = True
        try:
            yield self.calls
        finally:
            self._recording = False


@contextmanager
def on_every_client(hook: Callable[[Any], Any],
                    unhook: Callable[[Any], Any] | None = None) -> Iterator[None]:
    """Call ``hook(client)`` on every client ``chalicelib.aws`` has cached and
    on every one it hands out while the block runs (handlers registered with a
    ``unique_id`` make a second registration harmless); ``unhook(client)`` on
    each of them afterwards."""
    from chalicelib import aws

    original = aws.client
    hooked: dict[int, Any] = {}

    def attach(client: Any) -> Any:
        hook(client)
        hooked[id(client)] = client
        return client

    def hooked_client(service: str, *args: Any, **kwargs: Any) -> Any:
        return attach(original(service, *args, **kwargs))

    for client in list(aws._clients.values()):
        attach(client)
    aws.client = hooked_client
    try:
        yield
    finally:
        aws.client = original
        if unhook:
            for client in hooked.values():
                unhook(client)


def describe(calls: Counter[str]) -> str:
    """``dynamodb:TransactWriteItems, sqs:SendMessage`` (``×n`` when repeated)."""
    parts = [name if n == 1 else f"{name} ×{n}" for name, n in sorted(calls.items())]
    return ", ".join(parts) or "none"
