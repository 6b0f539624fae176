"""POST /api/requests and GET /api/requests/{id} against the emulator, one
test per contract answer, each checking what was (or was not) stored."""

from __future__ import annotations

import copy
import json
import os
import threading
import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ReadTimeoutError
from botocore.stub import Stubber

from chalicelib import aws, clock, lifecycle, nlu, table
from chalicelib.chat import intake, workflow
from chalicelib.errors import ApiError
from chalicelib.nlu import lex
from tests.integration.partner_support import take_link_message

pytestmark = pytest.mark.stack

JSON = {"Content-Type": "application/json"}
# Sample reservations (fixtures/reservations.json)
RS, RS_PHONE, RS_PARTNER_PHONE = "RS2025110301", "+821012345678", "+821098765432"
A, A_PHONE = "A20251103", "+821022223333"


def post(client, body=None, raw: bytes | None = None, headers=JSON):
    payload = raw if raw is not None else json.dumps(body, ensure_ascii=False).encode()
    return client.http.post("/api/requests", headers=headers, body=payload)


def request_ids() -> set[str]:
    return {i["requestId"] for i in lifecycle.list_recent(limit=10_000)}


def session_item(session_id: str) -> dict | None:
    return table.get(f"SESSION#{session_id}", "SESSION")


def execution_arn(request_id: str) -> str:
    machine = os.environ["PARTNER_CONFIRMATION_ARN"]
    return machine.replace(":stateMachine:", ":execution:") + ":" + request_id


def execution(request_id: str) -> dict | None:
    try:
        return boto3.client("stepfunctions").describe_execution(
            executionArn=execution_arn(request_id))
    except Exception as exc:
        if aws.error_code(exc) == "ExecutionDoesNotExist":
            return None
        raise


def stop(request_id: str) -> None:
    """Executions this module starts are not left waiting for a partner."""
    boto3.client("stepfunctions").stop_execution(executionArn=execution_arn(request_id))


def event_types(item: dict) -> list[str]:
    return [e["type"] for e in item["events"]]


def assert_korean(message: str) -> None:
    assert any("가" <= ch <= "힣" for ch in message), message


# -- 201 -------------------------------------------------------------------------

def test_201_creates_the_request_with_partner_details_and_starts_the_execution(client):
    res = post(client, {"text": "예약 날짜를 하루 미루고 싶어요", "customerPhone": "010-1234-5678",
                        "reservationNumber": "rs-2025110301"})
    assert res.status_code == 201, res.body
    body = res.json_body
    assert set(body) == {"requestId", "customerToken", "status", "intent", "reservationNumber",
                         "message"}
    assert body["status"] == "Created" and body["intent"] == "ChangeReservation"
    assert body["reservationNumber"] == RS
    assert_korean(body["message"])
    assert res.headers["Access-Control-Allow-Origin"] == "*"
    request_id = body["requestId"]
    assert len(request_id) >= 22  # 128 random bits, base64url

    item = lifecycle.get(request_id)
    assert item["status"] == "Created"
    assert event_types(item) == ["Created"]
    assert item["customerPhone"] == RS_PHONE
    assert (item["partnerId"], item["partnerName"], item["partnerPhone"]) == (
        "P001", "바다뷰 펜션", RS_PARTNER_PHONE)
    assert item["reservation"] == {"serviceName": "오션뷰 디럭스 2박",
                                   "startsAt": "2026-12-24T15:00:00+09:00", "partySize": 2,
                                   "customerName": "김민지"}
    assert item["text"] == "예약 날짜를 하루 미루고 싶어요"

    started = execution(request_id)
    assert started is not None and started["name"] == request_id
    assert json.loads(started["input"]) == {
        "requestId": request_id, "timeoutSeconds": int(os.environ["PARTNER_TIMEOUT_SECONDS"]),
        "reminderSeconds": int(os.environ.get("REMINDER_SECONDS", "180"))}
    # The execution really runs: WaitPartner asks for this request's link.
    assert json.loads(take_link_message(request_id)["Body"])["requestId"] == request_id
    stop(request_id)


def test_number_anywhere_in_the_text_is_found_and_canonicalised(client):
    res = post(client, {"text": "바베큐 세트 추가해주실 수 있나요? 예약번호는 a-20251103이에요",
                        "customerPhone": A_PHONE})
    assert res.status_code == 201, res.body
    assert (res.json_body["intent"], res.json_body["reservationNumber"]) == (
        "RequestAddOnService", A)
    stop(res.json_body["requestId"])


def test_get_shows_status_intent_and_timeline_but_nothing_private(client):
    created = post(client, {"text": "방 보일러가 고장났어요 RS-2025110301",
                            "customerPhone": "+82 10-1234-5678"}).json_body
    stop(created["requestId"])
    res = client.http.get(f"/api/requests/{created['requestId']}",
                          headers={"X-Customer-Token": created["customerToken"]})
    assert res.status_code == 200
    view = res.json_body
    assert view["requestId"] == created["requestId"]
    assert (view["status"], view["intent"], view["reservationNumber"]) == (
        "Created", "ReportTrouble", RS)
    assert [e["type"] for e in view["events"]] == ["Created"]
    assert view["events"][0]["at"].endswith("Z")
    for private in ("customerPhone", "partnerPhone", "text", "pk", "gsi1pk"):
        assert private not in view
    assert res.headers["Access-Control-Allow-Origin"] == "*"


# -- 422 -------------------------------------------------------------------------

def test_422_intent_not_understood_stores_nothing(client):
    before = request_ids()
    res = post(client, {"text": "ㅎㅇㅎㅇ 오늘 날씨 좋네요", "customerPhone": RS_PHONE})
    assert res.status_code == 422
    assert res.json_body["code"] == "INTENT_NOT_UNDERSTOOD"
    assert res.json_body["intent"] == "FallbackIntent"
    assert_korean(res.json_body["message"])
    assert "예:" in res.json_body["message"]  # examples of what works
    assert "smallTalk" not in res.json_body
    assert request_ids() == before


@pytest.mark.parametrize("text, kind", [("안녕하세요!", "greeting"), ("hi", "greeting"),
                                        ("감사합니다 ㅎㅎ", "thanks")])
def test_small_talk_is_answered_in_kind_under_the_contracts_422(client, text, kind):
    before = request_ids()
    res = post(client, {"text": text, "customerPhone": RS_PHONE})
    assert res.status_code == 422
    body = res.json_body
    assert (body["code"], body["intent"], body["smallTalk"]) == (
        "INTENT_NOT_UNDERSTOOD", "FallbackIntent", kind)
    assert body["message"] == intake.SMALL_TALK_REPLIES[kind]
    assert "이해하지 못했어요" not in body["message"]
    if kind == "greeting":
        assert "예:" in body["message"]  # what the chat can do, by example
    assert "sessionId" not in body and request_ids() == before


@pytest.mark.parametrize("text", ["주식 시장 전망이 궁금해요", "비트코인 지금 사도 돼요?",
                                  "수고하셨습니다"])
def test_other_subjects_get_the_fallback_with_examples_not_a_number_question(client, text):
    before = request_ids()
    res = post(client, {"text": text, "customerPhone": RS_PHONE})
    assert res.status_code == 422
    assert (res.json_body["code"], res.json_body["intent"]) == (
        "INTENT_NOT_UNDERSTOOD", "FallbackIntent")
    assert "sessionId" not in res.json_body and request_ids() == before


def test_asking_for_a_person_gets_the_operators_line(client):
    res = post(client, {"text": "상담원 연결해 주세요", "customerPhone": RS_PHONE})
    assert res.status_code == 422
    body = res.json_body
    assert (body["code"], body["intent"], body["smallTalk"]) == (
        "INTENT_NOT_UNDERSTOOD", "FallbackIntent", "operator")
    assert "02-0000-0000" in body["message"] and "매일 9시~18시" in body["message"]
    assert_korean(body["message"])


def test_a_greeting_with_a_request_in_it_is_a_request(client):
    res = post(client, {"text": "안녕하세요 에어컨이 안 돼요", "customerPhone": RS_PHONE})
    assert res.status_code == 422
    assert (res.json_body["code"], res.json_body["intent"]) == (
        "RESERVATION_NUMBER_REQUIRED", "ReportTrouble")


def test_a_late_arrival_is_a_change_of_reservation(client):
    res = post(client, {"text": "늦게 도착할 것 같아요", "customerPhone": RS_PHONE})
    assert res.status_code == 422
    assert (res.json_body["code"], res.json_body["intent"]) == (
        "RESERVATION_NUMBER_REQUIRED", "ChangeReservation")


def test_422_reservation_number_required_keeps_a_session_and_no_request(client):
    before = request_ids()
    res = post(client, {"text": "온수가 안 나와요", "customerPhone": RS_PHONE})
    assert res.status_code == 422
    body = res.json_body
    assert body["code"] == "RESERVATION_NUMBER_REQUIRED"
    assert body["intent"] == "ReportTrouble"
    assert "예약번호" in body["message"]
    session = session_item(body["sessionId"])
    assert session["intent"] == "ReportTrouble" and session["text"] == "온수가 안 나와요"
    assert session["customerPhone"] == RS_PHONE
    assert 14 * 60 <= session["expiresAt"] - clock.epoch() <= 15 * 60
    assert request_ids() == before


# -- the session follow-up ------------------------------------------------------------

def test_follow_up_with_just_the_number_completes_the_first_message(client):
    first = post(client, {"text": "객실 청소가 안 되어 있어요", "customerPhone": "010-1234-5678"})
    session_id = first.json_body["sessionId"]
    res = post(client, {"text": "rs-2025110301", "customerPhone": "01012345678",
                        "sessionId": session_id})
    assert res.status_code == 201, res.body
    assert (res.json_body["intent"], res.json_body["reservationNumber"]) == ("ReportTrouble", RS)
    item = lifecycle.get(res.json_body["requestId"])
    assert item["text"] == "객실 청소가 안 되어 있어요"
    assert item["sessionId"] == session_id
    assert item["status"] == "Created" and event_types(item) == ["Created"]
    assert execution(item["requestId"]) is not None
    stop(item["requestId"])
    assert session_item(session_id) is None  # used once
    again = post(client, {"text": "RS2025110301", "customerPhone": RS_PHONE,
                          "sessionId": session_id})
    assert again.status_code == 422 and again.json_body["code"] == "INTENT_NOT_UNDERSTOOD"


def test_follow_up_without_a_number_asks_again_for_the_first_intent(client):
    first = post(client, {"text": "조식 신청하고 싶은데요", "customerPhone": A_PHONE}).json_body
    res = post(client, {"text": "음 잠깐만요", "customerPhone": A_PHONE,
                        "sessionId": first["sessionId"]})
    assert res.status_code == 422
    assert res.json_body["code"] == "RESERVATION_NUMBER_REQUIRED"
    assert res.json_body["intent"] == "RequestAddOnService"
    assert session_item(first["sessionId"])["text"] == "조식 신청하고 싶은데요"
    done = post(client, {"text": "예약번호는 A20251103 입니다", "customerPhone": A_PHONE,
                         "sessionId": first["sessionId"]})
    assert done.status_code == 201
    assert lifecycle.get(done.json_body["requestId"])["text"] == "조식 신청하고 싶은데요"
    stop(done.json_body["requestId"])


def test_a_session_belongs_to_its_customer_and_expires(client):
    first = post(client, {"text": "에어컨이 안 돼요", "customerPhone": RS_PHONE}).json_body
    stranger = post(client, {"text": "RS2025110301", "customerPhone": "010-5555-6666",
                             "sessionId": first["sessionId"]})
    assert stranger.status_code == 422
    assert stranger.json_body["code"] == "INTENT_NOT_UNDERSTOOD"
    assert session_item(first["sessionId"]) is not None
    other = post(client, {"text": "조식 추가하고 싶어요", "customerPhone": "010-5555-6666",
                          "sessionId": first["sessionId"]})
    assert other.status_code == 422 and other.json_body["sessionId"] != first["sessionId"]
    assert session_item(first["sessionId"])["text"] == "에어컨이 안 돼요"
    # DynamoDB's TTL deletes late; the code checks the expiry itself.
    expired = dict(session_item(first["sessionId"]), expiresAt=clock.epoch() - 1)
    table.put(expired)
    late = post(client, {"text": "RS2025110301", "customerPhone": RS_PHONE,
                         "sessionId": first["sessionId"]})
    assert late.status_code == 422 and late.json_body["code"] == "INTENT_NOT_UNDERSTOOD"


def test_two_simultaneous_follow_ups_create_exactly_one_request(client, app_module):
    from chalice.test import Client

    first = post(client, {"text": "와이파이가 안 잡혀요", "customerPhone": RS_PHONE}).json_body
    before = request_ids()
    answers: list[int] = []
    barrier = threading.Barrier(4)

    def follow_up():
        with Client(app_module.app, stage_name="local") as own:
            barrier.wait()
            answers.append(post(own, {"text": "RS2025110301", "customerPhone": RS_PHONE,
                                      "sessionId": first["sessionId"]}).status_code)

    threads = [threading.Thread(target=follow_up) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    created = request_ids() - before
    assert sorted(answers) == [201, 422, 422, 422]
    assert len(created) == 1
    stop(created.pop())


# -- 404 / 403 ---------------------------------------------------------------------

def test_404_unknown_reservation_fails_the_request(client):
    res = post(client, {"text": "예약 날짜 변경하고 싶어요 ZZ999999999", "customerPhone": RS_PHONE})
    assert res.status_code == 404
    body = res.json_body
    assert (body["code"], body["message"]) == ("RESERVATION_NOT_FOUND", "예약을 찾을 수 없습니다")
    item = lifecycle.get(body["requestId"])
    assert item["status"] == "Failed"
    assert event_types(item) == ["Created", "Failed"]
    assert item["events"][1]["reason"] == "RESERVATION_NOT_FOUND"
    assert "partnerPhone" not in item
    assert execution(body["requestId"]) is None


def test_403_phone_that_does_not_match_the_reservation_fails_the_request(client):
    res = post(client, {"text": "체크인 시간 바꾸고 싶어요", "customerPhone": "010-9999-0000",
                        "reservationNumber": RS})
    assert res.status_code == 403
    body = res.json_body
    assert body["code"] == "RESERVATION_MISMATCH"
    assert body["message"] == "예약 정보가 일치하지 않습니다"
    item = lifecycle.get(body["requestId"])
    assert item["status"] == "Failed" and event_types(item) == ["Created", "Failed"]
    assert "partnerPhone" not in item
    assert execution(body["requestId"]) is None


# -- 400 ---------------------------------------------------------------------------

BAD_BODIES = {
    "not json": b"{text: nope",
    "json array": b'["text"]',
    "json string": b'"text"',
    "empty body": b"",
    "text missing": json.dumps({"customerPhone": RS_PHONE}).encode(),
    "text not a string": json.dumps({"text": 123, "customerPhone": RS_PHONE}).encode(),
    "text blank": json.dumps({"text": "   ", "customerPhone": RS_PHONE}).encode(),
    "text too long": json.dumps({"text": "가" * 1001, "customerPhone": RS_PHONE}).encode(),
    "phone missing": json.dumps({"text": "예약 변경 RS2025110301"}).encode(),
    "phone not a phone": json.dumps({"text": "예약 변경 RS2025110301",
                                     "customerPhone": "12345"}).encode(),
    "phone not a string": json.dumps({"text": "예약 변경 RS2025110301",
                                      "customerPhone": 1012345678}).encode(),
    "number not a string": json.dumps({"text": "예약 변경", "customerPhone": RS_PHONE,
                                       "reservationNumber": 2025110301}).encode(),
    "number malformed": json.dumps({"text": "예약 변경", "customerPhone": RS_PHONE,
                                    "reservationNumber": "RS-12"}).encode(),
    "session id malformed": json.dumps({"text": "예약 변경", "customerPhone": RS_PHONE,
                                        "sessionId": "../x"}).encode(),
}


@pytest.mark.parametrize("case", list(BAD_BODIES))
def test_400_malformed_body_stores_nothing(client, case):
    before = request_ids()
    res = post(client, raw=BAD_BODIES[case])
    assert res.status_code == 400, res.body
    assert res.json_body["code"] == "BAD_REQUEST"
    assert_korean(res.json_body["message"])
    assert request_ids() == before


def test_text_of_exactly_1000_characters_is_accepted(client):
    text = ("에어컨이 고장났어요 " * 100)[:1000]
    res = post(client, {"text": text, "customerPhone": RS_PHONE, "reservationNumber": RS})
    assert res.status_code == 201, res.body
    stop(res.json_body["requestId"])


def test_unknown_request_id_is_a_korean_404(client):
    for request_id in ("doesNotExist0123456789", "x" * 200):
        res = client.http.get(f"/api/requests/{request_id}",
                              headers={"X-Customer-Token": "a" * 32})
        assert res.status_code == 404
        assert res.json_body["code"] == "REQUEST_NOT_FOUND"
        assert_korean(res.json_body["message"])


# -- the execution cannot start ---------------------------------------------------------

def test_execution_that_cannot_start_fails_the_request_and_says_so(stack_env, configure):
    # In-process rather than through chalice's test client, which resets the
    # stage's variables (PARTNER_CONFIRMATION_ARN among them) on every request.
    missing = os.environ["PARTNER_CONFIRMATION_ARN"] + "-missing"
    configure(PARTNER_CONFIRMATION_ARN=missing)
    before = request_ids()
    with pytest.raises(ApiError) as raised:
        intake.submit(json.dumps({"text": "수건 좀 더 주세요", "customerPhone": RS_PHONE,
                                  "reservationNumber": RS}))
    assert (raised.value.status, raised.value.code) == (503, "WORKFLOW_UNAVAILABLE")
    assert_korean(raised.value.message)
    request_id = raised.value.extra["requestId"]
    assert request_ids() - before == {request_id}
    item = lifecycle.get(request_id)
    assert item["status"] == "Failed" and event_types(item) == ["Created", "Failed"]
    assert item["events"][1]["reason"] == "WORKFLOW_UNAVAILABLE"


def test_starting_twice_is_one_execution(stack_env):
    request_id = lifecycle.new_request_id()
    first = workflow.start_partner_confirmation(request_id)
    assert first == execution_arn(request_id)
    assert workflow.start_partner_confirmation(request_id) in (first, None)
    listed = boto3.client("stepfunctions").list_executions(
        stateMachineArn=os.environ["PARTNER_CONFIRMATION_ARN"])["executions"]
    assert [e["name"] for e in listed].count(request_id) == 1
    stop(request_id)


# -- Lex as the backend (botocore Stubber) ------------------------------------------------

@pytest.fixture
def lex_runtime(monkeypatch, configure):
    """The app with the Lex backend over a real, stubbed lexv2-runtime client.

    chalice's test client puts the stage's variables (NLU_BACKEND=local) back
    on every request, so the backend is chosen here as NLU_BACKEND=lex would
    (tests/unit/test_nlu_lex.py checks that choice)."""
    runtime = boto3.client("lexv2-runtime", region_name="ap-northeast-2",
                           config=Config(**copy.deepcopy(aws.PROFILES["interactive"])))
    configure(LEX_BOT_ID="BOTID12345", LEX_BOT_ALIAS_ID="TSTALIASID", NLU_BACKEND="lex")
    monkeypatch.setattr(lex, "make_client", lambda: runtime)
    nlu.reset()
    chosen = nlu.backend()
    assert isinstance(chosen, lex.LexBackend)
    monkeypatch.setattr(nlu, "backend", lambda name=None: chosen)
    yield runtime
    nlu.reset()


def test_201_through_lex(client, lex_runtime):
    from botocore.stub import ANY

    text = "체크인 날짜 12월 24일로 변경 부탁드려요"
    answer = {"sessionState": {"intent": {"name": "ChangeReservation", "state": "InProgress",
                                          "slots": {"ReservationNumber": {"value": {
                                              "originalValue": "RS-2025110301",
                                              "interpretedValue": "RS-2025110301"}}}}},
              "interpretations": [{"intent": {"name": "ChangeReservation"},
                                   "nluConfidence": {"score": 0.88}}]}
    with Stubber(lex_runtime) as stub:
        stub.add_response("recognize_text", answer, {
            "botId": "BOTID12345", "botAliasId": "TSTALIASID", "localeId": "ko_KR",
            "sessionId": ANY, "text": text})
        res = post(client, {"text": text, "customerPhone": RS_PHONE})
        stub.assert_no_pending_responses()
    assert res.status_code == 201, res.body
    assert (res.json_body["intent"], res.json_body["reservationNumber"]) == (
        "ChangeReservation", RS)
    stop(res.json_body["requestId"])


@pytest.mark.parametrize("code,status", [("ThrottlingException", 429),
                                         ("AccessDeniedException", 403),
                                         ("InternalServerException", 500)])
def test_503_within_3s_when_lex_fails(client, lex_runtime, code, status):
    before = request_ids()
    with Stubber(lex_runtime) as stub:
        stub.add_client_error("recognize_text", service_error_code=code,
                              http_status_code=status)
        started = time.monotonic()
        res = post(client, {"text": "예약 변경하고 싶어요", "customerPhone": RS_PHONE})
        elapsed = time.monotonic() - started
    assert res.status_code == 503
    assert res.json_body["code"] == "NLU_UNAVAILABLE"
    assert_korean(res.json_body["message"])
    assert elapsed < 3
    assert request_ids() == before


def test_503_within_3s_when_lex_hangs(client, lex_runtime):
    release = threading.Event()

    def hang(request, **kwargs):
        release.wait(10)
        raise ReadTimeoutError(endpoint_url=request.url)

    lex_runtime.meta.events.register("before-send.lex-runtime-v2.RecognizeText", hang)
    started = time.monotonic()
    try:
        res = post(client, {"text": "예약 변경하고 싶어요 RS2025110301",
                            "customerPhone": RS_PHONE})
        elapsed = time.monotonic() - started
    finally:
        release.set()
    assert res.status_code == 503 and res.json_body["code"] == "NLU_UNAVAILABLE"
    assert elapsed < 3


def test_a_change_without_a_date_is_asked_for_it_once(client):
    """ChangeReservation's RequestedDate: a change that does not say what it
    changes to is asked for the date (like the number); the answer completes
    it, and the partner's page shows the date wanted."""
    before = request_ids()
    asked = post(client, {"text": "RS-2025110301 예약 날짜를 바꾸고 싶어요",
                          "customerPhone": RS_PHONE})
    assert asked.status_code == 422, asked.body
    body = asked.json_body
    assert (body["code"], body["intent"]) == ("CHANGE_DATE_REQUIRED", "ChangeReservation")
    assert body["message"] == intake.ASK_DATE and body["sessionId"]
    assert request_ids() == before

    done = post(client, {"text": "12월 24일이요", "customerPhone": RS_PHONE,
                         "sessionId": body["sessionId"]})
    assert done.status_code == 201, done.body
    item = lifecycle.get(done.json_body["requestId"])
    assert item["intent"] == "ChangeReservation" and item["wantedDate"] == "12월 24일"
    assert item["text"] == "RS-2025110301 예약 날짜를 바꾸고 싶어요 (원하는 날짜: 12월 24일이요)"
    from chalicelib.partner import page

    assert "<dt>원하는 날짜</dt><dd>12월 24일</dd>" in page._details(item)
    stop(done.json_body["requestId"])


@pytest.mark.parametrize("text, wanted", [
    ("RS-2025110301 다음 주 토요일로 날짜 바꿀 수 있나요", "다음 주 토요일"),
    ("RS-2025110301 체크인 시간을 오후 5시로 바꾸고 싶어요", None),
])
def test_a_change_that_says_what_it_changes_to_is_not_asked(client, text, wanted):
    res = post(client, {"text": text, "customerPhone": RS_PHONE})
    assert res.status_code == 201, res.body
    assert lifecycle.get(res.json_body["requestId"]).get("wantedDate") == wanted
    stop(res.json_body["requestId"])


def test_intake_module_messages_are_korean():
    for message in (intake.ASK_NUMBER, intake.ASK_DATE, intake.NOT_UNDERSTOOD,
                    intake.NLU_UNAVAILABLE,
                    intake.WORKFLOW_UNAVAILABLE, intake.ACCEPTED):
        assert_korean(message)
