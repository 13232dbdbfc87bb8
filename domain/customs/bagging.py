"""装袋 (E7): a parcel is in at most one bag (清单总分单 CEB607) customs has not refused.

`ParcelInBag` is the parcel's claim, one per export waybill (logisticsCode, logisticsNo), recorded in the same
transaction as the bag that lists it. Two bags listing one parcel at the same instant race on the claim's version
and the second is refused; a bag customs refuses (100, a negative code) releases its parcels for another bag."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.shared.ids import NAMESPACE

PARCEL_LIST, PARCEL_NO = "wayBillList", "logisticsNo"


class ParcelInBag(Aggregate):
    @staticmethod
    def create_id(logistics_code: str, logistics_no: str, **_: Any) -> UUID:
        return uuid5(NAMESPACE, f"parcel-in-bag/{logistics_code}/{logistics_no}")

    @event("Bagged")
    def __init__(self, logistics_code: str, logistics_no: str, bag_id: str, bag_no: str) -> None:
        self.logistics_code = logistics_code
        self.logistics_no = logistics_no
        self.bag_id = bag_id
        self.bag_no = bag_no
        self.released = ""  # why, once the bag no longer holds it

    def release_from(self, bag_id: str, reason: str) -> bool:
        """Released by the bag customs refused, when that bag still holds the parcel (not when it was released
        already or has gone into another bag since). False when nothing changed."""
        if not self.held or self.bag_id != bag_id:
            return False
        self.release(reason=reason)
        return True

    @event("Released")
    def release(self, reason: str) -> None:
        self.released = reason

    @event("Rebagged")
    def rebag(self, bag_id: str, bag_no: str) -> None:
        self.bag_id, self.bag_no, self.released = bag_id, bag_no, ""

    @property
    def held(self) -> bool:
        return not self.released


def parcels_of(bag: dict[str, Any]) -> list[tuple[int, str, str]]:
    """(line number, logisticsCode, logisticsNo) of each parcel a CEB607 document lists."""
    code = str(bag.get("logisticsCode") or "")
    lines = bag.get(PARCEL_LIST) or []
    return [(i, code, str(line.get(PARCEL_NO) or "")) for i, line in enumerate(lines, start=1)
            if isinstance(line, dict) and line.get(PARCEL_NO)]
