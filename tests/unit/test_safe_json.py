"""The depth rule of chalicelib/safe_json.py on its own: what counts as a
level, where the limit falls, and that a deep text is refused before it is
parsed (no RecursionError, whatever the depth)."""

from __future__ import annotations

import json

import pytest

from chalicelib import safe_json


def arrays(levels: int) -> str:
    return "[" * levels + "]" * levels


def objects(levels: int) -> str:
    return '{"a":' * levels + "1" + "}" * levels


@pytest.mark.parametrize("build", [arrays, objects])
def test_the_limit_is_inclusive(build):
    at_limit = build(safe_json.MAX_DEPTH)
    assert safe_json.depth(at_limit) == safe_json.MAX_DEPTH
    assert safe_json.loads(at_limit) == json.loads(at_limit)
    with pytest.raises(safe_json.Rejected) as refused:
        safe_json.loads(build(safe_json.MAX_DEPTH + 1))
    assert refused.value.message == safe_json.TOO_DEEP


def test_levels_are_the_deepest_path_not_the_count_of_brackets():
    assert safe_json.depth("[[], [], {}, {\"a\": []}]") == 3
    assert safe_json.depth('{"a": [1, 2], "b": {"c": {"d": []}}}') == 4
    assert safe_json.depth('"[[[["') == 0 and safe_json.depth("17") == 0


def test_brackets_inside_strings_do_not_count_escaped_quotes_included():
    assert safe_json.depth('{"a": "[[[[[[[[[[[[[[[[[[[[[[[[["}') == 1
    assert safe_json.depth('[[["\\"[["]]]') == 3
    assert safe_json.depth('["\\\\", [[]]]') == 3  # an escaped backslash ends its escape
    tricky = json.dumps({"t": "]" * 40 + "\\\"" + "[" * 40, "n": [[[]]]})
    assert safe_json.depth(tricky) == 4
    assert safe_json.loads(tricky)["n"] == [[[]]]


def test_a_caller_sets_its_own_limit():
    assert safe_json.loads(arrays(3), max_depth=3) == [[[]]]
    with pytest.raises(safe_json.Rejected):
        safe_json.loads(arrays(4), max_depth=3)


@pytest.mark.parametrize("levels", [17, 900, 200_000])
def test_deep_text_is_refused_for_depth_not_size_and_never_recurses(levels):
    text = arrays(levels)
    with pytest.raises(safe_json.Rejected) as refused:
        safe_json.loads(text, max_bytes=len(text))  # the size limit is not what refuses
    assert refused.value.message == safe_json.TOO_DEEP
