"""What the caller hears: the statuses of the contract and their Korean text.

Connect reads the Lambda's answer as a flat map of strings (``STRING_MAP``), so
every value here is a string and nothing is nested.
"""

from __future__ import annotations

SUCCESS = "SUCCESS"
INPUT_ERROR = "INPUT_ERROR"
INVALID_FORMAT = "INVALID_FORMAT"
DUPLICATE = "DUPLICATE"
ERROR = "ERROR"
STATUSES = (SUCCESS, INPUT_ERROR, INVALID_FORMAT, DUPLICATE, ERROR)

# The contract's wording for the three input problems.
EMPTY_INPUT = "사번을 입력해주세요"
BAD_FORMAT = "올바른 사번을 입력해주세요"
ALREADY_REGISTERED = "이미 등록된 사번입니다"
# An ID that is well formed but not on the employee roster (re-keying helps).
NOT_ON_ROSTER = "명단에 없는 사번이에요. 다시 입력해주세요"
NUMBERS_EXHAUSTED = "추첨번호가 모두 소진되었습니다. 이번 이벤트 등록은 마감되었습니다."
APOLOGY = "죄송합니다. 일시적인 오류로 등록하지 못했습니다. 잠시 후 다시 전화해 주세요."

_DIGIT_WORDS = dict(zip("0123456789", ("공", "일", "이", "삼", "사", "오", "육", "칠", "팔", "구"),
                        strict=True))


def spoken(lottery_number: str) -> str:
    """``L0042`` -> ``엘 공 공 사 이``.

    Text-to-speech reads ``L0042`` as a quantity ("사십이"); callers write the
    number down digit by digit, so each digit is spelt out the way Koreans read
    phone numbers aloud.
    """
    words = ["엘" if ch in "Ll" else _DIGIT_WORDS.get(ch, ch) for ch in lottery_number]
    return " ".join(words)


def success(lottery_number: str) -> dict[str, str]:
    return {
        "registrationStatus": SUCCESS,
        "lotteryNumber": lottery_number,
        "successMessage": (f"등록되었습니다. 추첨번호는 {lottery_number}, "
                           f"{spoken(lottery_number)} 입니다."),
    }


def already_registered(lottery_number: str) -> dict[str, str]:
    """DUPLICATE for the phone that registered: it hears its own number again
    (e.g. its first call ended in an error after the registration landed)."""
    return {
        "registrationStatus": DUPLICATE,
        "lotteryNumber": lottery_number,
        "errorMessage": (f"{ALREADY_REGISTERED}. 추첨번호는 {lottery_number}, "
                         f"{spoken(lottery_number)} 입니다."),
    }


def failure(status: str, message: str) -> dict[str, str]:
    return {"registrationStatus": status, "errorMessage": message}


def input_error() -> dict[str, str]:
    return failure(INPUT_ERROR, EMPTY_INPUT)


def invalid_format() -> dict[str, str]:
    return failure(INVALID_FORMAT, BAD_FORMAT)


def not_on_roster() -> dict[str, str]:
    return failure(INVALID_FORMAT, NOT_ON_ROSTER)


def duplicate() -> dict[str, str]:
    return failure(DUPLICATE, ALREADY_REGISTERED)


def exhausted() -> dict[str, str]:
    return failure(ERROR, NUMBERS_EXHAUSTED)


def error() -> dict[str, str]:
    return failure(ERROR, APOLOGY)
