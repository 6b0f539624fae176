"""The bench's reference (the seed's design re-created) and its table helpers."""

from __future__ import annotations

import math

import pytest

from bench import calls as callers
from bench import report, sms
from bench.seed_design import SeedRegistration, lottery_number, registered_ids


# Expected values worked out by hand from the MD5 digests:
# md5("1234") = 81dc9bdb52d04dc20036dbd8313ed055 -> int % 10000 = 1237.
@pytest.mark.parametrize(("employee_id", "number"), [
    ("1234", "L1237"), ("12345678", "L6925"), ("5678", "L2282"),
    ("1002", "L0880"),  # zero-padded to four digits
])
def test_seed_lottery_number_is_md5_mod_10000(employee_id, number):
    assert lottery_number(employee_id) == number


def test_seed_numbers_clash_for_different_ids():
    # Two IDs whose digests agree mod 10,000: the seed hands both L8822.
    assert lottery_number("1031") == lottery_number("1074") == "L8822"


def test_registered_ids_reads_the_fourth_field_and_keeps_repeats():
    text = ("2025-08-03T14:30:15.123Z,+821012345678,contact-123,1234\n"
            "2025-08-03T14:35:22.456Z,+821087654321,contact-456,5678\n"
            "\n"
            "2025-08-03T14:36:00.000Z,+821087654321,contact-789,1234\n")
    assert registered_ids(text) == ["1234", "5678", "1234"]


@pytest.mark.parametrize(("raw", "status"), [
    ("", "INPUT_ERROR"), ("   ", "INPUT_ERROR"), ("abc123", "INVALID_FORMAT"),
    ("123", "INVALID_FORMAT"), ("123456789", "INVALID_FORMAT"),
])
def test_seed_validation_answers_without_touching_s3(raw, status):
    seed = SeedRegistration(s3=None, bucket="unused")  # s3 would fail if called
    call = callers.Call(raw, "+821012345678", "contact-1")
    assert seed.handler(callers.connect_event(call))["registrationStatus"] == status


def test_percentile_interpolates_between_ranks():
    values = list(range(1, 101))
    assert report.percentile(values, 50) == pytest.approx(50.5)
    assert report.percentile(values, 95) == pytest.approx(95.05)
    assert report.percentile(values, 0) == 1
    assert report.percentile(values, 100) == 100
    assert report.percentile([7.0], 95) == 7.0
    assert report.percentile(reversed(values), 50) == pytest.approx(50.5)
    assert math.isnan(report.percentile([], 50))
    with pytest.raises(ValueError):
        report.percentile(values, 101)


def test_markdown_table_lines_up_with_korean_and_escapes_pipes():
    rows = [report.Row("등록 버스트", "lost", "0", "seed: 12", "a|b"),
            report.Row("Cold start", "import app", "75 ms", "", "")]
    lines = report.markdown(rows).splitlines()
    assert lines[0].startswith("| Benchmark") and set(lines[1]) <= {"|", "-"}
    assert len({report._width(line) for line in lines}) == 1
    assert "a\\|b" in lines[2]
    assert len(lines) == 4


def test_ratio_and_ms_formatting():
    assert report.ratio(3, 2) == "1.50×"
    assert report.ratio(1, 0) == "n/a"
    assert report.ms(0.0123) == "12.3 ms"
    assert report.ms(0.4567) == "457 ms"


def _answered(employee_id, status, number=None):
    answer = {"registrationStatus": status}
    if number:
        answer["lotteryNumber"] = number
    return callers.Answered(callers.Call(employee_id, "+821000000000", "c"), answer, 0.01)


def test_lost_clashes_and_repeats_are_counted_from_answers():
    answered = [_answered("1111", "SUCCESS", "L0001"), _answered("2222", "SUCCESS", "L0001"),
                _answered("3333", "SUCCESS", "L0001"), _answered("4444", "SUCCESS", "L0004"),
                _answered("4444", "SUCCESS", "L0004"), _answered("5555", "DUPLICATE")]
    assert callers.clashes(answered) == 2          # 2222 and 3333 share 1111's number
    assert callers.told_twice(answered) == 1       # 4444 heard SUCCESS twice
    assert callers.lost(answered, {"1111", "2222", "4444"}) == 1            # 3333
    # With numbers: the number the caller heard must be the one recorded.
    recorded = {"1111": {"L0001"}, "2222": {"L0001"}, "3333": {"L0001"}, "4444": {"L9999"}}
    assert callers.lost(answered, recorded) == 2                          # 4444 twice


def test_make_calls_repeats_earlier_ids_later_in_the_burst():
    calls = callers.make_calls(200, 0.05, seed=1)
    assert len(calls) == 200
    ids = [c.employee_id for c in calls]
    assert len(set(ids)) == 190
    assert all(4 <= len(i) <= 8 and i.isdigit() for i in ids)
    assert len({c.contact_id for c in calls}) == 200
    assert callers.make_calls(200, 0.05, seed=1) == calls


@pytest.mark.parametrize(("text", "segments"), [
    ("가" * 70, 1), ("가" * 71, 2), ("가" * 134, 2), ("가" * 135, 3),
    ("a" * 160, 1), ("a" * 161, 2),
])
def test_sms_segments(text, segments):
    assert sms.segments(text) == segments
