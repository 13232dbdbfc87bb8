"""链路告警 read model (X5): stale out boxes and transports that are down, for the alerts console and the heartbeat.

Table link_alerts: alert_id, kind (stale | down), direction (out | in), seq (occurrence number of that kind and
direction), transport, detail, raised_at, cleared_at (NULL while open), cleared_detail, acknowledged_by,
acknowledged_at, note, updated_at."""

from __future__ import annotations

from typing import Any

from eventsourcing.utils import get_topic

from domain.exchange.node_link import LinkAlert
from projections.base import Projector

DDL = (
    """CREATE TABLE IF NOT EXISTS link_alerts (
        alert_id VARCHAR(36) PRIMARY KEY, kind VARCHAR(10) NOT NULL, direction VARCHAR(4) NOT NULL,
        seq INTEGER NOT NULL, transport VARCHAR(10) NOT NULL, detail VARCHAR(1000) NOT NULL,
        raised_at VARCHAR(40) NOT NULL, cleared_at VARCHAR(40), cleared_detail VARCHAR(500),
        acknowledged_by VARCHAR(100) NOT NULL, acknowledged_at VARCHAR(40), note VARCHAR(500),
        updated_at VARCHAR(40) NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS link_alerts_kind ON link_alerts (kind, direction, seq)",
)


class LinkAlertsView(Projector):
    name = "link_alerts"
    tables = ("link_alerts",)
    ddl = DDL
    topics = tuple(map(get_topic, (LinkAlert.Raised, LinkAlert.Cleared, LinkAlert.Acknowledged)))

    def apply(self, events: list[Any]) -> None:
        for e in events:
            aid, at = str(e.originator_id), e.timestamp.isoformat()
            if isinstance(e, LinkAlert.Raised):
                self.db.execute("INSERT INTO link_alerts VALUES (?, ?, ?, ?, ?, ?, ?, NULL, '', '', NULL, '', ?) "
                                "ON CONFLICT (alert_id) DO NOTHING",
                                (aid, e.kind, e.direction, e.seq, e.transport, e.detail[:1000], at, at))
            elif isinstance(e, LinkAlert.Cleared):
                self.db.execute("UPDATE link_alerts SET cleared_at = ?, cleared_detail = ?, updated_at = ? "
                                "WHERE alert_id = ?", (at, e.detail[:500], at, aid))
            elif isinstance(e, LinkAlert.Acknowledged):
                self.db.execute("UPDATE link_alerts SET acknowledged_by = ?, acknowledged_at = ?, note = ?, "
                                "updated_at = ? WHERE alert_id = ?", (e.by, at, e.note[:500], at, aid))

    # queries ------------------------------------------------------------------------------------

    def latest(self, kind: str, direction: str) -> dict[str, Any] | None:
        """The newest occurrence of a kind of problem on a direction (open or not)."""
        rows = self.db.query("SELECT * FROM link_alerts WHERE kind = ? AND direction = ? ORDER BY seq DESC LIMIT 1",
                             (kind, direction))
        return rows[0] if rows else None

    def alerts(self, limit: int = 100) -> list[dict[str, Any]]:
        """Open ones first, then the newest."""
        return self.db.query("SELECT * FROM link_alerts ORDER BY CASE WHEN cleared_at IS NULL THEN 0 ELSE 1 END, "
                             "raised_at DESC LIMIT ?", (limit,))

    def open(self) -> list[dict[str, Any]]:
        return self.db.query("SELECT * FROM link_alerts WHERE cleared_at IS NULL ORDER BY raised_at")
