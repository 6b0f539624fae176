"""The table's secondary indexes over requests: one per way operators look
for them (``GET /api/admin/requests``), so each answer is one Query on a
partition of an index, never a scan. Provisioning creates them from here
(``provision/core.py``), so the app and the table cannot disagree.

Every index reuses attributes a request already has, so no write anywhere
(the state machine's ``MarkTimeout`` included) has to keep an index key in
step with the request:

    index           partition key        sort key       answers
    gsi1            gsi1pk ("REQUESTS")  gsi1sk         all requests, newest first
    byStatus        status               gsi1sk         ?status=
    escalated       gsi1pk               escalatedAt    ?escalated=true (sparse:
                                                        only escalated requests)
    byId            gsi1pk               requestId      ?q=<request id prefix>
    byReservation   reservationNumber    gsi1sk         ?q=<reservation number>
    byCustomerPhone customerPhone        gsi1sk         ?q=<phone, any form>
    personalData    personalData ("held") updatedAt     the retention sweep: requests
                                                        still holding personal data,
                                                        least recently changed first
                                                        (sparse: erasure removes
                                                        ``personalData``)

``gsi1sk`` is ``<createdAt>#<requestId>`` (UTC ISO with milliseconds), so a
KST date range is a range of it. Only request items carry ``gsi1sk`` and
``requestId``, so the indexes hold requests only (reservations share the
``reservationNumber`` and phone attributes but have no ``gsi1sk``).
"""

from __future__ import annotations

from dataclasses import dataclass

ALL = "gsi1"
BY_STATUS = "byStatus"
ESCALATED = "escalated"
BY_ID = "byId"
BY_RESERVATION = "byReservation"
BY_CUSTOMER_PHONE = "byCustomerPhone"
PERSONAL_DATA = "personalData"


@dataclass(frozen=True)
class Index:
    name: str
    partition: str
    sort: str

    def definition(self) -> dict:
        """For CreateTable / UpdateTable (on-demand table: no throughput)."""
        return {"IndexName": self.name,
                "KeySchema": [{"AttributeName": self.partition, "KeyType": "HASH"},
                              {"AttributeName": self.sort, "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"}}


INDEXES: tuple[Index, ...] = (
    Index(ALL, "gsi1pk", "gsi1sk"),
    Index(BY_STATUS, "status", "gsi1sk"),
    Index(ESCALATED, "gsi1pk", "escalatedAt"),
    Index(BY_ID, "gsi1pk", "requestId"),
    Index(BY_RESERVATION, "reservationNumber", "gsi1sk"),
    Index(BY_CUSTOMER_PHONE, "customerPhone", "gsi1sk"),
    Index(PERSONAL_DATA, "personalData", "updatedAt"),
)
BY_NAME = {i.name: i for i in INDEXES}


def key_attributes() -> list[str]:
    """Every attribute a key of the table or an index uses (all strings)."""
    names = ["pk", "sk"]
    for index in INDEXES:
        for attribute in (index.partition, index.sort):
            if attribute not in names:
                names.append(attribute)
    return names
