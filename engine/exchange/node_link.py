"""节点配置与链路监控 (X5): the customs node link as configured at run time, the transport that follows it, and its
health.

- `NodeLinkService`: `current()` is the stored configuration (domain/exchange/node_link.py NodeLink), or what the
  settings say (CBEC_TRANSPORT, CBEC_DXP_ENVELOPE, the receiver IDs of adapters/ceb) while nobody configured it;
  `configure(by, reason, **fields)` checks and records a change. A process trusts what it read for `REFRESH`
  seconds, so a change made by another process (the console of `cbec serve` while a worker delivers) is followed
  within seconds; one made in this process is followed at once.
- `LinkTransport`: a Transport (adapters/customs/transport.py) that delivers through the configured out transport
  and fetches, acknowledges and rejects receipts through the in transport, built by a factory (bootstrap's
  `transport_of`). When the configuration names other transports it builds those and closes the ones no longer
  used, without a restart.
- Health: per direction the transport, the last message out / receipt in (message tracking read model), and what
  the transport itself reports (`status()`: backlog, age of the oldest waiting message, receipts waiting, down).
- `LinkHeartbeat`: every `interval` seconds raises a LinkAlert when the oldest message waiting in the out box is
  older than the configured minutes (the customs client stopped moving files) or a transport is down, and clears
  it once the link moves again. A transport that cannot say how old its oldest message is (AMQP) is judged by how
  long the heartbeat has seen its backlog without it ever going down."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from adapters import ceb
from adapters.customs.transport import Incoming, TransportDown
from domain.exchange.node_link import FIELDS, LinkAlert, LinkConfig, NodeLink, changes, check
from domain.shared.rules import DeclarationRejected, FieldError
from engine.exchange import receipt_watch
from engine.settings import Settings
from engine.store import EventStore
from projections.exchange.link_alerts import LinkAlertsView
from projections.exchange.messages import MessagesView

log = logging.getLogger(__name__)
REFRESH = 3.0  # seconds a process trusts the configuration it read
DEFAULT_STALE_MINUTES = 30
HEARTBEAT_INTERVAL = 30.0
TransportFactory = Callable[[str], Any]  # kind (filebox | amqp | http) -> a Transport


class NodeLinkService:
    def __init__(self, store: EventStore, settings: Settings, factory: TransportFactory):
        self.store, self.settings, self.factory = store, settings, factory
        self.messages_view: MessagesView | None = None  # for the last message out and the last receipt in
        self.alerts_view: LinkAlertsView | None = None
        self.heartbeat: LinkHeartbeat | None = None
        self._config: LinkConfig | None = None
        self._read_at = float("-inf")
        self._probe: LinkTransport | None = None
        self._probe_lock = threading.Lock()
        self._backlog_seen: tuple[int, float] | None = None  # (backlog, since when it never went down)

    def follow(self, messages_view: MessagesView, alerts_view: LinkAlertsView,
               interval: float = HEARTBEAT_INTERVAL) -> LinkHeartbeat:
        """The link's health reads the message tracking read model; its alerts have their own, kept by the
        heartbeat the runner calls after both."""
        self.messages_view, self.alerts_view = messages_view, alerts_view
        self.heartbeat = LinkHeartbeat(self, alerts_view, interval)
        return self.heartbeat

    # configuration --------------------------------------------------------------------------------

    def defaults(self) -> LinkConfig:
        """The link as the settings give it, before anyone configured it in the console."""
        return LinkConfig(sender_dxp_id="", import_receiver=ceb.IMPORT_RECEIVER, export_receiver=ceb.EXPORT_RECEIVER,
                          out_transport=self.settings.transport, in_transport=self.settings.transport,
                          dxp_envelope=self.settings.dxp_envelope, stale_after_minutes=DEFAULT_STALE_MINUTES)

    def current(self) -> LinkConfig:
        """The configuration now: at most `REFRESH` seconds old when another process changed it."""
        if self._config is None or time.monotonic() - self._read_at >= REFRESH:
            link = self._link()
            self._config = link.config if link is not None and link.config is not None else self.defaults()
            self._read_at = time.monotonic()
        return self._config

    def configure(self, by: str, reason: str, **fields: Any) -> tuple[LinkConfig, bool]:
        """Check and record a change (with who and why); (the configuration, whether anything changed). Raises
        DeclarationRejected naming each field that breaks a rule; then nothing is recorded."""
        link = self._link()
        before = link.config if link is not None and link.config is not None else self.defaults()
        errors: list[FieldError] = []
        try:
            after = check(fields, before)
        except DeclarationRejected as rejected:
            errors, after = rejected.errors, before
        if not reason.strip():
            errors.append(FieldError("reason", "required", "请填写修改原因", "give the reason for the change"))
        if errors:
            raise DeclarationRejected(errors)
        if after == before:  # as stored, or as the settings give it: nothing to record
            return after, False
        if link is None:
            link = NodeLink()
        link.configure(**after.as_dict(), by=by, reason=reason.strip()[:500])
        try:
            self.store.save(link)
        except IntegrityError as error:
            raise DeclarationRejected([FieldError(
                "reason", "concurrent", "配置刚被他人修改，请刷新后重试",
                "someone changed the configuration meanwhile: reload and try again")]) from error
        log.warning("node link configured by %s (%s): %s", by, reason, changes(before, after))
        self._config, self._read_at = after, time.monotonic()  # this process follows at once
        return after, True

    def history(self) -> list[dict[str, Any]]:
        """Every change, newest first: when, who, why and what changed (the first against the settings)."""
        link_id = NodeLink.create_id()
        events = [self.store.mapper.to_domain_event(e) for e in self.store.recorder.select_events(link_id)]
        rows, before = [], self.defaults()
        for e in events:
            if not isinstance(e, NodeLink.Configured):
                continue
            after = LinkConfig(**{name: getattr(e, name) for name in FIELDS})
            rows.append({"at": e.timestamp, "by": e.by, "reason": e.reason, "changes": changes(before, after),
                         "config": after})
            before = after
        return rows[::-1]

    def configured(self) -> bool:
        link = self._link()
        return link is not None and link.config is not None

    def _link(self) -> NodeLink | None:
        try:
            return self.store.repository.get(NodeLink.create_id())
        except AggregateNotFoundError:
            return None

    # transports -----------------------------------------------------------------------------------

    def link_transport(self) -> LinkTransport:
        """A transport of its own following this configuration (each connection used by one thread at a time)."""
        return LinkTransport(self, self.factory)

    def probe(self, now: float | None = None) -> Probe:
        """Ask the configured transports how the link is; its own connections, so the console and the
        heartbeat never share one with the delivery thread."""
        config = self.current()
        with self._probe_lock:
            if self._probe is None:
                self._probe = self.link_transport()
            try:
                out, into = self._probe.pair()
            except TransportDown as error:
                down = {"down": True, "error": str(error)}
                return Probe(config, down, down, shared=True)
            out_status = status_of(out)
            shared = into is out
            in_status = out_status if shared else status_of(into)
        now = time.time() if now is None else now
        return Probe(config, out_status, in_status, shared, self._stale_seconds(out_status, now))

    def _stale_seconds(self, status: dict[str, Any], now: float) -> float | None:
        """How long the oldest waiting message has waited: the transport says, or (AMQP) since when the heartbeat
        has seen a backlog that never went down."""
        backlog = status.get("backlog")
        if not isinstance(backlog, int) or status.get("error"):
            return None
        if backlog <= 0:
            self._backlog_seen = None
            return 0.0
        oldest = status.get("oldest_backlog_seconds")
        if oldest is not None:
            return float(oldest)
        seen = self._backlog_seen
        if seen is None or backlog < seen[0]:  # something moved
            self._backlog_seen = (backlog, now)
        else:
            self._backlog_seen = (backlog, seen[1])
        return now - self._backlog_seen[1]

    def health(self) -> list[dict[str, Any]]:
        """One row per direction for the console: out (messages to customs) and in (receipts from customs)."""
        probe = self.probe()
        if self.messages_view is not None:
            self.messages_view.run_once()
        last_out = self.messages_view.last_stage("delivered") if self.messages_view else None
        last_in = self.messages_view.last_stage("receipt", "format_error") if self.messages_view else None
        limit = probe.config.stale_after_minutes * 60
        out, into = probe.out_status, probe.in_status
        return [
            {"direction": "out", "transport": probe.config.out_transport, "last": last_out,
             "backlog": out.get("backlog"), "oldest_seconds": probe.stale_seconds,
             "customs_last": out.get("last_message_in"), "down": bool(out.get("down")), "error": out.get("error", ""),
             "stale": probe.stale_seconds is not None and probe.stale_seconds > limit, "status": out},
            {"direction": "in", "transport": probe.config.in_transport, "last": last_in,
             "waiting": into.get("receipts_waiting"), "customs_last": into.get("last_receipt_out"),
             "down": bool(into.get("down")), "error": into.get("error", ""), "stale": False, "status": into},
        ]

    # alerts ---------------------------------------------------------------------------------------

    def alerts(self) -> list[dict[str, Any]]:
        if self.alerts_view is None:
            return []
        self.alerts_view.run_once()
        return self.alerts_view.alerts()

    def acknowledge(self, alert_id: UUID, by: str, note: str = "") -> LinkAlert:
        """An operator has seen the link alert (X5:manage); recorded with who and an optional note."""
        return receipt_watch.acknowledge(self.store, LinkAlert, alert_id, by, note)

    def close(self) -> None:
        with self._probe_lock:
            if self._probe is not None:
                self._probe.close()
                self._probe = None


@dataclass
class Probe:
    """What the transports said at one moment."""

    config: LinkConfig
    out_status: dict[str, Any]
    in_status: dict[str, Any]
    shared: bool  # in and out are the same transport
    stale_seconds: float | None = None  # age of the oldest waiting message; None: unknown
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


def status_of(transport: Any) -> dict[str, Any]:
    """A transport's `status()`; down with the reason when it cannot answer."""
    if not hasattr(transport, "status"):
        return {"error": f"{transport.name}: no status"}
    try:
        return dict(transport.status())
    except Exception as error:  # noqa: BLE001 - whatever the transport raises, the link is down
        return {"down": True, "error": f"{type(error).__name__}: {error}"}


class LinkTransport:
    """The Transport of the configured link: out through one transport, receipts through the other (or the same).
    Receipts carry the transport that handed them out, so they are acknowledged where they came from."""

    def __init__(self, service: NodeLinkService, factory: TransportFactory):
        self.service, self.factory = service, factory
        self.kinds: tuple[str, str] | None = None
        self.open: dict[str, Any] = {}
        self.lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.pair()[0].name

    def pair(self) -> tuple[Any, Any]:
        """(out, in) as configured now; builds new ones and closes the ones no longer used on a change."""
        config = self.service.current()
        kinds = (config.out_transport, config.in_transport)
        with self.lock:
            if kinds != self.kinds:
                for kind in set(self.open) - set(kinds):
                    log.warning("node link: %s no longer used, closing it", kind)
                    _close(self.open.pop(kind))
                for kind in kinds:
                    if kind not in self.open:
                        try:
                            self.open[kind] = self.factory(kind)
                        except Exception as error:  # noqa: BLE001 - a transport that cannot be built is down
                            raise TransportDown(f"transport {kind} cannot be set up: {error}") from error
                self.kinds = kinds
                log.info("node link: out %s, in %s", *kinds)
            return self.open[kinds[0]], self.open[kinds[1]]

    def deliver(self, name: str, data: bytes) -> bool:
        return self.pair()[0].deliver(name, data)

    def fetch(self, limit: int = 200) -> list[Incoming]:
        source = self.pair()[1]
        return [Incoming(item.name, item.data, (source, item)) for item in source.fetch(limit)]

    def ack(self, incoming: Incoming) -> None:
        source, item = self._origin(incoming)
        source.ack(item)

    def reject(self, incoming: Incoming, reason: str) -> None:
        source, item = self._origin(incoming)
        source.reject(item, reason)

    def status(self) -> dict[str, Any]:
        """The out transport's status (the keys of HttpTransport.status)."""
        return status_of(self.pair()[0])

    def close(self) -> None:
        with self.lock:
            for transport in self.open.values():
                _close(transport)
            self.open, self.kinds = {}, None

    def _origin(self, incoming: Incoming) -> tuple[Any, Incoming]:
        token = incoming.token
        if isinstance(token, tuple) and len(token) == 2 and isinstance(token[1], Incoming):
            return token
        return self.pair()[1], incoming


def _close(transport: Any) -> None:
    try:
        transport.close()
    except Exception:  # noqa: BLE001 - closing a broken connection must not stop the switch
        log.warning("closing transport %s failed", getattr(transport, "name", transport), exc_info=True)


class LinkHeartbeat:
    """链路心跳: raises and clears LinkAlerts from what the transports say, every `interval` seconds."""

    def __init__(self, service: NodeLinkService, view: LinkAlertsView, interval: float = HEARTBEAT_INTERVAL,
                 now: Callable[[], float] = time.time):
        self.service, self.view, self.interval, self.now = service, view, interval, now
        self.last = float("-inf")

    def run_once(self) -> int:
        if time.monotonic() - self.last < self.interval:
            return 0
        self.last = time.monotonic()
        return self.check()

    def check(self) -> int:
        """Decide now; the number of alerts raised or cleared."""
        probe = self.service.probe(self.now())
        config = probe.config
        problems: dict[tuple[str, str], tuple[str, str]] = {}  # (kind, direction) -> (transport, detail or '')
        out, into = probe.out_status, probe.in_status
        problems[("down", "out")] = (config.out_transport, _down_detail(out))
        problems[("down", "in")] = (config.in_transport, "" if probe.shared else _down_detail(into))
        if probe.stale_seconds is not None:
            limit = config.stale_after_minutes * 60
            stale = probe.stale_seconds > limit
            detail = (f"发送通道积压 {out.get('backlog')} 条报文，最早的已等待 {probe.stale_seconds / 60:.1f} 分钟"
                      f"（阈值 {config.stale_after_minutes} 分钟） / {out.get('backlog')} message(s) waiting, the "
                      f"oldest for {probe.stale_seconds / 60:.1f} min (threshold {config.stale_after_minutes} min)")
            problems[("stale", "out")] = (config.out_transport, detail if stale else "")
        self.view.run_once()
        done = sum(self._decide(kind, direction, transport, detail)
                   for (kind, direction), (transport, detail) in problems.items())
        if done:
            self.view.run_once()
        return done

    def _decide(self, kind: str, direction: str, transport: str, detail: str) -> int:
        latest = self.view.latest(kind, direction)
        is_open = latest is not None and latest["cleared_at"] is None
        try:
            if detail and not is_open:
                seq = (latest["seq"] if latest else 0) + 1
                log.warning("link alert %s %s raised: %s", kind, direction, detail)
                self.service.store.save(LinkAlert(kind=kind, direction=direction, seq=seq, transport=transport,
                                                  detail=detail,
                                                  contacts=list(self.service.settings.alert_contacts)))
                return 1
            if not detail and is_open and latest is not None:
                alert: LinkAlert = self.service.store.repository.get(UUID(latest["alert_id"]))
                if alert.cleared:
                    return 0
                alert.clear(detail="链路恢复 the link moves again")
                self.service.store.save(alert)
                log.warning("link alert %s %s cleared", kind, direction)
                return 1
        except IntegrityError:
            log.info("link alert %s %s decided by another heartbeat", kind, direction)
        return 0


def _down_detail(status: dict[str, Any]) -> str:
    if not status.get("down"):
        return ""
    return f"通道中断 transport down: {status.get('error') or 'the transport reports it is down'}"[:1000]
