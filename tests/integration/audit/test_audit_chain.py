"""B2: every stored event is chained by a hash and checkpoints are signed by the platform key; a row altered,
deleted or slipped in behind the platform's back is named by its position, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3

from engine import cli
from engine.customs import examples


def declare_and_process(platform, count: int = 12) -> None:
    platform.customs.import_orders.declare_many([examples.import_order(f"CHAIN{i:04d}") for i in range(count)], "ecom")
    platform.runner.run_until_idle()
    platform.audit.runner.run_until_idle()  # the B followers


def behind_the_back(platform, statement: str, params: tuple = ()) -> None:
    """Raw SQL on the event store's table, as someone with database access but not the platform would run it."""
    recorder = platform.store.recorder
    if platform.settings.is_postgres:
        import psycopg

        table = f'"{recorder.datastore.schema}"."{recorder.events_table_name}"'
        with psycopg.connect(platform.settings.database_url.split("?")[0], autocommit=True) as conn:
            conn.execute(statement.format(table=table, id="notification_id"), params)
    else:
        with sqlite3.connect(platform.settings.database_url.removeprefix("sqlite:///")) as conn:
            conn.execute(statement.format(table=recorder.events_table_name, id="rowid"), params)


def middle_event(platform) -> int:
    return platform.audit.chain.head()["last_id"] // 2


def test_an_untouched_history_verifies_with_its_signed_checkpoint(make_platform, database_url):
    platform = make_platform(database_url, CBEC_AUDIT_CHECKPOINT_EVENTS="20")
    declare_and_process(platform)
    result = platform.audit.chain.verify()
    assert result.ok and result.problems == []
    assert result.events == platform.store.recorder.max_notification_id()
    assert result.checkpoints >= 2 and result.last_checkpoint is not None
    assert platform.audit.chain.checkpoint_signed(platform.audit.chain.last_checkpoint())
    assert platform.audit.chain.last_verification()["ok"] == 1


def test_a_stored_event_changed_behind_the_platforms_back_is_named(make_platform, database_url):
    platform = make_platform(database_url)
    declare_and_process(platform)
    target = middle_event(platform)
    behind_the_back(platform, "UPDATE {table} SET state = %s WHERE {id} = %s" if platform.settings.is_postgres
                    else "UPDATE {table} SET state = ? WHERE {id} = ?", (b'{"forged": true}', target))
    result = platform.audit.chain.verify()
    assert not result.ok
    assert (result.first_problem.notification_id, result.first_problem.kind) == (target, "changed")
    assert len(result.problems) == 1  # the events after it still match their own links


def test_a_deleted_event_is_named(make_platform, database_url):
    platform = make_platform(database_url)
    declare_and_process(platform)
    target = middle_event(platform)
    placeholder = "%s" if platform.settings.is_postgres else "?"
    behind_the_back(platform, f"DELETE FROM {{table}} WHERE {{id}} = {placeholder}", (target,))
    result = platform.audit.chain.verify()
    assert [(p.notification_id, p.kind) for p in result.problems] == [(target, "deleted")]


def test_an_event_slipped_in_outside_the_chain_is_named(make_platform):
    platform = make_platform()
    declare_and_process(platform)
    target = middle_event(platform)
    path = platform.settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:  # a gap in the history when it was chained ...
        row = conn.execute("SELECT rowid, * FROM stored_events WHERE rowid = ?", (target,)).fetchone()
        conn.execute("DELETE FROM stored_events WHERE rowid = ?", (target,))
        conn.execute("DELETE FROM audit_chain")
        conn.execute("UPDATE audit_head SET last_id = 0, hash = ?, events = 0", ("0" * 64,))
        conn.execute("DELETE FROM audit_checkpoints")
    platform.audit.chain.catch_up()
    with sqlite3.connect(path) as conn:  # ... filled afterwards by someone with database access
        conn.execute("INSERT INTO stored_events (rowid, originator_id, originator_version, topic, state) "
                     "VALUES (?, ?, ?, ?, ?)", row)
    assert [(p.notification_id, p.kind) for p in platform.audit.chain.verify().problems] == [(target, "inserted")]


def test_rewriting_events_and_chain_together_is_caught_by_the_signed_checkpoint(make_platform):
    from engine.audit.chain import link

    platform = make_platform(CBEC_AUDIT_CHECKPOINT_EVENTS="1000000")
    declare_and_process(platform)
    checkpoint = platform.audit.chain.checkpoint()
    target = middle_event(platform)
    behind_the_back(platform, "UPDATE {table} SET state = ? WHERE {id} = ?", (b'{"forged": true}', target))
    with sqlite3.connect(platform.settings.database_url.removeprefix("sqlite:///")) as conn:  # re-link the rest
        previous = conn.execute("SELECT hash FROM audit_chain WHERE notification_id = ?", (target - 1,)).fetchone()[0]
        for n in platform.store.recorder.select_notifications(target, 100_000):
            previous = link(previous, n.id, n.originator_id, n.originator_version, n.topic, n.state)
            conn.execute("UPDATE audit_chain SET hash = ? WHERE notification_id = ?", (previous, n.id))
    problems = platform.audit.chain.verify().problems
    assert [(p.notification_id, p.kind) for p in problems] == [(checkpoint["notification_id"], "checkpoint")]


def test_a_forged_checkpoint_fails_its_signature(make_platform):
    platform = make_platform()
    declare_and_process(platform)
    checkpoint = platform.audit.chain.checkpoint()
    platform.audit.chain.db.execute("UPDATE audit_checkpoints SET events = events + 1")
    problems = platform.audit.chain.verify().problems
    assert [(p.notification_id, p.kind) for p in problems] == [(checkpoint["notification_id"], "signature")]


def test_encrypted_events_are_chained_as_stored(make_platform):
    from eventsourcing.cryptography import AESCipher

    platform = make_platform(CBEC_CIPHER_KEY=AESCipher.create_key(32))
    declare_and_process(platform, 3)
    assert b"CHAIN0000" not in platform.store.recorder.select_notifications(1, 1000)[-1].state
    target = middle_event(platform)
    behind_the_back(platform, "UPDATE {table} SET state = ? WHERE {id} = ?", (b"\x00" * 40, target))
    assert [(p.notification_id, p.kind) for p in platform.audit.chain.verify().problems] == [(target, "changed")]


def test_cbec_audit_verify_prints_progress_and_names_the_first_bad_event(make_platform, tmp_path, monkeypatch,
                                                                         capsys):
    platform = make_platform()
    declare_and_process(platform)
    target = middle_event(platform)
    behind_the_back(platform, "UPDATE {table} SET state = ? WHERE {id} = ?", (b"{}", target))
    platform.close()
    monkeypatch.delenv("CBEC_DATABASE_URL", raising=False)
    assert cli.main(["audit", "verify", "--data", str(tmp_path / "data")]) == 1
    out, err = capsys.readouterr()
    assert "audit verify: 100%" in err
    assert f"FAILED: first event that does not match: event {target}: changed" in out
