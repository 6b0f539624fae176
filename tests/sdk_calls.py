"""Every AWS call the app's own code makes while the tests run: which
operation, with which parameter paths (``Key.pk.S``, ...), recorded from
botocore's ``before-parameter-build`` event on every client
``chalicelib.aws`` hands out (real calls to the emulator and Stubber-answered
ones alike). tests/unit/test_sdk_package.py checks each against the service
models *inside the deployment package*: the botocore the functions will run.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from typing import Any

HOOK_ID = "tests-sdk-calls"
MAX_SHAPES_PER_OPERATION = 200
Path = tuple[str, ...]

_lock = threading.Lock()
# (client name, operation) -> distinct sets of parameter paths
CALLS: dict[tuple[str, str], set[frozenset[Path]]] = defaultdict(set)


def paths(value: Any, prefix: Path = ()) -> set[Path]:
    """Every key path in a parameter tree; list items are ``[]``."""
    found: set[Path] = set()
    if isinstance(value, dict):
        for key, sub in value.items():
            found.add((*prefix, str(key)))
            found |= paths(sub, (*prefix, str(key)))
    elif isinstance(value, list):
        for item in value:
            found |= paths(item, (*prefix, "[]"))
    return found


def _record(params: Any = None, model: Any = None, **_: Any) -> None:
    if model is None:
        return
    key = (model.service_model.service_name, model.name)
    shape = frozenset(paths(params or {}))
    with _lock:
        seen = CALLS[key]
        if len(seen) < MAX_SHAPES_PER_OPERATION:
            seen.add(shape)


def hook(client: Any) -> None:
    client.meta.events.register("before-parameter-build", _record, unique_id=HOOK_ID)


def unhook(client: Any) -> None:
    client.meta.events.unregister("before-parameter-build", unique_id=HOOK_ID)


def unknown(service_model: Any, operation: str, shape_paths: frozenset[Path]) -> list[str]:
    """What of one call the model does not have: the operation, or parameter paths."""
    if operation not in service_model.operation_names:
        return [f"{service_model.service_name}:{operation} (no such operation)"]
    root = service_model.operation_model(operation).input_shape
    problems = []
    for path in sorted(shape_paths):
        if _walk(root, path) is None:
            problems.append(f"{service_model.service_name}:{operation} {'.'.join(path)}")
    return problems


def _walk(shape: Any, path: Path) -> Any:
    for part in path:
        if shape is None:
            return None
        if shape.type_name == "structure":
            shape = shape.members.get(part)
        elif shape.type_name == "map":
            shape = shape.value  # any key
        elif shape.type_name == "list" and part == "[]":
            shape = shape.member
        else:
            return None
    return shape
