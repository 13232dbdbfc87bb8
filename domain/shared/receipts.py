"""Customs receipts (回执) as values, and the rule that orders them by returnTime."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Receipt:
    """One receipt entry (e.g. an OrderReturn of CEB312) addressed to one document."""

    message_type: str
    guid: str
    return_status: str
    return_time: str
    return_info: str
    source: str = ""

    @property
    def key(self) -> str:
        """Identity of a receipt: the same receipt delivered twice has the same key."""
        return f"{self.message_type}/{self.guid}/{self.return_status}/{self.return_time}"

    def as_dict(self) -> dict[str, str]:
        data = asdict(self)
        return {
            "key": self.key, "messageType": data["message_type"], "guid": data["guid"],
            "returnStatus": data["return_status"], "returnTime": data["return_time"],
            "returnInfo": data["return_info"], "source": data["source"],
        }


def _rank(status: str) -> int:
    return 1 if status in INTERMEDIATE else 2


INTERMEDIATE = {"", "1", "2", "3", "4", "300", "500"}


def newer_than(receipt: Receipt, current_time: str, current_status: str) -> bool:
    """True when the receipt may replace the current status.

    returnTime is YYYYMMDDhhmmssSSS (17 digits), so text order is time order. At the same millisecond a
    concluding status (100, 120, 399 ...) beats an intermediate one (2 申报中), whatever the arrival order.
    """
    if receipt.return_time != current_time:
        return receipt.return_time > current_time
    return _rank(receipt.return_status) >= _rank(current_status)
