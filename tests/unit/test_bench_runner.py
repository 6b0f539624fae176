"""`make bench`'s runner (bench/__main__.py) and its cost arithmetic
(bench/cost.py, bench/prices.py), without an emulator: the default run writes
nothing, SAVE writes results.md, FULL takes the long figures; capacity units,
token estimates and the dated price table."""

from __future__ import annotations

import re

import pytest

import bench.__main__ as runner
from bench import cost, prices
from bench.report import Row


@pytest.fixture
def one_offline_benchmark(monkeypatch, tmp_path):
    results = tmp_path / "results.md"
    monkeypatch.setattr(runner, "RESULTS", results)

    def fake(stage):
        return [Row("Fake", "figure", "1", "ref", "note")], ["a note"]

    monkeypatch.setattr(runner, "_benchmarks", lambda: [("fake", "Fake", fake, False)])
    return results


def test_the_default_run_prints_and_writes_nothing(one_offline_benchmark, capsys):
    assert runner.main([]) == 0
    assert "| Fake" in capsys.readouterr().out
    assert not one_offline_benchmark.exists()


def test_save_writes_results_with_the_command(one_offline_benchmark):
    assert runner.main(["--save", "--full"]) == 0
    text = one_offline_benchmark.read_text()
    assert "`make bench SAVE=1 FULL=1`" in text and "| Fake" in text


def test_full_takes_the_long_figures_and_the_default_smaller_ones():
    full, default = runner.options(False, full=True), runner.options(False)
    assert (full["list_large"], full["growth_large"]) == (100_000, 10_000)
    assert default["list_large"] * 20 == full["list_large"]
    assert default["list_large"] >= 5 * default["list_small"]
    assert default["growth_large"] < full["growth_large"]
    assert full["cold_deferred"] and not default["cold_deferred"]


def test_capacity_units_follow_item_size_consistency_and_transactions():
    calls = [("PutItem", False, 1), ("TransactWriteItems", False, 2),
             ("GetItem", True, 1), ("GetItem", False, 1)]
    assert cost.capacity(calls, 900) == (1 + 2 * 2, 1 + 0.5)
    assert cost.capacity(calls, 2500) == (3 + 3 * 2 * 2, 1 + 0.5)
    assert cost.capacity([("Query", True, 1)], 9000) == (0, 3)


def test_tokens_are_estimated_per_hangul_syllable():
    assert cost.hangul_aware_tokens("안녕하세요") == 5
    assert cost.hangul_aware_tokens("abcdefgh") == 2
    assert cost.hangul_aware_tokens("예약 OK") == 2 + 1


def test_every_price_is_dated_and_cites_an_aws_pricing_page():
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", prices.AS_OF)
    for name, price in prices.PRICES.items():
        assert price.usd > 0, name
        assert price.source.startswith("https://aws.amazon.com/") and "pricing" in price.source
    assert prices.usd("lambda_gb_second_arm64") < prices.usd("lambda_gb_second_x86_64")


def test_money_is_readable_at_every_scale():
    assert cost.money(0.0000312) == "$0.000031"
    assert cost.money(12.345) == "$12.35" and cost.money(44432.1) == "$44,432"


def test_the_chats_polls_follow_its_back_off_and_restart_at_a_change(monkeypatch):
    # chat.js as it is: every 2 s at first, then a tenth of the quiet time, at most 10 s.
    assert cost.polls_during(20) == 10
    assert cost.polls_during(300) < 300 / 2 / 3
    assert cost.polls_during(300, (1, 180)) > cost.polls_during(300)
    # Without the back-off constants: a fixed POLL_MS, as before.
    monkeypatch.setattr(cost, "_chat_constant", lambda name, default: default)
    assert cost.polls_during(300) == 150


def test_an_unknown_benchmark_name_is_refused_and_nothing_runs(one_offline_benchmark, capsys):
    with pytest.raises(SystemExit) as refused:
        runner.main(["--only", "lag"])
    assert refused.value.code == 2
    assert "invalid choice: 'lag'" in capsys.readouterr().err
    assert not one_offline_benchmark.exists()


def test_the_growth_prefill_clones_the_items_a_registration_writes():
    """bench/registration.py copies a real registration's items; its shape
    comes from the store (the lottery item has no eventId of its own)."""
    from bench.registration import _clone
    from chalicelib import table
    from chalicelib.registration import store

    item = {"pk": store.event_pk("ev"), "sk": "EMP#1234", "eventId": "ev", "employeeId": "1234",
            "lotteryNumber": "L0007", "phone": "+821000000000", "contactId": "c-1",
            "registeredAt": "2026-12-08T00:00:00.000Z"}
    template = [table.deserialize(put["Put"]["Item"])
                for put in store._transaction("ev", item, 7)]
    emp, lot = _clone(template, "5678", 300, "c-2", "+821011112222", "2026-12-08T01:00:00.000Z")
    assert (emp["sk"], emp["lotteryNumber"], emp["contactId"]) == ("EMP#5678", "L0300", "c-2")
    assert (lot["pk"], lot["sk"]) == store.lot_key("ev", 300)
    assert lot["employeeId"] == "5678" and lot["lotteryNumber"] == "L0300"
