"""海关179 read model (I13): customs' data requests with the outcome of their uploads, and which orders have their
payment raw data on the platform.

Table payment179_requests: request_id, order_no, ebp_code, pay_code, session_id, service_time (customs' ms),
guid, status (received / uploaded / failed), attempts, code (customs' answer, e.g. 10000), message, received_at,
last_at (the last upload attempt), parties ("|ebp|pay|", tenancy), updated_at.
Table payment_raw_data: raw_id, ebp_code, order_no, supplied_by, supplied_at, version (1: first supplied)."""

from __future__ import annotations

from typing import Any

from eventsourcing.utils import get_topic

from domain.customs.payment179 import FAILED, RECEIVED, UPLOADED, PaymentDataRequest, PaymentRawData
from projections.base import Projector
from projections.query import Where

DDL = (
    """CREATE TABLE IF NOT EXISTS payment179_requests (
        request_id VARCHAR(36) PRIMARY KEY, order_no VARCHAR(60) NOT NULL, ebp_code VARCHAR(18),
        pay_code VARCHAR(18), session_id VARCHAR(100) NOT NULL, service_time VARCHAR(20), guid VARCHAR(36),
        status VARCHAR(10) NOT NULL, attempts INTEGER NOT NULL, code VARCHAR(10), message VARCHAR(1000),
        received_at VARCHAR(40) NOT NULL, last_at VARCHAR(40), parties VARCHAR(60) NOT NULL,
        updated_at VARCHAR(40) NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS payment179_requests_order ON payment179_requests (order_no)",
    """CREATE TABLE IF NOT EXISTS payment_raw_data (
        raw_id VARCHAR(36) PRIMARY KEY, ebp_code VARCHAR(18) NOT NULL, order_no VARCHAR(60) NOT NULL,
        supplied_by VARCHAR(100), supplied_at VARCHAR(40) NOT NULL, version INTEGER NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS payment_raw_data_order ON payment_raw_data (order_no)",
)
RECEIVED_SQL = """INSERT INTO payment179_requests (request_id, order_no, ebp_code, pay_code, session_id,
    service_time, guid, status, attempts, code, message, received_at, last_at, parties, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, '', '', ?, NULL, ?, ?) ON CONFLICT (request_id) DO NOTHING"""
RAW_SQL = """INSERT INTO payment_raw_data (raw_id, ebp_code, order_no, supplied_by, supplied_at, version)
    VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT (raw_id) DO NOTHING"""


class PaymentDataView(Projector):
    name = "payment179"
    tables = ("payment179_requests", "payment_raw_data")
    ddl = DDL
    topics = tuple(map(get_topic, (
        PaymentDataRequest.Received, PaymentDataRequest.Uploaded, PaymentDataRequest.UploadFailed,
        PaymentDataRequest.ResendRequested, PaymentRawData.Supplied, PaymentRawData.Replaced)))

    def apply(self, events: list[Any]) -> None:
        for e in events:
            stamp, aggregate_id = e.timestamp.isoformat(), str(e.originator_id)
            if isinstance(e, PaymentDataRequest.Received):
                self.db.execute(RECEIVED_SQL, (
                    aggregate_id, e.order_no, e.ebp_code, e.pay_code, e.session_id, e.service_time,
                    PaymentDataRequest.guid_of(e.session_id, e.order_no), RECEIVED, e.received_at.isoformat(),
                    f"|{e.ebp_code}|{e.pay_code}|", stamp))
            elif isinstance(e, PaymentDataRequest.Uploaded | PaymentDataRequest.UploadFailed):
                status = UPLOADED if isinstance(e, PaymentDataRequest.Uploaded) else FAILED
                self.db.execute("UPDATE payment179_requests SET status = ?, attempts = attempts + 1, code = ?, "
                                "message = ?, last_at = ?, updated_at = ? WHERE request_id = ?",
                                (status, e.code[:10], e.message[:1000], e.at.isoformat(), stamp, aggregate_id))
            elif isinstance(e, PaymentDataRequest.ResendRequested):
                self.db.execute("UPDATE payment179_requests SET status = ?, updated_at = ? WHERE request_id = ?",
                                (RECEIVED, stamp, aggregate_id))
            else:
                self._raw(e, aggregate_id)

    def _raw(self, e: Any, raw_id: str) -> None:
        if isinstance(e, PaymentRawData.Supplied):
            self.db.execute(RAW_SQL, (raw_id, e.ebp_code, e.order_no, e.supplied_by, e.supplied_at.isoformat()))
        else:
            self.db.execute("UPDATE payment_raw_data SET supplied_by = ?, supplied_at = ?, version = ? "
                            "WHERE raw_id = ?",
                            (e.supplied_by, e.supplied_at.isoformat(), e.originator_version, raw_id))

    def search(self, q: str = "", status: str = "", page: int = 1, per_page: int = 20,
               parties: list[str] | None = None) -> tuple[list[dict[str, Any]], int]:
        """Requests newest first, by order number or session id; `parties`: only those naming these enterprises."""
        where = Where().contains(["order_no", "session_id"], q).equals("status", status)
        where.any_of_tokens("parties", parties)
        rows, total = where.page(self.db, "payment179_requests", "received_at DESC, request_id", page, per_page)
        supplied = self.raw_supplied([(r["ebp_code"], r["order_no"]) for r in rows])
        return [r | {"raw_supplied": (r["ebp_code"], r["order_no"]) in supplied} for r in rows], total

    def raw_supplied(self, keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
        if not keys:
            return set()
        marks = " OR ".join("(ebp_code = ? AND order_no = ?)" for _ in keys)
        rows = self.db.query(f"SELECT ebp_code, order_no FROM payment_raw_data WHERE {marks}",
                             [v for key in keys for v in key])
        return {(r["ebp_code"], r["order_no"]) for r in rows}
