"""Enterprises that declare to customs (电商/物流/支付企业, 电商平台, 监管场所)."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.customs.model import NAMESPACE

KINDS = ("ecommerce", "platform", "logistics", "payment", "site")


class Enterprise(Aggregate):
    """企业, identified by its 10-character customs registration code."""

    @staticmethod
    def create_id(code: str, **_: Any) -> UUID:
        return uuid5(NAMESPACE, f"enterprise/{code}")

    @event("Registered")
    def __init__(self, code: str, name: str, kinds: list[str], dxp_id: str, signing: dict[str, str]) -> None:
        self.code = code
        self.name = name
        self.kinds = kinds
        self.dxp_id = dxp_id
        self.signing = signing
