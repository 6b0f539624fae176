"""A change to one request, as domain values: which fields to set or remove,
which events to append, which counter to count, and what must hold for it to
apply. The stores turn it into one conditional write (``dynamo``) or apply it
under a lock (``memory``) -- the same semantics, so the rules can be unit
tested without an emulator."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# -- what must hold ------------------------------------------------------------


@dataclass(frozen=True)
class Missing:
    field: str


@dataclass(frozen=True)
class Present:
    field: str


@dataclass(frozen=True)
class Equals:
    field: str
    value: Any


@dataclass(frozen=True)
class Below:
    """The field exists and is less than ``value``."""

    field: str
    value: Any


@dataclass(frozen=True)
class AnyOf:
    options: tuple[Condition, ...]


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Condition, ...]


Condition = Missing | Present | Equals | Below | AnyOf | AllOf


def holds(condition: Condition | None, item: dict[str, Any]) -> bool:
    """Does ``condition`` hold on ``item`` (as DynamoDB would evaluate it)?"""
    if condition is None:
        return True
    if isinstance(condition, Missing):
        return condition.field not in item
    if isinstance(condition, Present):
        return condition.field in item
    if isinstance(condition, Equals):
        return condition.field in item and item[condition.field] == condition.value
    if isinstance(condition, Below):
        value = item.get(condition.field)
        return value is not None and type(value) is type(condition.value) \
            and value < condition.value
    if isinstance(condition, AnyOf):
        return any(holds(c, item) for c in condition.options)
    if isinstance(condition, AllOf):
        return all(holds(c, item) for c in condition.parts)
    raise TypeError(f"not a condition: {condition!r}")


def below_cap(counter: str, cap: int) -> Condition:
    return AnyOf((Missing(counter), Below(counter, cap)))


# -- the change ----------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One atomic change. ``expect_status`` None: any status. The request
    must always exist. ``returned``: "new" (the item after the change) or
    "old" (before it); a refused change returns the item as it stood."""

    fields: dict[str, Any] = field(default_factory=dict)
    remove: tuple[str, ...] = ()
    # (to, from): ``to`` takes the value ``from`` had before the change (the
    # item's own value, not one the caller knows); ``from`` may be removed.
    moves: tuple[tuple[str, str], ...] = ()
    events: tuple[dict[str, Any], ...] = ()
    count: str | None = None
    expect_status: tuple[str, ...] | None = None
    require: Condition | None = None
    returned: str = "new"


@dataclass(frozen=True)
class Attempt:
    """A conditional write and what it saw, so that one call both acts and,
    when its condition fails, tells why (no second read)."""

    done: bool
    # done: the item as ``returned`` asked (new: after, old: before);
    # not done: the item as it stood (None: no such request).
    item: dict[str, Any] | None

    def __bool__(self) -> bool:
        return self.done
