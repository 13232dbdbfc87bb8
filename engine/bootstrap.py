"""Composition root: reads settings, opens the store, wires adapters, processors and projections.
Nothing connects at import time; everything is built here."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from adapters.customs.dropbox import DropBox
from adapters.customs.filebox import FileBox
from adapters.customs.transport import Transport
from adapters.customs_node.simulator import CustomsSimulator, Faults
from domain.customs.documents import ALL_TYPES, ORDER
from domain.shared import tax
from engine.audit.service import Audit
from engine.audit.service import build as audit_service
from engine.customs.catalog import Catalog
from engine.customs.drafts import Drafts
from engine.customs.drop_folders import DropFolders
from engine.customs.linked import LinkedDocuments
from engine.customs.payment179 import PaymentData, UploadPaymentData
from engine.customs.payment179 import build as payment179_service
from engine.customs.prechecks import ThreeDocuments
from engine.customs.queries import DocumentQueries, OrderQueries
from engine.customs.service import Declarations, ImportOrders
from engine.customs.summaries import Summaries
from engine.exchange.alert_mailer import AlertMailer
from engine.exchange.node_link import NodeLinkService
from engine.exchange.processors import ApplyReceipts, DeliverMessages, PrepareMessages, RetryDeliveries
from engine.exchange.receipt_watch import ReceiptWatch
from engine.hosts.embedded import Runner
from engine.identity.enterprises import Enterprises
from engine.identity.service import Identity
from engine.reference.service import ReferenceData
from engine.secrets_box import Sealer, secret_key
from engine.settings import Settings
from engine.signing.audit_queries import KeyUseQueries
from engine.signing.expiry import KeyExpiryWatch
from engine.signing.signers import Signers
from engine.store import EventStore, open_store
from projections.base import Projector
from projections.customs.documents import CustomsDocumentsView
from projections.customs.drafts import DraftsView
from projections.customs.import_orders import ImportOrdersView
from projections.customs.payment179 import PaymentDataView
from projections.customs.summaries import ExportSummariesView
from projections.db import Database
from projections.exchange.alert_mails import AlertMailsView
from projections.exchange.alerts import AlertsView
from projections.exchange.link_alerts import LinkAlertsView
from projections.exchange.messages import MessagesView
from projections.identity.system_log import SystemLogView
from projections.reference.code_lists import ReferenceView
from projections.signing.key_uses import KeyUsesView

SETUP_LOCK = 7_262_001  # any number, the same in every cbec process


class Host(Enum):
    """Where a processor step runs. The embedded runner runs every step; in distributed mode (engine/hosts/worker.py)
    EVERY_WORKER steps are Kafka agents each worker runs on its partitions, LEADER steps run on the leader worker
    alone, and EMBEDDED steps run only where the embedded runner runs (cbec serve)."""

    EMBEDDED = "embedded"
    EVERY_WORKER = "every worker"
    LEADER = "leader"


# The one table of processor steps, in the order the embedded runner takes them.
STEPS: dict[str, Host] = {
    "prepare": Host.EVERY_WORKER,  # X3: declared documents -> signed messages
    "deliver": Host.EVERY_WORKER,  # X3: messages -> the customs node transport
    "customs-sim": Host.EMBEDDED,  # X6: the built-in customs node simulator
    "receipts": Host.EVERY_WORKER,  # X4: receipts -> their documents (the leader pumps them onto Kafka)
    "projection:import_orders": Host.LEADER,
    "projection:customs_documents": Host.LEADER,
    "projection:customs_drafts": Host.LEADER,
    "projection:reference": Host.EMBEDDED,
    "projection:messages": Host.LEADER,
    "retry-deliveries": Host.LEADER,  # X3: refused deliveries and operators' resends
    "projection:system_log": Host.EMBEDDED,
    "drop-folders": Host.LEADER,  # X1
    "upload-179": Host.LEADER,  # I13
    "projection:payment179": Host.LEADER,
    "projection:export_summaries": Host.LEADER,  # E3
    "projection:alerts": Host.LEADER,  # X2/X5
    "receipt-watch": Host.LEADER,
    "projection:alert_mails": Host.LEADER,
    "alert-mails": Host.LEADER,
    "projection:link_alerts": Host.LEADER,  # X5
    "link-heartbeat": Host.LEADER,
    "key-expiry": Host.LEADER,  # #17: certificates ending soon -> alerts mailed to the contacts
    "key-renewals": Host.LEADER,  # #18 A5: a renewed certificate's key becomes the signing key at its switch time
    "projection:signing_key_uses": Host.LEADER,  # #17 item 5: 签名审计, the batches the signer workers write
}


@dataclass
class Customs:
    """申报 (I3-I13, E1-E11): the declaration services of every import and export document and their read models."""

    import_orders: ImportOrders
    declarations: dict[str, Declarations]  # by message type (CEB311, CEB621 ...); CEB311 is import_orders
    queries: OrderQueries
    document_queries: DocumentQueries
    drafts: Drafts
    summaries: Summaries
    payment179: PaymentData
    orders_view: ImportOrdersView
    documents_view: CustomsDocumentsView
    drafts_view: DraftsView

    @property
    def summaries_view(self) -> ExportSummariesView:
        return self.summaries.view

    @property
    def payment179_view(self) -> PaymentDataView:
        return self.payment179.view


@dataclass
class Exchange:
    """报文交换 (X1-X6): receipts applied, the node link, receipt timeouts and their alerts, and their read models."""

    receipts: ApplyReceipts
    node_link: NodeLinkService
    receipt_watch: ReceiptWatch
    alert_mailer: AlertMailer
    messages_view: MessagesView

    @property
    def alerts_view(self) -> AlertsView:
        return self.receipt_watch.view


@dataclass
class Platform:
    """What the composition root builds: the shared infrastructure and one object of services per context."""

    settings: Settings
    store: EventStore
    readmodels: Database
    runner: Runner
    box: FileBox  # the file boxes (also the quarantine of unreadable receipts, whatever the transport)
    transport: Transport  # X3: the configured link (adapters/customs/transport.py)
    secret: str
    customs: Customs
    exchange: Exchange
    reference: ReferenceData  # 海关参数 (I1, I2)
    identity: Identity  # 权限管理 (A1-A6): organisations, users, clients, logins, enterprises, system log
    audit: Audit  # 审计与数据统计 (B1-B4)
    signing: Signers  # the enterprises' signing keys (S1)
    signing_audit: KeyUseQueries  # 签名审计 (#17 item 5): every use of a signing key, for auditors
    simulator: CustomsSimulator | None = None  # X6, with `cbec serve` and in tests

    def views(self) -> dict[str, Projector]:
        """Every read model by name (what `cbec projections rebuild NAME` knows)."""
        found: list[Any] = [*vars(self.customs).values(), self.customs.summaries_view, self.customs.payment179_view,
                            self.exchange.messages_view, self.exchange.alerts_view, self.exchange.alert_mailer.view,
                            self.exchange.node_link.alerts_view,
                            self.reference.view, self.identity.log_view, self.signing_audit.view]
        views = {view.name: view for view in found if isinstance(view, Projector)}
        return views | self.audit.views

    def close(self) -> None:
        self.runner.stop()
        for part in (self.simulator, self.transport, self.exchange.node_link):
            if part is not None and hasattr(part, "close"):
                part.close()
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
    catalog = Catalog()
    reference = ReferenceData(store, ReferenceView(readmodels, store))
    reference.ensure_seeded()
    enterprises = Enterprises(store, settings)  # #17: their keys in the sealed key store (engine/signing/platform_keys)
    enterprises.move_keys_into_store()
    signers = Signers(store, enterprises.keystore)
    secret = secret_key(settings.secret_key, settings.data_dir)
    identity = Identity(store, readmodels, Sealer(secret), enterprises=enterprises,
                        log_view=SystemLogView(readmodels, store))
    simulator = make_simulator(settings, faults, reference) if with_simulator else None

    # exchange (X1-X6)
    node_link = NodeLinkService(store, settings, lambda kind: transport_of(kind, settings, box))
    transport = node_link.link_transport()  # the configured transports, followed at run time
    messages_view = MessagesView(readmodels, store)
    heartbeat = node_link.follow(messages_view, LinkAlertsView(readmodels, store))
    receipt_watch = ReceiptWatch(store, AlertsView(readmodels, store), settings.receipt_timeouts,
                                 settings.receipt_timeout_policy, settings.receipt_resend_max, settings.alert_contacts)
    exchange = Exchange(
        receipts=ApplyReceipts(store, transport), node_link=node_link, receipt_watch=receipt_watch,
        alert_mailer=AlertMailer(store, AlertMailsView(readmodels, store), settings, receipt_watch.view),
        messages_view=messages_view)
    deliver = DeliverMessages(store, transport, settings.dxp_envelope, max_attempts=settings.delivery_max_attempts,
                              retry_base=settings.delivery_retry_base, link=node_link.current)

    # customs (I3-I13, E1-E11)
    orders_view = ImportOrdersView(readmodels, store)
    documents_view = CustomsDocumentsView(readmodels, store)
    drafts_view = DraftsView(readmodels, store)
    import_orders = ImportOrders(store, catalog, codes=reference)
    linked = LinkedDocuments(store, documents_view)
    declarations: dict[str, Declarations] = {"CEB311": import_orders}
    three_documents = ThreeDocuments(store, documents_view)  # #18: the inventories' pre-check
    declarations |= {t.message: Declarations(store, catalog, t, codes=reference, linked=linked,
                                             documents=three_documents,
                                             three_document_check=settings.three_document_check)
                     for t in ALL_TYPES if t is not ORDER}
    payment179 = payment179_service(store, readmodels, settings, identity.enterprises, simulated=with_simulator)
    customs = Customs(
        import_orders=import_orders, declarations=declarations, queries=OrderQueries(store, orders_view),
        document_queries=DocumentQueries(store, documents_view, reference),
        drafts=Drafts(store, declarations, drafts_view, documents_view),
        summaries=Summaries(store, ExportSummariesView(readmodels, store), declarations["CEB701"], documents_view),
        payment179=payment179, orders_view=orders_view, documents_view=documents_view, drafts_view=drafts_view)
    drop_folders = DropFolders(store, declarations, signers, DropBox(settings.drop_dir or settings.data_dir / "drop",
                                                                    settings.drop_settle))

    steps: dict[str, Callable[[], int]] = {
        "prepare": PrepareMessages(store, signers, settings.orders_per_message).run_once,
        "deliver": deliver.run_once,
        "receipts": exchange.receipts.run_once,
        "projection:import_orders": orders_view.run_once,
        "projection:customs_documents": documents_view.run_once,
        "projection:customs_drafts": drafts_view.run_once,
        "projection:reference": reference.view.run_once,
        "projection:messages": messages_view.run_once,
        "retry-deliveries": RetryDeliveries(deliver, messages_view.due).run_once,
        "projection:system_log": identity.log_view.run_once,
        "drop-folders": drop_folders.run_once,
        "upload-179": UploadPaymentData(payment179).run_once,
        "projection:payment179": payment179.view.run_once,
        "projection:export_summaries": customs.summaries.view.run_once,
        "projection:alerts": receipt_watch.view.run_once,
        "receipt-watch": receipt_watch.run_once,
        "projection:alert_mails": exchange.alert_mailer.view.run_once,
        "alert-mails": exchange.alert_mailer.run_once,
        "projection:link_alerts": heartbeat.view.run_once,
        "link-heartbeat": heartbeat.run_once,
        "key-expiry": KeyExpiryWatch(store, enterprises.keystore, settings.key_expiry_warn_days,
                                     settings.alert_contacts).run_once,
    }
    steps["key-renewals"] = identity.renewals.run_once
    signing_audit = KeyUseQueries(KeyUsesView(readmodels, store))
    steps["projection:signing_key_uses"] = signing_audit.view.run_once
    if simulator is not None:
        steps["customs-sim"] = simulator.run_once
    runner = Runner([(name, steps[name]) for name in STEPS if name in steps], interval=settings.poll_interval)
    return Platform(settings=settings, store=store, readmodels=readmodels, runner=runner, box=box,
                    transport=transport, secret=secret, customs=customs, exchange=exchange, reference=reference,
                    identity=identity, audit=audit_service(store, readmodels, settings), signing=signers,
                    signing_audit=signing_audit, simulator=simulator)


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
