"""B3: every read model is rebuilt from the event history beside the live tables, then switched; the rebuilt
tables equal the live ones, and the consoles keep answering during the rebuild."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient

from engine import cli
from engine.customs import examples
from engine.hosts.rebuild import rebuild_beside
from tests.conftest import login
from ui.app import create_app


def history(platform) -> None:
    orders = [examples.import_order(f"RB{i:04d}") for i in range(30)] + [examples.import_order("RB-BAD-1")]
    platform.customs.import_orders.declare_many(orders, "ecom")
    platform.runner.run_until_idle()
    platform.audit.runner.run_until_idle()  # the B followers


def snapshot(platform) -> dict[str, list[tuple]]:
    db, tables = platform.readmodels, {}
    for view in platform.views().values():
        for table in view.tables:
            rows = db.query(f"SELECT * FROM {table}")
            tables[table] = sorted(tuple(str(v) for v in row.values()) for row in rows)
    tables["positions"] = sorted((r["name"], r["last_id"]) for r in db.query("SELECT * FROM projection_positions"))
    return tables


def test_every_rebuilt_read_model_equals_the_live_one(make_platform, database_url):
    platform = make_platform(database_url, faults="reject-order=BAD", demo_users=True)
    history(platform)
    live = snapshot(platform)
    assert len(live["event_index"]) == platform.store.recorder.max_notification_id()
    assert {r[3] for r in live["declarations_daily"]} == {"120", "100"}  # status column
    progress: list[tuple[int, int]] = []
    for view in platform.views().values():
        rebuild_beside(view, progress=lambda done, total: progress.append((done, total)))
    assert snapshot(platform) == live
    assert progress[-1][0] == progress[-1][1] > 0


def test_the_live_projector_goes_on_from_where_the_rebuild_stopped(make_platform, database_url):
    platform = make_platform(database_url)
    history(platform)
    view = platform.views()["declarations_daily"]
    rebuild_beside(view)
    platform.customs.import_orders.declare_many([examples.import_order("RB-AFTER")], "ecom")
    platform.runner.run_until_idle()
    platform.audit.runner.run_until_idle()  # the B followers
    counts = platform.readmodels.query("SELECT status, SUM(n) AS n FROM declarations_daily GROUP BY status")
    assert {r["status"]: int(r["n"]) for r in counts} == {"120": 32}


def test_the_consoles_keep_answering_during_a_rebuild(make_platform, database_url):
    platform = make_platform(database_url, demo_users=True)
    history(platform)
    client = TestClient(create_app(platform), base_url="https://testserver")
    login(client, "auditor")
    views = list(platform.views().values())
    done = threading.Event()

    def rebuild() -> None:
        try:
            for _ in range(3):
                for view in views:
                    rebuild_beside(view)
        finally:
            done.set()

    worker = threading.Thread(target=rebuild)
    worker.start()
    answers = []
    while not done.is_set():
        answers.append(client.get("/declarant/orders?q=RB0001").status_code)
        answers.append(client.get("/audit/events?doc_type=ImportOrder").status_code)
    worker.join()
    assert answers and set(answers) == {200}
    assert "RB0001" in client.get("/declarant/orders?q=RB0001").text


def test_cbec_projections_rebuild_prints_progress(make_platform, tmp_path, capsys, monkeypatch):
    platform = make_platform()
    history(platform)
    platform.close()
    monkeypatch.delenv("CBEC_DATABASE_URL", raising=False)
    assert cli.main(["projections", "rebuild", "receipts", "--data", str(tmp_path / "data")]) == 0
    out, err = capsys.readouterr()
    assert "receipts: 100%" in err and "receipts: " in out and "events replayed" in out


def test_read_models_rebuild_from_kafka_beside_the_live_ones(make_platform, kafka):
    from adapters.kafka.client import Publisher, ensure_topics
    from engine.hosts.relay import Relay
    from engine.hosts.replay import rebuild_from_kafka

    platform = make_platform()
    history(platform)
    publisher = Publisher(kafka)
    try:
        relay = Relay(platform.store, publisher, lambda names: ensure_topics(kafka, names, 2))
        while relay.run_once():
            pass
    finally:
        publisher.close()
    live = snapshot(platform)
    for name in ("import_orders", "receipts", "declarations_daily"):
        view = platform.views()[name]
        assert rebuild_beside(view, lambda shadow: rebuild_from_kafka(kafka, shadow)) > 0
    rebuilt = snapshot(platform)
    assert {k: v for k, v in rebuilt.items() if k != "positions"} == {k: v for k, v in live.items() if k != "positions"}
