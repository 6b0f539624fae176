"""`make call DIGITS=1234 [PHONE=+821012345678]`: a phone call without a phone.

Builds the event Amazon Connect sends, invokes ``connect_event_registration``
against the running local stack (``make run``) and prints what the caller
would hear. The log file is then rebuilt by the stack's SQS dispatcher.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
import uuid
from urllib.parse import urlparse

from scripts import stage_env
from scripts.operators import use_stage

RETRYABLE = ("INPUT_ERROR", "INVALID_FORMAT")


def connect_event(digits: str, phone: str, contact_id: str) -> dict:
    """The event the contact flow's InvokeLambdaFunction sends."""
    return {
        "Name": "ContactFlowEvent",
        "Details": {
            "ContactData": {
                "Channel": "VOICE", "ContactId": contact_id, "InitialContactId": contact_id,
                "InitiationMethod": "INBOUND",
                "CustomerEndpoint": {"Address": phone, "Type": "TELEPHONE_NUMBER"},
                "Attributes": {"registrationTry": "1"},
            },
            "Parameters": {"inputValue": digits, "customerPhone": phone, "contactId": contact_id},
        },
    }


def reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or 80), timeout=2):
            return True
    except OSError:
        return False


def transcript(digits: str, phone: str, answer: dict[str, str]) -> str:
    status = answer.get("registrationStatus", "?")
    spoken = answer.get("successMessage") or answer.get("errorMessage") or ""
    keyed = digits if digits.strip() else "(입력 없음)"
    lines = [f"발신 번호 {phone}, 입력한 사번 {keyed}",
             f"안내 음성: {spoken}",
             f"[registrationStatus={status}"
             + (f", lotteryNumber={answer['lotteryNumber']}" if "lotteryNumber" in answer else "")
             + "]"]
    if status in RETRYABLE:
        lines.append("(실제 통화에서는 사번을 최대 두 번 더 입력할 수 있습니다.)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.call")
    parser.add_argument("digits", nargs="?", default="", help="누른 번호 (사번)")
    parser.add_argument("--phone", default="+821012345678", help="발신 번호")
    parser.add_argument("--contact-id", default=None)
    parser.add_argument("--verbose", action="store_true", help="구조화 로그도 출력")
    args = parser.parse_args(argv)

    use_stage("local")
    endpoint = os.environ["AWS_ENDPOINT_URL"]
    if not reachable(endpoint):
        print(f"로컬 스택({endpoint})에 연결할 수 없습니다. 다른 터미널에서 make run을 "
              "먼저 실행해 주세요.", file=sys.stderr)
        return 1
    app_module = stage_env.load_app("local")
    if not args.verbose:  # after the import: chalicelib.logs sets its level when loaded
        logging.getLogger("partnerline").setLevel(logging.WARNING)
    event = connect_event(args.digits, args.phone, args.contact_id or str(uuid.uuid4()))
    answer = app_module.connect_event_registration(event, None)
    print(transcript(args.digits, args.phone, answer))
    return 0


if __name__ == "__main__":
    sys.exit(main())
