"""The emulator's memory of ClientRequestTokens (devstack/idempotent_transactions.py):
a token is known for 10 minutes after its transaction completed, then new."""

from __future__ import annotations

from devstack.idempotent_transactions import WINDOW_SECONDS, Tokens, fingerprint


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_token_is_known_for_ten_minutes_then_new():
    clock = Clock()
    tokens = Tokens(clock=clock)
    key = ("123456789012", "ap-northeast-2", "t1")
    tokens.record(key, "print")
    clock.now += WINDOW_SECONDS - 1
    assert tokens.get(key) == "print"
    clock.now += 1
    assert tokens.get(key) is None
    assert WINDOW_SECONDS == 600


def test_tokens_are_per_account_and_region_and_expire_oldest_first():
    clock = Clock()
    tokens = Tokens(clock=clock)
    tokens.record(("a", "r", "t"), "1")
    clock.now += 300
    tokens.record(("b", "r", "t"), "2")
    assert tokens.get(("a", "r", "t")) == "1" and tokens.get(("b", "r", "t")) == "2"
    clock.now += 300
    assert tokens.get(("a", "r", "t")) is None and tokens.get(("b", "r", "t")) == "2"


def test_the_fingerprint_is_every_parameter_but_the_token():
    items = {"TransactItems": [{"Put": {"TableName": "t", "Item": {"pk": {"S": "x"}}}}]}
    assert fingerprint({**items, "ClientRequestToken": "a"}) == fingerprint(
        {"ClientRequestToken": "b", **items})
    assert fingerprint(items) != fingerprint({**items, "ReturnConsumedCapacity": "TOTAL"})
    other = {"TransactItems": [{"Put": {"TableName": "t", "Item": {"pk": {"S": "y"}}}}]}
    assert fingerprint(items) != fingerprint(other)
