"""#17 item 5: an auditor opens the signing audit (签名审计) in a real browser on a real `cbec serve`, finds a refused
key use by its outcome and downloads the list as CSV with Chinese headers."""

from __future__ import annotations

import csv
import hashlib
import io

from playwright.sync_api import expect

from engine import bootstrap
from engine.settings import Settings
from engine.signing.audit import KeyUse, key_use_log
from tests.e2e.conftest import Server
from tests.e2e.customs.test_declarant_console import log_in


def uses_written_by_a_signer_worker(data) -> str:
    """What a signer worker over the same data folder writes: one use and one refusal. Returns the refusal's digest."""
    platform = bootstrap.build(Settings.from_env(data))  # the environment `cbec serve` gets too
    refused = hashlib.sha256(b"order for a missing key").hexdigest()
    try:
        log = key_use_log(platform)
        log.record(KeyUse("erp-app", "ECOM-DEMO", "10.1.1.1", "xml.customs.sign", "3301960001", "3301960001-rsa-1",
                          hashlib.sha256(b"order").hexdigest(), 1, "ok", 200))
        log.record(KeyUse("erp-app", "ECOM-DEMO", "10.1.1.1", "raw.sign", "3309999999", "", refused, 1, "unknown-key",
                          404))
        log.close()
    finally:
        platform.close()
    return refused


def test_an_auditor_finds_a_refused_key_use_and_exports_the_list(tmp_path, browser):
    refused = uses_written_by_a_signer_worker(tmp_path / "data")
    server = Server(tmp_path / "data").start()
    try:
        page = browser.new_page()
        log_in(page, server, "auditor", "/audit/signing")
        expect(page.locator("h1")).to_have_text("签名审计")
        expect(page.locator("#no-content")).to_contain_text("只保存其 SHA-256 摘要")
        expect(page.locator("#key-uses tbody tr")).to_have_count(2)
        page.fill("input[name='outcome']", "refused")
        page.click("form.filters button[type='submit']")
        rows = page.locator("#key-uses tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("unknown-key")
        expect(rows.first).to_contain_text(refused)
        expect(rows.first).to_contain_text("+08:00")
        with page.expect_download() as download:
            page.click("#export-csv")
        table = list(csv.reader(io.StringIO(open(download.value.path(), encoding="utf-8-sig").read())))
        assert table[0][:2] == ["时间 (北京时间 UTC+8)", "调用方"] and len(table) == 2 and refused in table[1]
        page.click("#nav-signing-audit")
        expect(page.locator("#key-uses tbody tr")).to_have_count(2)
    finally:
        server.stop()
