"""Composition root: reads settings, opens the store, wires adapters, processors and projections.
Nothing connects at import time; everything is built here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from adapters.customs.filebox import FileBox
from adapters.customs.simulator import CustomsSimulator, Faults
from engine.catalog import Catalog
from engine.enterprises import Enterprises
from engine.imports import ImportOrders
from engine.processors import ApplyReceipts, DeliverMessages, PrepareMessages
from engine.queries import OrderQueries
from engine.runner import Runner
from engine.settings import Settings
from engine.signers import Signers
from engine.store import EventStore, open_store
from projections.db import Database
from projections.import_orders import ImportOrdersView


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
    signers = Signers(store)
    receipts = ApplyReceipts(store, box)
    steps = [
        ("prepare", PrepareMessages(store, signers, settings.orders_per_message).run_once),
        ("deliver", DeliverMessages(store, box, settings.dxp_envelope).run_once),
        ("receipts", receipts.run_once),
        ("projection:import_orders", view.run_once),
    ]
    simulator = None
    if with_simulator:
        simulator = CustomsSimulator(settings.boxes_dir, Faults.parse(faults), settings.sim_accept_delay)
        steps.insert(2, ("customs-sim", simulator.run_once))
    runner = Runner(steps, interval=settings.poll_interval)
    return Platform(settings, store, box, readmodels, view, ImportOrders(store, catalog), Enterprises(store, settings),
                    OrderQueries(store, view), runner, signers, receipts, simulator)


def data_path(settings: Settings, *parts: str) -> Path:
    path = settings.data_dir.joinpath(*parts)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
