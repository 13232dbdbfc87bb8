"""Composition root: reads settings, opens the store, wires adapters, processors and projections.
Nothing connects at import time; everything is built here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from adapters.customs.filebox import FileBox
from adapters.customs.simulator import CustomsSimulator, Faults
from engine.catalog import Catalog
from engine.enterprises import Enterprises
from engine.identity import Identity
from engine.imports import ImportOrders
from engine.processors import ApplyReceipts, DeliverMessages, PrepareMessages
from engine.queries import OrderQueries
from engine.reference import ReferenceData
from engine.runner import Runner
from engine.secrets_box import Sealer, secret_key
from engine.settings import Settings
from engine.signers import Signers
from engine.store import EventStore, open_store
from projections.db import Database
from projections.import_orders import ImportOrdersView
from projections.reference import ReferenceView
from projections.system_log import SystemLogView


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

    def close(self) -> None:
        self.runner.stop()
        self.readmodels.close()
        self.store.close()


def build(settings: Settings, with_simulator: bool = False, faults: str = "") -> Platform:
    store = open_store(settings)
    box = FileBox(settings.boxes_dir)
    readmodels = Database(settings.readmodel_url())
    view = ImportOrdersView(readmodels, store)
    catalog = Catalog()
    reference = ReferenceData(store, ReferenceView(readmodels, store))
    reference.ensure_seeded()
    signers = Signers(store)
    receipts = ApplyReceipts(store, box)
    steps = [
        ("prepare", PrepareMessages(store, signers, settings.orders_per_message).run_once),
        ("deliver", DeliverMessages(store, box, settings.dxp_envelope).run_once),
        ("receipts", receipts.run_once),
        ("projection:import_orders", view.run_once),
        ("projection:reference", reference.view.run_once),
    ]
    simulator = None
    if with_simulator:
        simulator = CustomsSimulator(settings.boxes_dir, Faults.parse(faults), settings.sim_accept_delay)
        steps.insert(2, ("customs-sim", simulator.run_once))
    log_view = SystemLogView(readmodels, store)
    steps.append(("projection:system_log", log_view.run_once))
    secret = secret_key(settings.secret_key, settings.data_dir)
    identity = Identity(store, readmodels, Sealer(secret))
    runner = Runner(steps, interval=settings.poll_interval)
    return Platform(settings, store, box, readmodels, view, ImportOrders(store, catalog, codes=reference),
                    Enterprises(store, settings), OrderQueries(store, view), runner, signers, receipts, simulator,
                    reference=reference, identity=identity, log_view=log_view, secret=secret)


def data_path(settings: Settings, *parts: str) -> Path:
    path = settings.data_dir.joinpath(*parts)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
