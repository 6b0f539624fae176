"""Requests in memory, with DynamoDB's conditional semantics: a change applies
atomically (under a lock) only when its condition holds on the item as it
stands, and returns the item after (or before) it, or as it stood when
refused. For unit tests of the lifecycle and the logic above it."""

from __future__ import annotations

import copy
import threading
from typing import Any

from chalicelib import clock
from chalicelib.lifecycle.change import Attempt, Change, holds


class MemoryStore:
    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        self.writes = 0  # conditional writes attempted (the DynamoDB store's UpdateItems)
        self._lock = threading.Lock()

    def put_new(self, item: dict[str, Any]) -> bool:
        with self._lock:
            request_id = item["requestId"]
            if request_id in self.items:
                return False
            self.items[request_id] = copy.deepcopy(item)
            return True

    def get(self, request_id: str) -> dict[str, Any] | None:
        with self._lock:
            return copy.deepcopy(self.items.get(request_id))

    def apply(self, request_id: str, change: Change) -> Attempt:
        with self._lock:
            self.writes += 1
            item = self.items.get(request_id)
            if item is None:
                return Attempt(False, None)
            allowed = (change.expect_status is None or item.get("status") in change.expect_status)
            if not (allowed and holds(change.require, item)):
                return Attempt(False, copy.deepcopy(item))
            before = copy.deepcopy(item)
            item["updatedAt"] = clock.iso()
            item.update(copy.deepcopy(change.fields))
            for to, source in change.moves:
                if source in before:
                    item[to] = copy.deepcopy(before[source])
            if change.events:
                item["events"] = item.get("events", []) + copy.deepcopy(list(change.events))
            if change.count:
                item[change.count] = item.get(change.count, 0) + 1
            for name in change.remove:
                item.pop(name, None)
            return Attempt(True, before if change.returned == "old" else copy.deepcopy(item))

    def list_recent(self, limit: int) -> list[dict[str, Any]]:
        with self._lock:
            newest = sorted(self.items.values(), key=lambda i: i.get("gsi1sk", ""), reverse=True)
            return copy.deepcopy(newest[:limit])

    def recent_statuses(self, limit: int) -> list[str]:
        return [i.get("status", "") for i in self.list_recent(limit)]
