"""#17 item 5: every use of a signing key is recorded in batches, survives a store outage as a counted gap, keeps no
content, and its read model rebuilds to the same rows (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import time
from datetime import datetime

from eventsourcing.utils import get_topic

from domain.signing.model import KeyUseBatch
from engine.hosts.rebuild import rebuild_beside
from engine.signing.audit import BatchingKeyUseLog, KeyUse, key_use_log
from projections.signing.key_uses import Filters

MARKER = "保密内容-MARKER-7f3a9c"


def use(n: int = 0, outcome: str = "ok", status: int = 200, digest: str = "", enterprise: str = "3301960001",
        caller: str = "erp-app", organisation: str = "ECOM-DEMO") -> KeyUse:
    return KeyUse(caller=caller, organisation=organisation, address="10.0.0.7", operation="raw.sign",
                  enterprise=enterprise, key_id=f"{enterprise}-rsa-1", items=1, outcome=outcome, status=status,
                  digest=digest or hashlib.sha256(f"order {n}".encode()).hexdigest())


def batch_events(platform) -> list:
    found = platform.store.recorder.select_notifications(1, 1_000_000, topics=[get_topic(KeyUseBatch.Recorded)])
    return [platform.store.mapper.to_domain_event(n) for n in found]


def catch_up(platform) -> None:
    while platform.signing_audit.view.run_once():
        pass


def rows(platform, where: str = "1 = 1", params: tuple = ()) -> list[dict]:
    return platform.readmodels.query(f"SELECT * FROM signing_key_uses WHERE {where} ORDER BY at, batch_id, seq",
                                     params)


def test_a_burst_of_uses_is_written_as_a_handful_of_batches_and_every_use_reaches_the_read_model(
        make_platform, database_url):
    platform = make_platform(database_url)
    log = key_use_log(platform)
    started = time.perf_counter()
    for n in range(2000):
        log.record(use(n))
    recording = time.perf_counter() - started
    deadline = time.time() + 10
    while log.pending() and time.time() < deadline:
        time.sleep(0.05)
    log.close()
    events = batch_events(platform)
    assert 4 <= len(events) <= 8  # 500 uses at most per batch, not 2,000 events
    assert sum(len(e.uses) for e in events) == 2000
    assert recording < 2.0  # recording never waits on the store (about 10 µs a use)
    catch_up(platform)
    stored = rows(platform)
    assert len(stored) == 2000
    assert {r["digest"] for r in stored} == {hashlib.sha256(f"order {n}".encode()).hexdigest() for n in range(2000)}
    first = stored[0]
    assert (first["caller"], first["organisation"], first["operation"], first["enterprise"], first["outcome"],
            first["status"], first["dropped"]) == ("erp-app", "ECOM-DEMO", "raw.sign", "3301960001", "ok", 200, 0)
    assert first["at"].endswith("+08:00")


def test_a_refused_call_is_recorded_with_its_code(make_platform):
    platform = make_platform()
    log = BatchingKeyUseLog(platform.store)
    log.record(use(1, outcome="unknown-key", status=404, enterprise="3309999999"))
    log.record(use(2))
    assert log.flush() == 2
    catch_up(platform)
    refused = rows(platform, "outcome <> ?", ("ok",))
    assert [(r["outcome"], r["status"], r["enterprise"]) for r in refused] == [("unknown-key", 404, "3309999999")]


class FailingStore:
    """The platform's event store, made unwritable until `fail` is cleared (a database outage)."""

    def __init__(self, store):
        self.store, self.fail = store, True

    def save(self, *events):
        if self.fail:
            raise ConnectionError("event store unavailable")
        return self.store.save(*events)


def test_a_store_outage_keeps_at_most_the_buffer_and_the_next_batch_says_how_many_uses_were_lost(make_platform):
    platform = make_platform()
    store = FailingStore(platform.store)
    log = BatchingKeyUseLog(store, capacity=100, batch_size=40)
    for n in range(150):
        log.record(use(n))
    assert log.flush() == 0  # the store refuses: nothing written, nothing lost beyond the buffer
    assert log.pending() == 100
    for n in range(150, 160):
        log.record(use(n))  # still full: counted, not kept
    store.fail = False
    assert log.flush() == 100
    events = batch_events(platform)
    assert [len(e.uses) for e in events] == [40, 40, 20]
    assert [e.dropped for e in events] == [60, 0, 0]
    catch_up(platform)
    assert len(rows(platform)) == 100
    assert platform.signing_audit.view.lost(Filters()) == 60
    assert {r["dropped"] for r in rows(platform) if r["batch_id"] == str(events[0].originator_id)} == {60}


def test_nothing_of_the_signed_content_is_stored_only_its_sha256(make_platform):
    platform = make_platform()
    content = f"<CEB311Message>{MARKER}</CEB311Message>".encode()
    digest = hashlib.sha256(content).hexdigest()
    log = BatchingKeyUseLog(platform.store)
    log.record(use(digest=digest))
    log.record(use(digest=content.decode()))  # a caller passing the content by mistake: it is hashed, not kept
    log.flush()
    catch_up(platform)
    stored = b"".join(n.state for n in platform.store.recorder.select_notifications(1, 1_000_000))
    assert b"MARKER-7f3a9c" not in stored  # the marker's ASCII part: found however the JSON escapes the rest
    assert digest.encode() in stored
    table = rows(platform)
    assert MARKER not in repr(table)
    assert digest in [r["digest"] for r in table]


def test_a_rebuilt_read_model_has_the_same_rows(make_platform, database_url):
    platform = make_platform(database_url)
    log = BatchingKeyUseLog(platform.store, batch_size=30)
    for n in range(100):
        log.record(use(n, outcome="ok" if n % 7 else "certificate-expired", status=200 if n % 7 else 409))
    log.flush()
    catch_up(platform)
    live = rows(platform)
    assert len(live) == 100
    rebuild_beside(platform.signing_audit.view)
    assert rows(platform) == live
    assert "signing_key_uses" in platform.views()


def test_a_use_keeps_the_time_it_was_answered(make_platform):
    platform = make_platform()
    log = BatchingKeyUseLog(platform.store)
    answered = datetime.fromisoformat("2026-03-01T01:30:00+00:00")
    log.record(KeyUse("c", "O", "a", "cms.verify", "", "", "", 1, "ok", 200, at=answered))
    log.flush()
    catch_up(platform)
    assert rows(platform)[0]["at"] == "2026-03-01T09:30:00.000000+08:00"
