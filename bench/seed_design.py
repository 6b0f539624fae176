"""A faithful re-creation of the seed's registration Lambda, the reference the
benchmark measures ours against (seed ``000_3859b796a22099cb``).

What the seed describes, and what this does, per call:

1. validate the employee ID: 4-8 digits (``str.isdigit``), else
   ``INPUT_ERROR`` (empty) / ``INVALID_FORMAT``;
2. read the whole registration log ``axcl_event.txt`` from S3 (empty when it
   does not exist yet);
3. scan it for the ID (4th field of ``timestamp,phone,contact_id,employee_id``)
   -> ``DUPLICATE``;
4. append one line and write the whole object back (``PutObject``, encrypted);
5. answer ``L`` + ``int(md5(employee_id).hexdigest(), 16) % 10000``, zero-padded.

Nothing guards steps 2-4 against an overlapping call, so two calls that read
the same version both write, and the later write drops the earlier line: the
lost-update race the benchmark counts. The lottery number is a function of the
ID, so two employees can share one (and anyone can compute a colleague's).

The seed's contact flow passed ``$.StoredInput`` (which Connect never sets);
here the input is read from ``inputValue`` as our flow sends it, so that the
comparison is between the storage designs and not that bug.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

SUCCESS = "SUCCESS"
INPUT_ERROR = "INPUT_ERROR"
INVALID_FORMAT = "INVALID_FORMAT"
DUPLICATE = "DUPLICATE"
ERROR = "ERROR"


def lottery_number(employee_id: str) -> str:
    """The seed's number: a pure function of the ID (so it can clash)."""
    digest = hashlib.md5(employee_id.encode("utf-8")).hexdigest()
    return "L" + str(int(digest, 16) % 10000).zfill(4)


def timestamp(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def registered_ids(text: str) -> list[str]:
    """The employee IDs of a log file, in file order (repeats kept)."""
    ids = []
    for line in text.splitlines():
        parts = line.strip().split(",")
        if len(parts) >= 4:
            ids.append(parts[3])
    return ids


class SeedRegistration:
    """The seed's handler bound to one S3 object."""

    def __init__(self, s3: Any, bucket: str, key: str = "axcl_event.txt") -> None:
        self.s3 = s3
        self.bucket = bucket
        self.key = key

    def read_log(self) -> str:
        try:
            body = self.s3.get_object(Bucket=self.bucket, Key=self.key)["Body"]
        except self.s3.exceptions.NoSuchKey:
            return ""
        return body.read().decode("utf-8")

    def write_log(self, text: str) -> None:
        self.s3.put_object(Bucket=self.bucket, Key=self.key, Body=text.encode("utf-8"),
                           ContentType="text/plain; charset=utf-8",
                           ServerSideEncryption="AES256")

    def handler(self, event: dict[str, Any], context: Any = None) -> dict[str, str]:
        params = (event.get("Details") or {}).get("Parameters") or {}
        employee_id = str(params.get("inputValue") or "").strip()
        phone = str(params.get("customerPhone") or "")
        contact_id = str(params.get("contactId") or "")
        if not employee_id:
            return {"registrationStatus": INPUT_ERROR, "errorMessage": "사번을 입력해주세요"}
        if not (employee_id.isdigit() and 4 <= len(employee_id) <= 8):
            return {"registrationStatus": INVALID_FORMAT,
                    "errorMessage": "올바른 사번을 입력해주세요"}
        try:
            content = self.read_log()
            if employee_id in registered_ids(content):
                return {"registrationStatus": DUPLICATE, "errorMessage": "이미 등록된 사번입니다"}
            if content and not content.endswith("\n"):
                content += "\n"
            content += f"{timestamp()},{phone},{contact_id},{employee_id}\n"
            self.write_log(content)
        except Exception:  # noqa: BLE001 - the seed answers ERROR on any failure
            return {"registrationStatus": ERROR,
                    "errorMessage": "시스템 오류가 발생했습니다. 잠시 후 다시 시도해주세요"}
        number = lottery_number(employee_id)
        return {"registrationStatus": SUCCESS, "lotteryNumber": number,
                "successMessage": f"이벤트 등록이 완료되었습니다. 추첨번호는 {number}입니다"}
