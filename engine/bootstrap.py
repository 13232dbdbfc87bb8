"""Composition root: reads settings, opens the store, wires adapters, processors and projections.
Nothing connects at import time; everything is built here."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adapters.customs.dropbox import DropBox
from adapters.customs.filebox import FileBox
from adapters.customs_node.simulator import CustomsSimulator, Faults
from domain.customs.documents import ALL_TYPES, ORDER
from domain.shared import tax
from engine.audit.service import Audit
from engine.audit.service import attach as attach_audit
from engine.customs.catalog import Catalog
from engine.customs.document_queries import DocumentQueries
from engine.customs.drafts import Drafts
from engine.customs.drop_folders import DropFolders
from engine.customs.linked import LinkedDocuments
from engine.customs.payment179 import attach as attach_payment179
from engine.customs.queries import OrderQueries
from engine.customs.service import Declarations, ImportOrders
from engine.customs.summaries import attach as attach_summaries
from engine.exchange import alert_mailer
from engine.exchange.node_link import NodeLinkService
from engine.exchange.node_link import attach as attach_node_link
from engine.exchange.processors import ApplyReceipts, DeliverMessages, PrepareMessages, RetryDeliveries
from engine.exchange.receipt_watch import attach as attach_receipt_watch
from engine.hosts.embedded import Runner
from engine.identity.enterprises import Enterprises
from engine.identity.service import Identity
from engine.reference.service import ReferenceData
from engine.secrets_box import Sealer, secret_key
from engine.settings import Settings
from engine.signing.signers import Signers
from engine.store import EventStore, open_store
from projections.customs.documents import CustomsDocumentsView
from projections.customs.drafts import DraftsView
from projections.customs.import_orders import ImportOrdersView
from projections.db import Database
from projections.exchange.messages import MessagesView
from projections.identity.system_log import SystemLogView
from projections.reference.code_lists import ReferenceView

SETUP_LOCK = 7_262_001  # any number, the same in every cbec process


@dataclass
class Platform:
    settings: Settings
    store: EventStore
    box: FileBox
    readmodels: Database
    orders_view: ImportOrdersView
    import_orders: ImportOrders
    enterprises: Enterprises
    queries: OrderQueries
    runner: Runner
    signers: Signers
    receipts: ApplyReceipts
    simulator: CustomsSimulator | None = None
    reference: ReferenceData | None = None  # 海关参数 (I1, I2): code lists, lookups, the code rules
    identity: Identity | None = None  # 权限管理 (A1-A6): organisations, users, clients, logins, system log
    log_view: SystemLogView | None = None
    secret: str = ""
    audit: Audit | None = None  # 审计与数据统计 (B1-B4): history, tamper-evidence chain, BI read models
    transport: Any = None  # X3: the file box, AMQP or HTTP (adapters/customs/transport.py)
    messages_view: MessagesView | None = None  # X3/X5: message tracking, dead letters
    documents_view: CustomsDocumentsView | None = None  # I3-I12: every import document, tax bills, general query
    declarations: dict[str, Declarations] = field(default_factory=dict)  # I3-I11: by message type (CEB621 ...)
    payment179: Any = None  # I13: 海关179 data requests, payment raw data, uploads (engine/customs/payment179.py)
    payment179_view: Any = None
    drafts_view: DraftsView | None = None  # I3-I11: 暂存 drafts and declaration batches
    drafts: Drafts | None = None
    document_queries: DocumentQueries | None = None  # I4-I11: one document, tax preview, tax bills
    summaries: Any = None  # E3: the monthly summary applications (engine/customs/summaries.py)
    summaries_view: Any = None
    receipt_watch: Any = None  # X2/X5: receipt timeouts and their alerts (engine/exchange/receipt_watch.py)
    alerts_view: Any = None
    alert_mailer: Any = None  # X5: alert notifications by e-mail (engine/exchange/alert_mailer.py)
    node_link: Any = None  # X5: node configuration, the link's health and alerts (engine/exchange/node_link.py)

    def close(self) -> None:
        self.runner.stop()
        for part in (self.simulator, self.transport, self.node_link):
            if hasattr(part, "close"):
                part.close()
        if self.audit is not None:
            self.audit.close()
        self.readmodels.close()
        self.store.close()


def build(settings: Settings, with_simulator: bool = False, faults: str = "") -> Platform:
    """The platform; on PostgreSQL, processes starting together set the database up one after the other."""
    with setup_lock(settings):
        return _build(settings, with_simulator, faults)


@contextmanager
def setup_lock(settings: Settings) -> Iterator[None]:
    """Concurrent CREATE TABLE IF NOT EXISTS can still collide in PostgreSQL's catalogue: take turns."""
    if not settings.is_postgres:
        yield
        return
    import psycopg

    with psycopg.connect(settings.database_url.split("?", 1)[0], autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (SETUP_LOCK,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (SETUP_LOCK,))


def _build(settings: Settings, with_simulator: bool, faults: str) -> Platform:
    store = open_store(settings)
    box = FileBox(settings.boxes_dir)
    readmodels = Database(settings.readmodel_url())
    view = ImportOrdersView(readmodels, store)
    catalog = Catalog()
    reference = ReferenceData(store, ReferenceView(readmodels, store))
    reference.ensure_seeded()
    signers = Signers(store)
    node_link = NodeLinkService(store, settings, lambda kind: transport_of(kind, settings, box))  # X5
    transport = node_link.link_transport()  # the configured transports, followed at run time
    receipts = ApplyReceipts(store, transport)
    messages_view = MessagesView(readmodels, store)
    documents_view = CustomsDocumentsView(readmodels, store)
    drafts_view = DraftsView(readmodels, store)
    deliver = DeliverMessages(store, transport, settings.dxp_envelope, max_attempts=settings.delivery_max_attempts,
                              retry_base=settings.delivery_retry_base, link=node_link.current)
    steps = [
        ("prepare", PrepareMessages(store, signers, settings.orders_per_message).run_once),
        ("deliver", deliver.run_once),
        ("receipts", receipts.run_once),
        ("projection:import_orders", view.run_once),
        ("projection:customs_documents", documents_view.run_once),
        ("projection:customs_drafts", drafts_view.run_once),
        ("projection:reference", reference.view.run_once),
        ("projection:messages", messages_view.run_once),
        ("retry-deliveries", RetryDeliveries(deliver, messages_view.due).run_once),
    ]
    simulator = None
    if with_simulator:
        simulator = make_simulator(settings, faults, reference)
        steps.insert(2, ("customs-sim", simulator.run_once))
    log_view = SystemLogView(readmodels, store)
    steps.append(("projection:system_log", log_view.run_once))
    secret = secret_key(settings.secret_key, settings.data_dir)
    identity = Identity(store, readmodels, Sealer(secret))
    runner = Runner(steps, interval=settings.poll_interval)
    import_orders = ImportOrders(store, catalog, codes=reference)
    platform = Platform(settings, store, box, readmodels, view, import_orders,
                        Enterprises(store, settings), OrderQueries(store, view), runner, signers, receipts, simulator,
                        reference=reference, identity=identity, log_view=log_view, secret=secret)
    platform.audit = attach_audit(platform, settings.audit_checkpoint_events)
    platform.transport, platform.messages_view = transport, messages_view
    platform.documents_view = documents_view
    linked = LinkedDocuments(store, documents_view)
    platform.declarations = {"CEB311": import_orders} | {
        t.message: Declarations(store, catalog, t, codes=reference, linked=linked)
        for t in ALL_TYPES if t is not ORDER}
    steps.append(("drop-folders", DropFolders(store, platform.declarations, signers, DropBox(
        settings.drop_dir or settings.data_dir / "drop", settings.drop_settle)).run_once))  # X1
    platform.drafts_view = drafts_view
    platform.drafts = Drafts(store, platform.declarations, drafts_view, documents_view)
    platform.document_queries = DocumentQueries(store, documents_view, reference)
    platform.payment179 = attach_payment179(platform)
    platform.payment179_view = platform.payment179.view
    platform.summaries = attach_summaries(platform)
    platform.summaries_view = platform.summaries.view
    platform.receipt_watch = attach_receipt_watch(platform)
    platform.alerts_view = platform.receipt_watch.view
    platform.alert_mailer = alert_mailer.attach(platform)  # X5: the alerts' e-mails
    platform.node_link = attach_node_link(platform, node_link)
    return platform


def transport_of(kind: str, settings: Settings, box: FileBox) -> Any:
    """A transport of that kind (filebox | amqp | http) on the settings' addresses; each call opens its own
    connection (the file boxes are `box` itself)."""
    if kind == "filebox":
        return box
    if kind == "amqp":
        from adapters.customs.amqp import AmqpTransport

        return AmqpTransport(settings.amqp_url, settings.amqp_out_queue, settings.amqp_receipt_queue)
    if kind == "http":
        from adapters.customs.http import HttpTransport

        return HttpTransport(settings.http_url, settings.http_token)
    raise ValueError(f"unknown transport {kind!r}: filebox, amqp or http")


def make_simulator(settings: Settings, faults: str, reference: ReferenceData | None = None) -> CustomsSimulator:
    """The customs node simulator on the platform's transport; it taxes with the HS rates of the reference data."""
    def rates(gcode: str) -> tax.Rates | None:
        entry = reference.index().entry("hs_codes", gcode) if reference is not None else None
        return tax.rates_from(entry.attrs if entry is not None else None)

    if settings.transport == "http":  # the gateway listens on the host and port of CBEC_HTTP_URL
        from adapters.customs_node.http import HttpCustomsSimulator

        return HttpCustomsSimulator(settings.boxes_dir, settings.http_url, settings.http_token, Faults.parse(faults),
                                    settings.sim_accept_delay, rates=rates)
    if settings.transport != "amqp":
        return CustomsSimulator(settings.boxes_dir, Faults.parse(faults), settings.sim_accept_delay, rates=rates)
    from adapters.customs_node.amqp import AmqpCustomsSimulator

    return AmqpCustomsSimulator(settings.boxes_dir, settings.amqp_url, settings.amqp_out_queue,
                                settings.amqp_receipt_queue, Faults.parse(faults), settings.sim_accept_delay,
                                rates=rates)


def data_path(settings: Settings, *parts: str) -> Path:
    path = settings.data_dir.joinpath(*parts)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
