"""The Lex V2 adapter, checked against botocore's lexv2-runtime model.

Stubber validates every request against the model (and the stubbed answers
against the output shape). Lex sends ``null`` for an unfilled slot, which the
Stubber's output validation cannot express, so that case goes through the
real client one level lower: a ``before-send`` hook answers with the raw JSON
bytes Lex would send, and botocore's own serializer and parser do the rest.
"""

from __future__ import annotations

import copy
import io
import json
import threading
import time

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.exceptions import ReadTimeoutError
from botocore.stub import Stubber
from urllib3.response import HTTPResponse

from chalicelib import aws, settings
from chalicelib.nlu import NluUnavailable, lex
from chalicelib.nlu.lex import LexBackend

BOT_ID, ALIAS_ID = "BOTID12345", "ALIAS12345"
OPERATION = "before-send.lex-runtime-v2.RecognizeText"  # events use the service id


@pytest.fixture(autouse=True)
def lex_settings(configure):
    configure(LEX_BOT_ID=BOT_ID, LEX_BOT_ALIAS_ID=ALIAS_ID, LEX_LOCALE_ID="ko_KR")


@pytest.fixture
def runtime():
    """A real lexv2-runtime client with the app's interactive limits."""
    return boto3.client("lexv2-runtime", region_name="ap-northeast-2",
                        aws_access_key_id="testing", aws_secret_access_key="testing",
                        config=Config(**copy.deepcopy(aws.PROFILES["interactive"])))


def expected(text: str, session_id: str = "chat-session-1") -> dict:
    return {"botId": BOT_ID, "botAliasId": ALIAS_ID, "localeId": "ko_KR",
            "sessionId": session_id, "text": text}


def answer(intent: str, slot: dict | None, score: float | None = 0.93) -> dict:
    slots = {"ReservationNumber": slot} if slot is not None else {}
    interpretation = {"intent": {"name": intent, "slots": slots, "state": "InProgress"}}
    if score is not None:
        interpretation["nluConfidence"] = {"score": score}
    return {"sessionId": "chat-session-1",
            "sessionState": {"intent": {"name": intent, "slots": slots,
                                        "state": "InProgress"},
                             "dialogAction": {"type": "ElicitSlot",
                                              "slotToElicit": "ReservationNumber"}},
            "interpretations": [interpretation,
                                {"intent": {"name": "FallbackIntent", "slots": {}}}]}


def raw_lex_answer(body: dict):
    """Lex's HTTP answer as bytes, for botocore's parser."""
    data = json.dumps(body).encode()

    def send(request, **kwargs):
        raw = HTTPResponse(body=io.BytesIO(data), status=200, preload_content=False)
        return AWSResponse(request.url, 200, {"Content-Type": "application/json"}, raw)

    return send


def test_request_matches_the_model_and_slot_value_is_canonicalised(runtime):
    text = "예약 날짜 바꾸고 싶어요 rs-2025110301"
    with Stubber(runtime) as stub:
        stub.add_response("recognize_text", answer("ChangeReservation", {"value": {
            "originalValue": "rs-2025110301", "interpretedValue": "rs-2025110301",
            "resolvedValues": []}}), expected(text))
        found = LexBackend(lambda: runtime).classify(text, "chat-session-1")
        stub.assert_no_pending_responses()
    assert found.intent == "ChangeReservation"
    assert found.reservation_number == "RS2025110301"
    assert found.confidence == pytest.approx(0.93)


def test_unfilled_slot_falls_back_to_the_number_in_the_text(runtime):
    text = "A-20251103 수건 더 주세요"
    with Stubber(runtime) as stub:
        stub.add_response("recognize_text", answer("RequestAddOnService", None), expected(text))
        found = LexBackend(lambda: runtime).classify(text, "chat-session-1")
    assert (found.intent, found.reservation_number) == ("RequestAddOnService", "A20251103")


def test_null_slots_from_the_wire_are_handled(runtime):
    body = answer("ReportTrouble", None)
    body["sessionState"]["intent"]["slots"] = {"ReservationNumber": None}
    body["interpretations"][0]["intent"]["slots"] = {"ReservationNumber": None}
    runtime.meta.events.register(OPERATION, raw_lex_answer(body))
    found = LexBackend(lambda: runtime).classify("에어컨이 고장났어요", "chat-session-1")
    assert (found.intent, found.reservation_number) == ("ReportTrouble", None)
    assert found.confidence == pytest.approx(0.93)


def test_slots_map_itself_null_and_fallback_without_score(runtime):
    body = answer("FallbackIntent", None, score=None)
    body["sessionState"]["intent"]["slots"] = None
    body["interpretations"] = [{"intent": {"name": "FallbackIntent", "slots": None}}]
    runtime.meta.events.register(OPERATION, raw_lex_answer(body))
    found = LexBackend(lambda: runtime).classify("안녕", "chat-session-1")
    assert found.intent == "FallbackIntent" and not found.understood
    assert found.confidence == 0.0


def test_unknown_intent_name_is_treated_as_fallback(runtime):
    with Stubber(runtime) as stub:
        stub.add_response("recognize_text", answer("SomethingElse", None), expected("뭐지"))
        found = LexBackend(lambda: runtime).classify("뭐지", "chat-session-1")
    assert found.intent == "FallbackIntent"


@pytest.mark.parametrize("code,status", [
    ("ThrottlingException", 429), ("AccessDeniedException", 403),
    ("InternalServerException", 500), ("BadGatewayException", 502),
    ("DependencyFailedException", 424), ("ResourceNotFoundException", 404),
])
def test_any_lex_error_is_unavailable(runtime, code, status):
    with Stubber(runtime) as stub:
        stub.add_client_error("recognize_text", service_error_code=code,
                              http_status_code=status, expected_params=expected("변경"))
        started = time.monotonic()
        with pytest.raises(NluUnavailable):
            LexBackend(lambda: runtime).classify("변경", "chat-session-1")
    assert time.monotonic() - started < 3


def test_read_timeouts_are_retried_once_then_unavailable_within_3s(runtime):
    attempts = []

    def time_out(request, **kwargs):
        attempts.append(request.url)
        raise ReadTimeoutError(endpoint_url=request.url)

    runtime.meta.events.register(OPERATION, time_out)
    started = time.monotonic()
    with pytest.raises(NluUnavailable):
        LexBackend(lambda: runtime).classify("변경", "chat-session-1")
    assert time.monotonic() - started < 3
    assert len(attempts) == 2  # the interactive profile's bounded retries
    assert f"/bots/{BOT_ID}/botAliases/{ALIAS_ID}/botLocales/ko_KR/sessions/" in attempts[0]


def test_a_hanging_lex_is_cut_off_by_the_deadline(runtime):
    release = threading.Event()

    def hang(request, **kwargs):
        release.wait(10)
        raise ReadTimeoutError(endpoint_url=request.url)

    runtime.meta.events.register(OPERATION, hang)
    started = time.monotonic()
    try:
        with pytest.raises(NluUnavailable):
            LexBackend(lambda: runtime).classify("변경", "chat-session-1")
        elapsed = time.monotonic() - started
    finally:
        release.set()
    assert lex.DEADLINE_SECONDS - 0.1 <= elapsed < 3


def test_missing_bot_configuration_is_unavailable_not_a_crash(runtime, configure):
    configure(LEX_BOT_ID=None)
    with pytest.raises(NluUnavailable):
        LexBackend(lambda: runtime).classify("변경", "chat-session-1")


def test_worst_case_of_the_interactive_profile_needs_the_deadline():
    """Why the deadline exists: connect + read per attempt, plus up to 1 s of
    back-off, cannot be promised in 3 s by the client's limits alone."""
    assert aws.worst_case_seconds("interactive") > 3 > lex.DEADLINE_SECONDS


def test_backend_follows_the_stage_setting(configure):
    from chalicelib import nlu
    from chalicelib.nlu.local import LocalBackend

    try:
        configure(NLU_BACKEND="lex")
        nlu.reset()
        assert isinstance(nlu.backend(), LexBackend)
        configure(NLU_BACKEND="local")
        assert isinstance(nlu.backend(), LocalBackend)
        with pytest.raises(settings.SettingsError, match="NLU_BACKEND='other'"):
            configure(NLU_BACKEND="other")  # refused when the settings are built
        with pytest.raises(ValueError):
            nlu.backend("other")
    finally:
        nlu.reset()


def test_the_default_client_is_the_interactive_lexv2_runtime_client(monkeypatch):
    calls = []
    monkeypatch.setattr(aws, "client", lambda service, profile="default": calls.append(
        (service, profile)) or "client")
    assert lex.make_client() == "client"
    assert calls == [("lexv2-runtime", "interactive")]
