"""#18: the consoles never offer what the user may not use, and a refusal is a page in the user's language.

For each built-in role (its demo user), the landing page, the nav and the main list pages are crawled: every link
shown answers 200 for that user. Read-only roles see no 新增 / 导入 / 暂存; a console route the role lacks renders a
403 page naming the missing permission in the user's language, while the JSON API keeps its JSON refusal."""

from __future__ import annotations

import re
from html import unescape

import pytest
from fastapi.testclient import TestClient

from tests.conftest import login
from ui.app import create_app

USERS = ["admin", "auditor", "bi", "ecom", "ecomadmin", "logistics", "payment", "site"]
HREF = re.compile(r'<a\b[^>]*\bhref="([^"]+)"')
SKIPPED = ("/static/", "/logout", "/login")


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    from engine import bootstrap
    from engine.demo import ensure_demo
    from engine.settings import Settings

    built = bootstrap.build(Settings.from_env(tmp_path_factory.mktemp("forbidden") / "data",
                                              env={"CBEC_SIM_ACCEPT_DELAY": "0"}), with_simulator=True)
    built.identity.enterprises.ensure_demo()
    ensure_demo(built.identity, built.identity.enterprises)
    yield built
    built.close()


@pytest.fixture(scope="module")
def app(platform):
    return create_app(platform)


def client_for(app, username: str) -> TestClient:
    client = TestClient(app, base_url="https://testserver")
    login(client, username, next_url="/account")
    return client


def links(page: str) -> list[str]:
    """The platform's own links of a page (no fragments, language switches, static files or the logout)."""
    found = [unescape(h).split("#")[0] for h in HREF.findall(page)]
    return sorted({h for h in found if h.startswith("/") and not h.startswith(SKIPPED)})


def nav_links(page: str) -> list[str]:
    return links(page.split("<nav>")[1].split("</nav>")[0])


@pytest.mark.parametrize("username", USERS)
def test_every_link_the_nav_and_the_landing_page_show_opens(app, username):
    client = client_for(app, username)
    landing = client.get("/")
    assert landing.status_code == 200
    shown = set(links(landing.text))
    for url in nav_links(landing.text):  # the main list pages of the role
        page = client.get(url)
        assert page.status_code == 200, (username, url)
        shown |= set(links(page.text))
    refused = {url: client.get(url).status_code for url in sorted(shown)}
    assert {url: code for url, code in refused.items() if code != 200} == {}, username


@pytest.mark.parametrize("username", ["auditor", "bi"])
def test_read_only_roles_see_no_new_import_or_draft_buttons(app, username):
    client = client_for(app, username)
    for url in ["/declarant/orders", "/declarant/inventories", "/declarant/waybills"]:
        page = client.get(url)
        if page.status_code != 200:
            continue
        for marker in ('id="new"', 'id="import"', 'id="declare-selected"', "新增", "/new\"", "/import\""):
            assert marker not in page.text, (username, url, marker)


def test_logistics_sees_no_inventory_link(app):
    client = client_for(app, "logistics")
    landing = client.get("/")
    everything = set(links(landing.text))
    for url in nav_links(landing.text):
        everything |= set(links(client.get(url).text))
    assert not [u for u in everything if u.startswith(("/declarant/inventories", "/declarant/tax-bills"))]


def test_a_refused_console_route_is_a_page_in_the_users_language(app):
    client = client_for(app, "logistics")
    page = client.get("/declarant/inventories", headers={"referer": "https://testserver/declarant/waybills"})
    assert page.status_code == 403 and page.headers["content-type"].startswith("text/html")
    assert 'id="forbidden" data-permission="I4:view"' in page.text and "查看清单" in page.text
    assert 'id="forbidden-back" href="/declarant/waybills"' in page.text
    assert '<nav>' in page.text  # a console page, with the user's nav
    english = client.get("/declarant/inventories?lang=en")
    assert english.status_code == 403 and "view inventories" in english.text and "Not allowed" in english.text


def test_the_api_keeps_its_json_refusal(app):
    client = client_for(app, "logistics")
    answer = client.get("/api/import/inventories")
    assert answer.status_code == 403 and answer.headers["content-type"].startswith("application/json")
    assert "I4:view" in answer.json()["detail"]
