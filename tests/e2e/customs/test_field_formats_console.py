"""#18 in the browser: a departure's leaveTime is picked with the browser's date-time picker and stored in the customs
format; a half-typed one is refused with the field named and nothing is declared; an inventory without its payment
and waybill is shown the three-document warning and is declared only once the declarant confirms."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from playwright.sync_api import expect

from domain.shared import formats
from engine.customs import examples
from tests.e2e.customs.test_declarant_console import log_in


def fill(page, document: dict[str, Any], list_key: str = "") -> None:
    """Every field of the document the form shows (hidden ones are the platform's), date pickers in their own
    format, and the first line."""
    for name, value in document.items():
        if isinstance(value, list):
            continue
        field = page.locator(f"#document-form input[name='{name}']")
        if field.count():
            field.fill(formats.to_picker(name, str(value)) if formats.kind_of(name) else str(value))
    for name, value in (document.get(list_key) or [{}])[0].items():
        field = page.locator(f"input[name='{list_key}.1.{name}']")
        if field.count():
            field.fill(str(value))


def declare_export_waybill(page, server, logistics_no: str) -> None:
    waybill = examples.export_purchase(f"E2E{uuid.uuid4().hex[:12].upper()}")["waybill"] | {
        "logisticsNo": logistics_no}
    page.goto(f"{server.url}/declarant/export-waybills/new")
    fill(page, waybill)
    page.click("#submit")
    expect(page.locator("#status")).to_be_visible()


def test_a_picked_leave_time_is_stored_in_the_customs_format_and_a_half_typed_one_is_refused(server, browser):
    page = browser.new_context().new_page()  # a context of its own: a second tab shares the login
    log_in(page, server, username="logistics", next_url="/declarant/departures/new")
    parcel = f"EXE2E{uuid.uuid4().hex[:12].upper()}"
    declare_export_waybill(page, server, parcel)
    departure = examples.departure([parcel])

    page.goto(f"{server.url}/declarant/departures/new")
    leave_time = page.locator("input[name='leaveTime']")
    expect(leave_time).to_have_attribute("type", "datetime-local")
    fill(page, {k: v for k, v in departure.items() if k != "leaveTime"}, "departureList")
    leave_time.click()
    page.keyboard.type("12072026")  # the date typed, the time left out: the picker holds no whole value
    page.click("#submit")
    assert leave_time.evaluate("e => e.validity.badInput")  # the browser keeps the form: nothing is sent
    expect(page).to_have_url(f"{server.url}/declarant/departures/new")

    # a browser without a date-time picker shows a text box (HTML: an unsupported type is text): a typed value that
    # is not a whole date-time reaches the server, which refuses it naming the field and the format to use
    leave_time.evaluate("e => { e.type = 'text'; e.value = ''; }")
    leave_time.fill("2026-12-07 23:")
    page.click("#submit")
    refusal = page.locator(".errors li[data-field='leaveTime']")
    expect(refusal.locator("code")).to_have_attribute("data-rule", "format.datetime")
    expect(refusal).to_contain_text("YYYYMMDDhhmmss")
    expect(refusal.locator(".fix")).to_contain_text("20261207230500")
    expect(page.locator("label.invalid .msg")).to_contain_text("leaveTime")
    listing = page.context.new_page()
    listing.goto(f"{server.url}/declarant/departures?q={parcel}")
    expect(listing.locator("body")).not_to_contain_text(parcel)

    page.goto(f"{server.url}/declarant/departures/new")
    fill(page, {k: v for k, v in departure.items() if k != "leaveTime"}, "departureList")
    page.locator("input[name='leaveTime']").fill("2026-12-07T23:05")
    page.click("#submit")

    expect(page.locator("#status")).to_be_visible()
    expect(page.locator("dd[data-field='leaveTime']")).to_have_text("20261207230500")


def test_an_inventory_without_payment_and_waybill_needs_the_declarants_confirmation(server, browser):
    page = browser.new_context().new_page()
    log_in(page, server, next_url="/declarant/inventories/new")
    inventory = examples.purchase(f"E2E{uuid.uuid4().hex[:12].upper()}", lines=1, price=Decimal("99"))["inventory"]
    expect(page.locator("input[name='declTime']")).to_have_attribute("type", "date")
    fill(page, inventory, "inventoryList")
    page.click("#submit")

    warning = page.locator("#three-documents")
    expect(warning).to_be_visible()
    expect(warning.locator("li[data-field='payment']")).to_contain_text("-621002")
    expect(warning.locator("li[data-field='waybill']")).to_contain_text(inventory["logisticsNo"])
    expect(page.locator("input[name='declTime']")).to_have_value(formats.to_picker("declTime", inventory["declTime"]))
    listing = page.context.new_page()
    listing.goto(f"{server.url}/declarant/inventories?q={inventory['copNo']}")
    expect(listing.locator("body")).not_to_contain_text(inventory["copNo"])

    page.click("#submit")  # declared again without the confirmation: still only the warning
    expect(page.locator("#three-documents")).to_be_visible()
    page.check("#confirm-missing-documents")
    page.click("#submit")

    expect(page.locator("#status")).to_be_visible()
    expect(page.locator("dd[data-field='declTime']")).to_have_text(inventory["declTime"])
    listing.reload()
    expect(listing.locator("body")).to_contain_text(inventory["copNo"])
