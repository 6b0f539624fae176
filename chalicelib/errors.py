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
