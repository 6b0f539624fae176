"""Errors that carry what the caller is told: a code and a Korean message."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An expected failure with a stable code, an HTTP status and Korean text."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.extra}


def bad_request(message: str = "요청 형식이 올바르지 않아요.", **extra: Any) -> ApiError:
    return ApiError(400, "BAD_REQUEST", message, **extra)


def not_found(message: str = "요청을 찾을 수 없어요.", **extra: Any) -> ApiError:
    return ApiError(404, "NOT_FOUND", message, **extra)


SERVICE_UNAVAILABLE = "지금은 서비스에 연결할 수 없어요. 잠시 후 다시 시도해 주세요."
# A write was sent and no answer came back: it may have landed. Never say it failed.
OUTCOME_UNKNOWN = "요청이 처리되었는지 확인하지 못했어요. 잠시 후 다시 확인해 주세요."


def service_unavailable(outcome_unknown: bool = False, message: str | None = None,
                        **extra: Any) -> ApiError:
    """AWS unreachable, stalled or shedding load: 503, come back later. When a
    write of this request may have landed, the message says the outcome is
    unknown rather than that it failed."""
    text = message or (OUTCOME_UNKNOWN if outcome_unknown else SERVICE_UNAVAILABLE)
    return ApiError(503, "SERVICE_UNAVAILABLE", text, **extra)
