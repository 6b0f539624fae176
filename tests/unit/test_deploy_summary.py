"""What `make deploy` prints at the end (provision/summary.py): the SMS
account's state read from SNS (Stubber, held to botocore's model: moto has no
sandbox calls), the addresses and the commands."""

from __future__ import annotations

import boto3
from botocore.stub import Stubber

from provision import summary

ENV = {"PUBLIC_URL": "https://d111111abcdef8.cloudfront.net",
       "CONFIRM_BASE_URL": "https://d111111abcdef8.cloudfront.net",
       "ALARMS_TOPIC_ARN": "arn:aws:sns:ap-northeast-2:123456789012:partnerline-dev-alarms",
       "FRONT_DOOR_ALARMS_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:partnerline-dev-alarms",
       "SMS_REGION": "ap-northeast-1"}


def _sns():
    return boto3.client("sns", region_name="ap-northeast-1", aws_access_key_id="x",
                        aws_secret_access_key="x")


def test_a_sandboxed_account_names_its_verified_numbers_and_spend_limit():
    sns = _sns()
    with Stubber(sns) as stub:
        stub.add_response("get_sms_sandbox_account_status", {"IsInSandbox": True})
        stub.add_response("list_sms_sandbox_phone_numbers", {"PhoneNumbers": [
            {"PhoneNumber": "+821012345678", "Status": "Verified"},
            {"PhoneNumber": "+821099998888", "Status": "Pending"}]})
        stub.add_response("get_sms_attributes", {"attributes": {"MonthlySpendLimit": "5"}},
                          {"attributes": ["MonthlySpendLimit"]})
        lines = summary.sms_state(sns)
    assert lines[0].startswith("샌드박스: 예")
    assert lines[1] == "확인된 번호: 1개 (끝자리 5678)"  # never the full number
    assert lines[2] == "월 사용 한도: 5 USD"


def test_an_account_out_of_the_sandbox_and_an_unreadable_state():
    sns = _sns()
    with Stubber(sns) as stub:
        stub.add_response("get_sms_sandbox_account_status", {"IsInSandbox": False})
        stub.add_client_error("get_sms_attributes", "AuthorizationError")
        lines = summary.sms_state(sns)
    assert lines == ["샌드박스: 아니요 (모든 번호로 보낼 수 있어요)",
                     "월 사용 한도: 확인하지 못했어요 (AuthorizationError)"]


def test_the_summary_names_the_https_addresses_the_operator_command_and_both_topics():
    text = summary.render("dev", ENV, ["샌드박스: 아니요"])
    assert "고객 채팅        https://d111111abcdef8.cloudfront.net/" in text
    assert "운영자 대시보드  https://d111111abcdef8.cloudfront.net/admin" in text
    assert "https://d111111abcdef8.cloudfront.net/r/<토큰>" in text
    assert "make operator STAGE=dev USERNAME=<아이디> ROLE=admin" in text
    assert "--region ap-northeast-2 --topic-arn " + ENV["ALARMS_TOPIC_ARN"] in text
    assert "--region us-east-1 --topic-arn " + ENV["FRONT_DOOR_ALARMS_TOPIC_ARN"] in text
    assert "SMS 계정 (ap-northeast-1):" in text
