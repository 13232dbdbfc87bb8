"""证书到期告警: a signing certificate of the key store ends soon (#17 item 9).

One alert per key, ever: its ID comes from the enterprise and the key, so a daily check that finds the same key again
raises nothing new, and two processes checking at once raise it once (the second loses on the version). The alert
carries its contacts; the alerts read model queues a mail to each and the alert mailer sends it, as for link alerts.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.shared.ids import NAMESPACE


class KeyExpiryAlert(Aggregate):
    @staticmethod
    def create_id(enterprise: str, key_id: str, **_: Any) -> UUID:
        return uuid5(NAMESPACE, f"key-expiry/{enterprise}/{key_id}")

    @event("Raised")
    def __init__(self, enterprise: str, key_id: str, not_after: str, days_left: int, contacts: list[str]) -> None:
        self.enterprise = enterprise
        self.key_id = key_id
        self.not_after = not_after  # ISO 8601, UTC
        self.days_left = days_left
        self.contacts = contacts


def subject(enterprise: str, key_id: str, not_after: str, days_left: int) -> str:
    """The mail subject, zh and en."""
    day = not_after[:10]
    if days_left < 0:
        return f"签名证书已过期 signing certificate expired: {enterprise} {key_id} ({day})"
    return f"签名证书 {days_left} 天后到期 signing certificate ends in {days_left} days: {enterprise} {key_id} ({day})"
