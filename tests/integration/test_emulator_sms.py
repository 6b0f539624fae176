"""The emulator's SMS record (devstack/moto_server.py): each SMS keeps when it
was accepted, and ``/moto-api/data.json?service=sns&model=SMS`` answers with
the SMS alone, whatever else the emulator holds (the local SMS inbox)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest
import requests

pytestmark = pytest.mark.stack


def test_an_sms_keeps_its_time_and_the_filter_returns_only_sms(emulator):
    sns = boto3.client("sns", region_name="ap-northeast-1", endpoint_url=emulator.url)
    before = datetime.now(UTC) - timedelta(seconds=1)
    sns.publish(PhoneNumber="+821055501234", Message="[예약확인] 시각 확인")
    data = requests.get(emulator.url + "/moto-api/data.json",
                        params={"service": "sns", "model": "SMS"}, timeout=10).json()
    assert list(data) == ["sns"] and list(data["sns"]) == ["SMS"]
    [sms] = [m for m in data["sns"]["SMS"] if m["message"] == "[예약확인] 시각 확인"]
    assert sms["phone_number"] == "+821055501234"
    sent = datetime.fromisoformat(sms["sent_at"])
    assert before <= sent <= datetime.now(UTC) + timedelta(seconds=1)
    everything = requests.get(emulator.url + "/moto-api/data.json", timeout=30).json()
    assert len(everything) > 1  # without the filter: every service, as moto answers
