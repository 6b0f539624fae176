"""The operators' export and draw, and `make call`'s transcript."""

from __future__ import annotations

import csv
import io
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib import table
from chalicelib.registration import DrawRefused, draw, registration_summary, store
from scripts import call as call_cmd
from scripts import operators


def register_many(event_id: str, n: int) -> list[store.Registration]:
    return [store.register_employee(event_id, f"{8000 + i}", f"+8210{i:08d}", f"c-{i}")
            for i in range(n)]


def test_export_writes_every_registration_as_csv(event_id, capsys, tmp_path):
    regs = register_many(event_id, 4)
    assert operators.main(["export"]) == 0
    out, err = capsys.readouterr()
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["employeeId"] for r in rows] == [r.employee_id for r in
                                               sorted(regs, key=lambda r: (r.registered_at,
                                                                           r.employee_id))]
    assert {r["lotteryNumber"] for r in rows} == {r.lottery_number for r in regs}
    assert rows[0].keys() == set(operators.EXPORT_FIELDS)
    for row in rows:  # the dashboard's time, beside the log's UTC
        utc = datetime.fromisoformat(row["registeredAt"].replace("Z", "+00:00"))
        kst = utc.astimezone(timezone(timedelta(hours=9))).strftime("%Y-%m-%d %H:%M:%S")
        assert row["registeredAtKst"] == kst
    assert "4건" in err
    target = tmp_path / "registrations.csv"
    assert operators.main(["export", "--out", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == out


def test_draw_picks_distinct_registered_numbers_and_records_who_and_when(event_id):
    regs = register_many(event_id, 6)
    item = draw(event_id, 3, "kim")
    numbers = item["lotteryNumbers"]
    assert len(numbers) == len(set(numbers)) == 3
    assert set(numbers) <= {r.lottery_number for r in regs}
    stored = table.get(store.event_pk(event_id), "DRAW#1")
    assert stored["drawnBy"] == "kim" and stored["drawnAt"].endswith("Z")
    assert stored["lotteryNumbers"] == numbers and stored["poolSize"] == 6
    by_number = {r.lottery_number: r.employee_id for r in regs}
    assert all(by_number[w["lotteryNumber"]] == w["employeeId"] for w in stored["winners"])
    summary = registration_summary(event_id)
    assert summary["count"] == 6 and [d["drawNumber"] for d in summary["draws"]] == [1]


def test_a_second_draw_is_refused_unless_it_is_a_redraw_with_a_reason(event_id):
    register_many(event_id, 5)
    first = draw(event_id, 2, "kim")
    with pytest.raises(DrawRefused, match="이미 추첨했어요"):
        draw(event_id, 2, "lee")
    with pytest.raises(DrawRefused, match="사유"):
        draw(event_id, 2, "lee", redraw=True, reason="  ")
    second = draw(event_id, 2, "lee", redraw=True, reason="당첨자 중복 응모 확인")
    assert second["drawNumber"] == 2 and second["replaces"] == 1
    assert second["reason"] == "당첨자 중복 응모 확인"
    kept = table.get(store.event_pk(event_id), "DRAW#1")
    assert kept["lotteryNumbers"] == first["lotteryNumbers"] and kept["drawnBy"] == "kim"


@pytest.mark.parametrize("count", [0, -1, 4])
def test_impossible_draws_are_refused_and_record_nothing(event_id, count):
    register_many(event_id, 3)
    with pytest.raises(DrawRefused):
        draw(event_id, count, "kim")
    assert registration_summary(event_id)["draws"] == []


def test_two_operators_drawing_at_once_record_one_draw(event_id):
    register_many(event_id, 5)
    go = threading.Event()

    def attempt(name):
        go.wait(10)
        try:
            return draw(event_id, 1, name)
        except DrawRefused:
            return None

    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = [pool.submit(attempt, f"op{i}") for i in range(6)]
        go.set()
        results = [f.result() for f in futures]
    made = [r for r in results if r]
    assert len(made) == 1
    assert [d["drawnBy"] for d in registration_summary(event_id)["draws"]] == [made[0]["drawnBy"]]


def test_every_registration_is_equally_likely_to_win(event_id):
    regs = register_many(event_id, 4)
    wins: Counter[str] = Counter()
    for i in range(60):
        item = draw(event_id, 1, "kim", redraw=bool(i), reason="분포 확인" if i else None)
        wins[item["lotteryNumbers"][0]] += 1
    # Binomial(60, 1/4): mean 15, sd 3.4; a biased draw (e.g. always the
    # first) lands far outside, a fair one stays inside with p > 0.999.
    assert set(wins) == {r.lottery_number for r in regs}
    assert all(3 <= c <= 30 for c in wins.values()), wins


def test_draw_command_prints_the_winners_and_refuses_a_silent_redraw(event_id, capsys):
    register_many(event_id, 3)
    assert operators.main(["draw", "2", "--by", "park"]) == 0
    out = capsys.readouterr().out
    assert "1회차" in out and "park" in out and out.count("사번") == 2
    assert operators.main(["draw", "2", "--by", "park"]) == 2
    assert "이미 추첨했어요" in capsys.readouterr().err
    assert operators.main(["draw"]) == 2
    assert operators.main(["draw", "1", "--redraw", "--reason", "재확인", "--by", "park"]) == 0
    assert "2회차" in capsys.readouterr().out


def test_call_command_prints_what_the_caller_hears(stack_env, event_id, capsys):
    assert call_cmd.main(["1234", "--verbose"]) == 0
    out = capsys.readouterr().out
    assert "등록되었습니다" in out and "registrationStatus=SUCCESS" in out
    assert call_cmd.main(["1234", "--verbose"]) == 0
    assert "이미 등록된 사번입니다" in capsys.readouterr().out
    assert call_cmd.main(["12a", "--verbose"]) == 0
    out = capsys.readouterr().out
    assert "올바른 사번을 입력해주세요" in out and "두 번 더" in out


def test_an_export_is_on_the_access_record_first(event_id, capsys, tmp_path):
    from chalicelib.operators import access_log

    assert operators.main(["export", "--out", str(tmp_path / "out.csv")]) == 0
    [latest] = access_log.listing({"limit": "1"})["records"]
    assert latest["action"] == "export" and latest["route"] == "make export"
    assert latest["query"] == {"event": event_id} and latest["sourceIp"] == "command line"
    assert latest["operator"].startswith("arn:aws:")
