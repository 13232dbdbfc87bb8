"""企业 read model (B4): the enterprises registered on the platform, to name the codes other tables carry.

Table enterprises: code (10-character customs code, primary key), name, kinds (comma-separated: ecommerce,
platform, logistics, payment, site), dxp_id, uscc (unified social credit code), organisation (the platform
organisation it belongs to), algorithm (RSA-SHA1 or SM2-SM3), registered_at (ISO 8601, Asia/Shanghai)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from eventsourcing.utils import get_topic

from domain.identity.model import Enterprise
from projections.base import Projector

SHANGHAI = ZoneInfo("Asia/Shanghai")
DDL = (
    """CREATE TABLE IF NOT EXISTS enterprises (
        code VARCHAR(18) PRIMARY KEY, name VARCHAR(100) NOT NULL, kinds VARCHAR(100), dxp_id VARCHAR(40),
        uscc VARCHAR(18), organisation VARCHAR(60), algorithm VARCHAR(16), registered_at VARCHAR(40) NOT NULL)""",
)
UPSERT = """INSERT INTO enterprises (code, name, kinds, dxp_id, uscc, organisation, algorithm, registered_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO UPDATE SET name = excluded.name, kinds = excluded.kinds,
    dxp_id = excluded.dxp_id, uscc = excluded.uscc, organisation = excluded.organisation,
    algorithm = excluded.algorithm"""


class EnterprisesView(Projector):
    name = "enterprises"
    tables = ("enterprises",)
    ddl = DDL
    topics = (get_topic(Enterprise.Registered),)

    def apply(self, events: list[Any]) -> None:
        self.db.executemany(UPSERT, [
            (e.code, e.name, ",".join(e.kinds), e.dxp_id, e.uscc, e.organisation,
             (e.signing or {}).get("algorithm", ""), e.timestamp.astimezone(SHANGHAI).isoformat()) for e in events])

    def names(self) -> dict[str, str]:
        return {r["code"]: r["name"] for r in self.db.query("SELECT code, name FROM enterprises")}
