"""The operators' draw: N winners among the event's registrations.

Fair: ``secrets.SystemRandom().sample`` (the OS's randomness, every
registration equally likely, no seed anyone could choose). Accountable: each
draw is an item ``EVENT#<id>/DRAW#<n>`` with who drew, when, how many were in
the pool and which numbers won. Never silent: a second draw is refused unless
it is asked for as a redraw *with a reason*, and it is recorded as the next
``DRAW#n+1`` -- earlier draws are never overwritten (``attribute_not_exists``,
so two operators drawing at once cannot both record the same ``n``).
"""

from __future__ import annotations

import secrets
from typing import Any

from chalicelib import clock, table
from chalicelib.registration import store


class DrawRefused(ValueError):
    """Why the draw was not made, in Korean for the operator."""


def list_draws(event_id: str) -> list[dict[str, Any]]:
    found = table.query(store.event_pk(event_id), "DRAW#", consistent=True)
    return sorted(found, key=lambda d: int(d.get("drawNumber", 0)))


def draw(event_id: str, count: int, drawn_by: str, *, redraw: bool = False,
         reason: str | None = None) -> dict[str, Any]:
    drawn_by = (drawn_by or "").strip()
    if not drawn_by:
        raise DrawRefused("추첨한 사람을 입력해 주세요 (--by).")
    if not isinstance(count, int) or count < 1:
        raise DrawRefused("당첨자 수는 1 이상이어야 해요.")
    earlier = list_draws(event_id)
    reason = (reason or "").strip()
    if earlier and not redraw:
        last = earlier[-1]
        raise DrawRefused(
            f"이미 추첨했어요 ({last['drawNumber']}회차, {last['drawnAt']}, "
            f"{last['drawnBy']}). 다시 추첨하려면 --redraw --reason \"사유\"를 지정해 주세요.")
    if redraw and not reason:
        raise DrawRefused("재추첨 사유를 입력해 주세요 (--reason).")
    pool = store.registrations(event_id)
    if count > len(pool):
        raise DrawRefused(f"등록자가 {len(pool)}명뿐이라 {count}명을 뽑을 수 없어요.")
    winners = secrets.SystemRandom().sample(pool, count)
    number = (int(earlier[-1]["drawNumber"]) + 1) if earlier else 1
    item: dict[str, Any] = {
        "pk": store.event_pk(event_id), "sk": f"DRAW#{number}", "eventId": event_id,
        "drawNumber": number, "drawnBy": drawn_by, "drawnAt": clock.iso(),
        "count": count, "poolSize": len(pool),
        "lotteryNumbers": [w["lotteryNumber"] for w in winners],
        "winners": [{"lotteryNumber": w["lotteryNumber"], "employeeId": w["employeeId"]}
                    for w in winners],
    }
    if redraw:
        item["reason"] = reason
        if earlier:
            item["replaces"] = int(earlier[-1]["drawNumber"])
    if not table.put_new(item):
        raise DrawRefused("다른 추첨이 방금 기록됐어요. 결과를 확인한 뒤 다시 시도해 주세요.")
    return item


def public(draw_item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in draw_item.items() if k not in ("pk", "sk")}
