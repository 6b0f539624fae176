"""moto server, with DynamoDB item writes made atomic.

In DynamoDB a conditional write is atomic: of thirty racing writers with
``attribute_not_exists``, exactly one wins. moto evaluates the condition and
then writes, with no lock between, so two threads of its server can both win.
Our concurrency tests assert exact outcomes against the emulator, so the
emulator must keep DynamoDB's promise: this launcher serialises moto's
DynamoDB item operations behind one lock, then starts moto's own server.
"""

from __future__ import annotations

import functools
import threading

ITEM_OPERATIONS = (
    "put_item", "get_item", "update_item", "delete_item", "query", "scan",
    "transact_write_items", "transact_get_items", "batch_write_item", "batch_get_item",
    "execute_statement", "execute_transaction", "batch_execute_statement",
)

_lock = threading.RLock()


def make_dynamodb_atomic() -> None:
    from moto.dynamodb.models import DynamoDBBackend

    for name in ITEM_OPERATIONS:
        original = getattr(DynamoDBBackend, name, None)
        if original is None or getattr(original, "_serialised", False):
            continue

        @functools.wraps(original)
        def serialised(self, *args, __original=original, **kwargs):
            with _lock:
                return __original(self, *args, **kwargs)

        serialised._serialised = True  # type: ignore[attr-defined]
        setattr(DynamoDBBackend, name, serialised)


def main() -> None:
    make_dynamodb_atomic()
    from moto.server import main as moto_main

    moto_main()


if __name__ == "__main__":
    main()
