"""A failed step as a person can act on it: which step, AWS's error code, what to do.

Provisioning, the Chalice launcher and teardown print this instead of a
traceback (DEVELOPERS.md: no stack traces to users) and exit non-zero.
"""

from __future__ import annotations

from typing import Any

# AWS error code (or a part of it) -> what to do, in Korean.
ADVICE: dict[str, str] = {
    "AccessDenied": "이 자격 증명에 필요한 권한이 없어요. 배포용 IAM 사용자/역할에 권한을 주고 "
                    "다시 실행해 주세요.",
    "UnauthorizedOperation": "이 자격 증명에 필요한 권한이 없어요. 권한을 주고 다시 실행해 주세요.",
    "InvalidClientTokenId": "AWS 자격 증명이 올바르지 않아요. `aws configure` 또는 "
                            "AWS_PROFILE을 확인해 주세요.",
    "UnrecognizedClient": "AWS 자격 증명이 올바르지 않아요. `aws configure` 또는 "
                          "AWS_PROFILE을 확인해 주세요.",
    "ExpiredToken": "자격 증명이 만료됐어요. 다시 로그인한 뒤 실행해 주세요.",
    "Throttling": "AWS가 요청을 잠시 막았어요. 잠시 후 같은 명령을 다시 실행해 주세요.",
    "TooManyRequests": "AWS가 요청을 잠시 막았어요. 잠시 후 같은 명령을 다시 실행해 주세요.",
    "LimitExceeded": "계정의 한도에 닿았어요. Service Quotas에서 한도를 늘리거나 쓰지 않는 "
                     "리소스를 지운 뒤 다시 실행해 주세요.",
    "BucketAlreadyExists": "버킷 이름은 전 세계에서 하나뿐이에요. 다른 이름을 설정해 주세요.",
    "InvalidParameterValue": "AWS가 값을 받지 않았어요. 설정 값을 확인해 주세요.",
    "ResourceConflict": "다른 작업이 같은 리소스를 바꾸는 중이에요. 잠시 후 다시 실행해 주세요.",
    "ResourceInUse": "다른 작업이 같은 리소스를 쓰는 중이에요. 잠시 후 다시 실행해 주세요.",
}
DEFAULT_ADVICE = ("같은 명령을 다시 실행하면 끝난 단계는 건너뛰고 이어서 해요. "
                  "계속 실패하면 오류 코드로 AWS 문서를 찾아보세요.")
CONNECTION_ADVICE = ("AWS(또는 AWS_ENDPOINT_URL의 에뮬레이터)에 연결하지 못했어요. "
                     "네트워크와 AWS_ENDPOINT_URL을 확인하고 다시 실행해 주세요.")
CREDENTIALS_ADVICE = ("AWS 자격 증명을 찾지 못했어요. `aws configure`를 하거나 AWS_PROFILE을 "
                      "설정한 뒤 다시 실행해 주세요.")


class StepFailed(Exception):
    """A failure already explained (its text is the Korean message)."""


def aws_code(exc: BaseException) -> str:
    """AWS's error code of ``exc`` (or of what it wraps), else the exception's type."""
    seen: BaseException | None = exc
    while seen is not None:
        response = getattr(seen, "response", None)
        if isinstance(response, dict):
            code = response.get("Error", {}).get("Code")
            if code:
                return str(code)
        seen = getattr(seen, "original_error", None) or seen.__cause__
    return type(exc).__name__


def advice(exc: BaseException) -> str:
    from botocore import exceptions as bex

    if isinstance(exc, (bex.EndpointConnectionError, bex.ConnectionError)):
        return CONNECTION_ADVICE
    if isinstance(exc, (bex.NoCredentialsError, bex.PartialCredentialsError)):
        return CREDENTIALS_ADVICE
    code = aws_code(exc)
    for key, text in ADVICE.items():
        if key in code:
            return text
    return DEFAULT_ADVICE


def explain(step: str, exc: BaseException) -> str:
    """``[실패] step: AWS 오류 코드 X`` + what to do (no traceback)."""
    if isinstance(exc, StepFailed):
        return f"[실패] {step}: {exc}"
    return f"[실패] {step}\n  AWS 오류 코드: {aws_code(exc)}\n  할 일: {advice(exc)}"


def guarded(step: str, call: Any) -> Any:
    """Run ``call()``; on failure raise SystemExit with the explained message."""
    try:
        return call()
    except (SystemExit, KeyboardInterrupt):
        raise
    except Exception as exc:  # noqa: BLE001 - turned into a message a person can act on
        raise SystemExit(explain(step, exc)) from None
