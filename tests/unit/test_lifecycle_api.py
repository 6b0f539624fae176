"""One lifecycle API: `chalicelib.lifecycle` forwards every public method of
`Requests` to the app's requests, with the same name and signature, and
nothing else (so a caller never has to reach around it through
``lifecycle.requests()``)."""

from __future__ import annotations

import inspect

import pytest

from chalicelib import lifecycle
from chalicelib.lifecycle import MemoryStore, Requests

METHODS = sorted(name for name, member in vars(Requests).items()
                 if inspect.isfunction(member) and not name.startswith("_"))
FORWARDERS = sorted(name for name, member in vars(lifecycle).items()
                    if inspect.isfunction(member) and member.__module__ == lifecycle.__name__
                    and name not in ("requests", "using"))


def test_every_method_has_a_forwarder_and_every_forwarder_a_method():
    assert FORWARDERS == METHODS


@pytest.mark.parametrize("name", METHODS)
def test_forwarder_has_the_methods_signature(name):
    method = inspect.signature(getattr(Requests, name))
    forwarder = inspect.signature(getattr(lifecycle, name))
    assert list(forwarder.parameters.values()) == list(method.parameters.values())[1:]
    assert forwarder.return_annotation == method.return_annotation


@pytest.mark.parametrize("name", METHODS)
def test_forwarder_passes_every_argument_and_the_answer(name, monkeypatch):
    parameters = list(inspect.signature(getattr(lifecycle, name)).parameters.values())
    args = [object() for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD]
    kwargs = {p.name: object() for p in parameters if p.kind is p.KEYWORD_ONLY}
    if any(p.kind is p.VAR_KEYWORD for p in parameters):
        kwargs["another_field"] = object()
    answer = object()
    seen = []
    with lifecycle.using(MemoryStore()) as reqs:
        monkeypatch.setattr(reqs, name, lambda *a, **k: seen.append((a, k)) or answer)
        assert getattr(lifecycle, name)(*args, **kwargs) is answer
    [(got_args, got_kwargs)] = seen
    bound = inspect.signature(getattr(Requests, name)).bind(reqs, *got_args, **got_kwargs)
    expected = inspect.signature(getattr(Requests, name)).bind(reqs, *args, **kwargs)
    assert bound.arguments == expected.arguments
