"""DynamoDB's ``ClientRequestToken`` on ``TransactWriteItems``, in the emulator.

DynamoDB makes a transaction idempotent by its token: the same token with the
same parameters within 10 minutes of the first call's completion succeeds
again without applying anything; the same token with other parameters is an
``IdempotentParameterMismatchException`` (400); after 10 minutes the token is
new again. moto ignores the token, so a resend after a lost answer was applied
as a new transaction and the promise in chalicelib/registration/store.py (a
resend with the same token lands once) was never exercised.

Here moto's handler is wrapped: a token that committed is remembered with a
fingerprint of the request's other parameters; a cancelled or failed
transaction is not remembered (nothing was applied, so a resend is evaluated
afresh). Check, apply and record happen under the emulator's DynamoDB lock
(devstack/moto_server.py), so two sends of one token at once apply it once.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
import time
from collections import OrderedDict
from typing import Any

# "A client request token is valid for 10 minutes after the first request
# that uses it is completed."
WINDOW_SECONDS = 600.0
MISMATCH_MESSAGE = ("DynamoDB rejected the request because you retried a request with a "
                    "different payload but with an idempotent token that was already used.")


def fingerprint(body: dict[str, Any]) -> str:
    """Every parameter but the token, in one canonical form."""
    rest = {k: v for k, v in body.items() if k != "ClientRequestToken"}
    return hashlib.sha256(json.dumps(rest, sort_keys=True).encode()).hexdigest()


class Tokens:
    """Committed tokens, oldest first, forgotten after ``window`` seconds."""

    def __init__(self, window: float = WINDOW_SECONDS,
                 clock: Any = time.monotonic) -> None:
        self.window = window
        self.clock = clock
        self._seen: OrderedDict[tuple[str, ...], tuple[str, float]] = OrderedDict()

    def _expire(self) -> None:
        now = self.clock()
        while self._seen:
            _, (_, done_at) = next(iter(self._seen.items()))
            if now - done_at < self.window:
                return
            self._seen.popitem(last=False)

    def get(self, key: tuple[str, ...]) -> str | None:
        self._expire()
        found = self._seen.get(key)
        return found[0] if found else None

    def record(self, key: tuple[str, ...], print_: str) -> None:
        self._seen[key] = (print_, self.clock())
        self._seen.move_to_end(key)


def install(lock: threading.RLock, tokens: Tokens | None = None) -> Tokens:
    """Wrap moto's TransactWriteItems handler; ``lock`` is the one moto's
    DynamoDB item operations already take."""
    from moto.core.responses import ActionResult
    from moto.dynamodb.exceptions import DynamodbException
    from moto.dynamodb.responses import DynamoHandler

    class IdempotentParameterMismatchException(DynamodbException):
        def __init__(self) -> None:
            super().__init__("com.amazonaws.dynamodb.v20120810#"
                             "IdempotentParameterMismatchException", MISMATCH_MESSAGE)

    original = DynamoHandler.transact_write_items
    if getattr(original, "_idempotent", None) is not None:
        return original._idempotent
    seen = tokens or Tokens()

    @functools.wraps(original)
    def transact_write_items(self: Any) -> Any:
        token = self.body.get("ClientRequestToken")
        if not token:
            return original(self)
        key = (str(self.current_account), str(self.region), str(token))
        print_ = fingerprint(self.body)
        with lock:
            known = seen.get(key)
            if known is not None:
                if known != print_:
                    raise IdempotentParameterMismatchException()
                # Applied already: the same success, nothing written again.
                return ActionResult({"ConsumedCapacity": [], "ItemCollectionMetrics": {}})
            answer = original(self)  # raises when cancelled: not remembered
            seen.record(key, print_)
            return answer

    transact_write_items._idempotent = seen  # type: ignore[attr-defined]
    DynamoHandler.transact_write_items = transact_write_items
    return seen
