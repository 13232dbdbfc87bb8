"""数据统计 queries (B4) over the BI read models: declarations_daily, receipts, order_lines, enterprises.
Each takes a date range (YYYY-MM-DD, inclusive) and the enterprises the reader may see (None: all)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from domain.shared import statuses
from projections.db import Database
from projections.query import Where

REFUSED = "(return_status = '100' OR return_status LIKE '-%' OR message_type = 'CEB900')"
UNSENT = {statuses.DRAFT, statuses.DECLARED, statuses.PREPARED}  # not with customs yet: no part of 入库率
RELEASED = {"800", "899"}
ACCEPTED = {"120", "399", *RELEASED, statuses.CANCELLED}  # a cancellation is approved only of an accepted inventory


@dataclass(frozen=True)
class Scope:
    date_from: str
    date_to: str
    enterprise: str = ""
    enterprises: Sequence[str] | None = None  # tenancy

    def where(self, day_column: str, enterprise_column: str = "enterprise") -> Where:
        where = Where().between_dates(day_column, self.date_from, self.date_to)
        return where.equals(enterprise_column, self.enterprise).one_of(
            enterprise_column, None if self.enterprises is None else list(self.enterprises))


def _select(db: Database, sql: str, where: Where, tail: str = "", extra: Sequence[Any] = ()) -> list[dict[str, Any]]:
    return db.query(sql.format(where=" AND ".join(where.parts)) + tail, [*where.params, *extra])


def declarations_by_day(db: Database, scope: Scope) -> list[dict[str, Any]]:
    """day, status, n: documents declared that day, by their current status."""
    return _select(db, "SELECT day, status, SUM(n) AS n FROM declarations_daily WHERE {where} ", scope.where("day"),
                   "GROUP BY day, status ORDER BY day, status")


def declarations_by_enterprise(db: Database, scope: Scope) -> list[dict[str, Any]]:
    return _select(db, "SELECT enterprise, status, SUM(n) AS n FROM declarations_daily WHERE {where} ",
                   scope.where("day"), "GROUP BY enterprise, status ORDER BY enterprise, status")


def receipt_latency(db: Database, scope: Scope) -> list[dict[str, Any]]:
    """Per receipt type and status: receipts, median and 95th percentile of latency_ms (nearest rank)."""
    where = scope.where("applied_at")
    groups = _select(db, "SELECT message_type, return_status, COUNT(*) AS n FROM receipts WHERE {where} "
                         "AND latency_ms IS NOT NULL ", where, "GROUP BY message_type, return_status "
                                                              "ORDER BY message_type, return_status")
    for group in groups:
        group["median_ms"], group["p95_ms"] = (_percentile(db, where, group, p) for p in (0.5, 0.95))
    return groups


def _percentile(db: Database, where: Where, group: dict[str, Any], p: float) -> int:
    rank = max(math.ceil(p * int(group["n"])) - 1, 0)
    rows = _select(db, "SELECT latency_ms FROM receipts WHERE {where} AND latency_ms IS NOT NULL "
                       "AND message_type = ? AND return_status = ? ", where, "ORDER BY latency_ms LIMIT 1 OFFSET ?",
                   (group["message_type"], group["return_status"], rank))
    return int(rows[0]["latency_ms"]) if rows else 0


def rejections(db: Database, scope: Scope, limit: int = 10) -> list[dict[str, Any]]:
    """The most frequent reasons of 退单: returnStatus 100, negative processing codes (-621002 四单回执解析失败 ...) and
    CEB900 format errors, with their counts. Counted once per document refused (#18: a -621002 refusal was left out,
    and a CEB900 counted again on the message it was addressed to)."""
    return _select(db, "SELECT return_info AS reason, COUNT(*) AS n FROM receipts WHERE {where} "
                       f"AND {REFUSED} AND document_type <> 'CustomsMessage' ", scope.where("applied_at"),
                   "GROUP BY return_info ORDER BY n DESC, return_info LIMIT ?", (limit,))


def kpis(per_day: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The dashboard's figures from declarations_by_day rows: total; accepted (入库: 120, 399, released and later
    cancelled), released (800 放行, 899 结关), rejected (退单: 100 and every negative code), format errors (CEB900's
    short negative codes, part of rejected); rate (入库率) = accepted / the documents sent to customs, so every
    refusal lowers it (#18: only 100 counted, a -621002 refusal left 退单 0 and 入库率 100 %)."""
    counts = [(str(r["status"]), int(r["n"])) for r in per_day]
    sent = sum(n for s, n in counts if s not in UNSENT)
    accepted = sum(n for s, n in counts if s in ACCEPTED)
    return {"total": sum(n for _, n in counts), "accepted": accepted, "sent": sent,
            "released": sum(n for s, n in counts if s in RELEASED),
            "rejected": sum(n for s, n in counts if statuses.is_refused(s)),
            "format_errors": sum(n for s, n in counts if s.startswith("-") and len(s) <= 4),
            "rate": round(100 * accepted / sent, 1) if sent else None}


def top_goods(db: Database, scope: Scope, limit: int = 10) -> tuple[str, list[dict[str, Any]]]:
    """('gcode', rows) by HS code when the documents carry one, else ('item_name', rows): label, lines, orders."""
    where = scope.where("day")
    coded = _select(db, "SELECT COUNT(*) AS n FROM order_lines WHERE {where} AND gcode <> '' ", where)[0]["n"]
    column = "gcode" if coded else "item_name"
    rows = _select(db, f"SELECT {column} AS label, COUNT(*) AS lines, COUNT(DISTINCT document_id) AS orders "
                       "FROM order_lines WHERE {where} ", where,
                   f"GROUP BY {column} ORDER BY lines DESC, {column} LIMIT ?", (limit,))
    return column, rows


def order_lines(db: Database, scope: Scope, limit: int) -> list[dict[str, Any]]:
    """商品明细 (#18 export): the goods lines of the orders declared in the scope, by day, order and line number."""
    return _select(db, "SELECT * FROM order_lines WHERE {where} ", scope.where("day"),
                   "ORDER BY day, order_no, gnum LIMIT ?", (limit,))


def enterprise_names(db: Database) -> dict[str, str]:
    return {r["code"]: r["name"] for r in db.query("SELECT code, name FROM enterprises")}
