"""#18 in a real browser on a real `cbec serve`: the administrator tracking messages sees when each was prepared in
Shanghai time, labelled +08:00, not the read model's UTC stamp 8 hours off."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect

from engine.demo import DEMO_PASSWORD

UTC8 = timezone(timedelta(hours=8))


def prepared_at(server, guid: str) -> str:
    """The message's stamp as the read model keeps it (UTC), read beside the server."""
    with sqlite3.connect(server.data / "readmodels.sqlite") as db:
        [(stamp,)] = db.execute("SELECT prepared_at FROM customs_messages WHERE guid = ?", (guid,)).fetchall()
    return stamp


def test_message_tracking_shows_shanghai_time_with_its_zone(server, browser):
    page = browser.new_page()
    page.goto(f"{server.url}/login?next=/admin/messages")
    page.fill("input[name='username']", "admin")
    page.fill("input[name='password']", DEMO_PASSWORD)
    page.click("#login")
    first = page.locator("#messages tbody tr").first
    expect(first).to_be_visible()  # the demo documents' messages

    guid = first.locator("td").nth(1).inner_text().strip()
    stamp = prepared_at(server, guid)
    assert stamp.endswith("+00:00")
    expected = datetime.fromisoformat(stamp).astimezone(UTC8).strftime("%Y-%m-%d %H:%M:%S") + " +08:00"
    expect(first.locator("td").first).to_have_text(expected)

    first.locator("td").nth(1).locator("a").click()  # the message's stages, each in Shanghai time too
    expect(page.locator("#stages")).to_contain_text("+08:00")
    expect(page.locator("#stages")).not_to_contain_text(stamp[:19].replace("T", " "))
