"""#18: message tracking (/admin/messages) and the system log (/admin/log) take the lists' shared parameters: page
size and jump to page, sortable columns (an unknown one refused 422 naming sort), several statuses (kinds) at once;
the log lists only the reader's organisation unless its role sees every one, and declarants open neither."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from engine.customs import examples
from tests.conftest import login
from ui.app import create_app

DELIVERED, PREPARED = 22, 3


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    """25 messages of one order each: 22 delivered and answered, 3 prepared and not yet delivered; 22 command and 3
    error entries of the e-commerce organisation in the log, 2 of the logistics one."""
    from engine import bootstrap
    from engine.demo import ensure_demo
    from engine.settings import Settings

    platform = bootstrap.build(Settings.from_env(tmp_path_factory.mktemp("lists") / "data", env={
        "CBEC_SIM_ACCEPT_DELAY": "0", "CBEC_ORDERS_PER_MESSAGE": "1"}), with_simulator=True)
    platform.identity.enterprises.ensure_demo()
    ensure_demo(platform.identity, platform.identity.enterprises)
    declare = platform.customs.import_orders.declare_many
    assert all(o.stored for o in declare([examples.import_order(f"TL{i:03d}") for i in range(DELIVERED)], "ecom"))
    platform.runner.run_until_idle()
    assert all(o.stored for o in declare([examples.import_order(f"TP{i:03d}") for i in range(PREPARED)], "ecom"))
    steps = dict(platform.runner.steps)
    while steps["prepare"]():  # signed and recorded, not delivered
        pass
    platform.exchange.messages_view.run_once()
    for i in range(22):
        platform.identity.log("command", f"tester-{i:02d}", "ECOM-DEMO", "10.0.0.1", "list test", f"T{i}", "ok")
    for i in range(3):
        platform.identity.log("error", f"tester-e{i}", "ECOM-DEMO", "10.0.0.1", "list test", f"E{i}", "error")
    for i in range(2):
        platform.identity.log("command", f"tester-logi{i}", "LOGI-DEMO", "10.0.0.2", "list test", f"L{i}", "ok")
    yield platform
    platform.close()


def client_for(platform, username: str, next_url: str = "/admin/messages") -> TestClient:
    client = TestClient(create_app(platform), base_url="https://testserver")
    login(client, username, next_url=next_url)
    return client


@pytest.fixture(scope="module")
def admin(platform):
    return client_for(platform, "admin")


def guids(page) -> list[str]:
    assert page.status_code == 200, page.text[:500]
    return re.findall(r'<tr data-guid="([^"]+)"', page.text)


def actors(page) -> list[str]:
    assert page.status_code == 200, page.text[:500]
    return re.findall(r'<tr data-kind="[^"]*" data-actor="([^"]+)"', page.text)


def test_messages_page_size_and_jump_to_page(admin):
    assert len(guids(admin.get("/admin/messages?per_page=50"))) == DELIVERED + PREPARED
    first, second = guids(admin.get("/admin/messages")), guids(admin.get("/admin/messages?page=2"))
    assert len(first) == 20 and len(second) == 5 and not set(first) & set(second)
    assert 'id="page-of">2 / 2<' in admin.get("/admin/messages?page=2").text


def test_messages_sort_by_a_column_both_ways(admin):
    ascending = guids(admin.get("/admin/messages?sort=guid&dir=asc&per_page=50"))
    descending = guids(admin.get("/admin/messages?sort=guid&dir=desc&per_page=50"))
    assert len(ascending) == 25 and ascending == sorted(ascending) and descending == ascending[::-1]
    assert 'aria-sort="ascending" data-sort="guid"' in admin.get("/admin/messages?sort=guid&dir=asc").text


def test_messages_in_several_statuses_at_once(admin):
    prepared = guids(admin.get("/admin/messages?status=prepared&per_page=50"))
    delivered = guids(admin.get("/admin/messages?status=delivered&per_page=50"))
    both = guids(admin.get("/admin/messages?status=prepared&status=delivered&per_page=50"))
    assert (len(prepared), len(delivered)) == (PREPARED, DELIVERED) and sorted(both) == sorted(prepared + delivered)


@pytest.mark.parametrize(("query", "field"), [("sort=document_numbers", "sort"), ("per_page=30", "per_page"),
                                              ("status=lost", "status"), ("page=0", "page")])
def test_a_bad_message_list_parameter_is_refused_naming_it(admin, query, field):
    page = admin.get(f"/admin/messages?{query}")
    assert page.status_code == 422 and f'data-field="{field}"' in page.text


def test_the_log_pages_sorts_and_takes_several_kinds(admin):
    both = actors(admin.get("/admin/log?kind=command&kind=error&q=list+test&per_page=50"))
    assert len(both) == 27 and len(actors(admin.get("/admin/log?kind=error&q=list+test"))) == 3
    first, second = (actors(admin.get(f"/admin/log?kind=command&kind=error&q=list+test&page={n}")) for n in (1, 2))
    assert len(first) == 20 and len(second) == 7 and not set(first) & set(second)
    ascending = actors(admin.get("/admin/log?q=list+test&sort=actor&dir=asc&per_page=50"))
    assert ascending == sorted(ascending) and len(ascending) == 27
    assert actors(admin.get("/admin/log?q=list+test&sort=actor&dir=desc&per_page=50")) == ascending[::-1]


@pytest.mark.parametrize(("query", "field"), [("sort=details", "sort"), ("kind=gossip", "kind"),
                                              ("per_page=7", "per_page")])
def test_a_bad_log_parameter_is_refused_naming_it(admin, query, field):
    page = admin.get(f"/admin/log?{query}")
    assert page.status_code == 422 and f'data-field="{field}"' in page.text


def test_an_enterprise_administrator_reads_only_its_organisations_log(platform):
    ecomadmin = client_for(platform, "ecomadmin", "/admin/log")
    shown = actors(ecomadmin.get("/admin/log?q=list+test&per_page=50&sort=actor"))
    assert len(shown) == 25 and not [a for a in shown if "logi" in a]
    assert actors(ecomadmin.get("/admin/log?q=tester-logi")) == []


def test_a_declarant_opens_neither_list(platform):
    ecom = client_for(platform, "ecom", "/declarant/orders")
    assert ecom.get("/admin/messages").status_code == 403 and ecom.get("/admin/log").status_code == 403


def test_the_log_of_an_organisation_named_empty_is_only_its_own(tmp_path):
    """The organisation filter holds for every value: a principal of organisation "" sees the lines of "" only, never
    every organisation's (an empty value used to drop the condition)."""
    from engine import bootstrap
    from engine.settings import Settings

    platform = bootstrap.build(Settings.from_env(tmp_path / "data", env={}))
    try:
        platform.identity.log("admin", "alice", "ORG-A", "1.2.3.4", "edit", "thing-a", "ok")
        platform.identity.log("admin", "nobody", "", "1.2.3.5", "edit", "thing-none", "ok")
        platform.identity.log_view.run_once()
        rows, total = platform.identity.log_view.search(organisation="")
        assert total == 1 and rows[0]["target"] == "thing-none"
        _, everything = platform.identity.log_view.search(q="thing-")
        assert everything == 2
    finally:
        platform.close()
