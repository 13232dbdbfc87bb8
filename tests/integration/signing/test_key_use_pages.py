"""#17 item 5: auditors search, page and export the uses of signing keys (/audit/signing, /api/audit/signing); an
enterprise's auditor sees only its own organisation's uses; bad filters are refused naming the field."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import datetime

import openpyxl
import pytest
from fastapi.testclient import TestClient

from engine import bootstrap
from engine.demo import DEMO_PASSWORD, ensure_demo
from engine.settings import Settings
from engine.signing.audit import BatchingKeyUseLog, KeyUse
from tests.conftest import login
from ui.app import create_app

ECOM, LOGI = "3301960001", "3301980001"  # the demo enterprises of ECOM-DEMO and LOGI-DEMO
MORNING = datetime.fromisoformat("2026-03-01T09:30:00+08:00")
NOON = datetime.fromisoformat("2026-03-01T12:30:00+08:00")
EVENING = datetime.fromisoformat("2026-03-01T20:15:00+08:00")


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


USES = [
    KeyUse("ecom-erp", "ECOM-DEMO", "10.0.0.1", "xml.customs.sign", ECOM, f"{ECOM}-rsa-1", digest("order A"), 1, "ok",
           200, at=MORNING),
    KeyUse("ecom-erp", "ECOM-DEMO", "10.0.0.1", "raw.sign", ECOM, f"{ECOM}-rsa-1", digest("batch B"), 3,
           "certificate-expired", 409, at=EVENING),
    KeyUse("logi-wms", "LOGI-DEMO", "10.0.0.2", "cms.sign", LOGI, f"{LOGI}-sm2-1", digest("waybill C"), 1, "ok", 200,
           at=MORNING),
    KeyUse("logi-wms", "LOGI-DEMO", "10.0.0.2", "cms.verify", "", "", digest("receipt D"), 1, "ok", 200, at=EVENING),
    # another organisation's caller using ECOM-DEMO's enterprise key: both organisations' auditors see it
    KeyUse("logi-wms", "LOGI-DEMO", "10.0.0.2", "raw.sign", ECOM, f"{ECOM}-rsa-1", digest("cross E"), 1, "ok", 200,
           at=NOON),
]


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    """One platform for the module (the tests only read): the demo users, an enterprise auditor of ECOM-DEMO (a
    custom role holding A9:signing-audit, not seeing every organisation) and the uses above."""
    platform = bootstrap.build(Settings.from_env(tmp_path_factory.mktemp("signing-audit") / "data", env={}))
    platform.identity.enterprises.ensure_demo()
    ensure_demo(platform.identity, platform.identity.enterprises)
    platform.identity.define_role("signing_auditor", "企业签名审计员", "Enterprise signing auditor",
                                  ["A9:signing-audit"], by="test")
    platform.identity.register_user("ecomaudit", "电商审计员", "ECOM-DEMO", ["signing_auditor"], DEMO_PASSWORD,
                                    by="test")
    log = BatchingKeyUseLog(platform.store)
    for use in USES:
        log.record(use)
    log.flush()
    yield platform
    platform.close()


def client_of(platform, username: str | None) -> TestClient:
    client = TestClient(create_app(platform), base_url="https://testserver")
    if username:
        login(client, username)
    return client


def callers(page_html: str) -> list[str]:
    return [c for c in ("ecom-erp", "logi-wms") if f"<td>{c}</td>" in page_html]


def test_a_platform_auditor_sees_every_use_newest_first_in_shanghai_time_and_is_told_no_content_is_kept(platform):
    page = client_of(platform, "auditor").get("/audit/signing")
    assert page.status_code == 200
    assert "签名内容本身从不保存，只保存其 SHA-256 摘要" in page.text
    assert "2026-03-01 20:15:00.000 +08:00" in page.text and "2026-03-01 09:30:00.000 +08:00" in page.text
    assert page.text.index("20:15:00") < page.text.index("09:30:00")
    assert callers(page.text) == ["ecom-erp", "logi-wms"]
    assert digest("order A") in page.text
    assert "共 5 条" in page.text
    assert 'href="/audit/signing"' in page.text  # the nav link


def test_filters_select_the_uses_by_enterprise_outcome_digest_and_time(platform):
    client = client_of(platform, "auditor")

    def shown(**params: str) -> list[tuple[str, str]]:
        found = client.get("/api/audit/signing", params=params).json()["items"]
        return [(u["operation"], u["outcome"]) for u in found]

    assert shown(enterprise=LOGI) == [("cms.sign", "ok")]
    assert shown(outcome="refused") == [("raw.sign", "certificate-expired")]
    assert shown(outcome="certificate-expired") == [("raw.sign", "certificate-expired")]
    assert shown(digest=digest("waybill C")[:12]) == [("cms.sign", "ok")]
    assert shown(digest=digest("receipt D")) == [("cms.verify", "ok")]
    assert shown(caller="ecom-erp", time_from="2026-03-01T12:00") == [("raw.sign", "certificate-expired")]
    assert shown(time_to="2026-03-01T09:30") == [("cms.sign", "ok"), ("xml.customs.sign", "ok")]
    assert shown(time_from="2026-03-02") == []
    assert shown(key_id=f"{ECOM}-rsa-1", operation="xml.customs.sign") == [("xml.customs.sign", "ok")]
    page = client.get("/audit/signing", params={"outcome": "refused"})
    assert callers(page.text) == ["ecom-erp"] and "certificate-expired" in page.text and "共 1 条" in page.text


def test_the_api_pages_the_uses(platform):
    client = client_of(platform, "auditor")
    first = client.get("/api/audit/signing", params={"per_page": 3}).json()
    second = client.get("/api/audit/signing", params={"per_page": 3, "page": 2}).json()
    assert first["total"] == second["total"] == 5 and first["lost"] == 0
    assert len(first["items"]) == 3 and len(second["items"]) == 2
    assert {u["digest"] for u in first["items"] + second["items"]} == {
        digest(t) for t in ("order A", "batch B", "waybill C", "receipt D", "cross E")}


def test_a_bad_filter_is_refused_naming_the_field_and_rule_in_chinese_and_english(platform):
    client = client_of(platform, "auditor")
    answer = client.get("/api/audit/signing", params={"time_from": "yesterday", "digest": "not-hex"})
    assert answer.status_code == 422
    errors = {e["field"]: e for e in answer.json()["errors"]}
    assert set(errors) == {"time_from", "digest"}
    assert errors["digest"]["rule"] == "sha256_hex" and "SHA-256" in errors["digest"]["message_zh"]
    assert "YYYY-MM-DD" in errors["time_from"]["message_en"] and "时间格式" in errors["time_from"]["message_zh"]
    page = client.get("/audit/signing", params={"time_to": "2026-13-45"})
    assert page.status_code == 422 and 'data-field="time_to"' in page.text and "时间格式" in page.text


def test_the_export_has_chinese_headers_and_the_filtered_rows(platform):
    client = client_of(platform, "auditor")
    answer = client.get("/audit/signing/export", params={"enterprise": ECOM, "format": "csv"})
    assert answer.status_code == 200
    table = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert table[0][:3] == ["时间 (北京时间 UTC+8)", "调用方", "调用方单位"]
    assert "摘要 (SHA-256)" in table[0] and "结果" in table[0]
    assert len(table) == 4  # the header and ECOM-DEMO's key's three uses
    refused = next(r for r in table[1:] if "certificate-expired" in r)
    assert refused[0] == "2026-03-01 20:15:00" and digest("batch B") in refused
    workbook = openpyxl.load_workbook(io.BytesIO(client.get("/audit/signing/export", params={
        "format": "xlsx", "lang": "en"}).content))
    sheet = workbook.active
    header = [c.value for c in sheet[1]]
    assert header[0].startswith("Time") and "UTC+8" in header[0]
    assert header[1:3] == ["Caller", "Caller's organisation"] and "Digest (SHA-256)" in header
    assert sheet.max_row == 6


def test_an_enterprise_auditor_sees_only_its_organisations_uses_on_the_page_the_api_and_the_export(platform):
    client = client_of(platform, "ecomaudit")
    page = client.get("/audit/signing")
    assert page.status_code == 200 and "共 3 条" in page.text
    assert digest("waybill C") not in page.text and digest("receipt D") not in page.text
    found = client.get("/api/audit/signing").json()
    assert found["total"] == 3 and {u["enterprise"] for u in found["items"]} == {ECOM}
    assert client.get("/api/audit/signing", params={"enterprise": LOGI}).json()["total"] == 0
    assert client.get("/api/audit/signing", params={"digest": digest("receipt D")}).json()["total"] == 0
    exported = client.get("/audit/signing/export", params={"format": "csv"}).content.decode("utf-8-sig")
    assert digest("order A") in exported and digest("waybill C") not in exported and "cms.verify" not in exported


def test_a_use_of_an_organisations_enterprise_key_by_another_organisations_caller_is_seen_by_both(platform):
    seen = client_of(platform, "ecomaudit").get("/api/audit/signing", params={"caller": "logi-wms"}).json()
    assert [(u["organisation"], u["enterprise"], u["digest"]) for u in seen["items"]] == [
        ("LOGI-DEMO", ECOM, digest("cross E"))]


def test_only_who_holds_the_signing_audit_permission_reads_it(platform):
    declarant = client_of(platform, "ecom")
    assert declarant.get("/api/audit/signing").status_code == 403
    assert declarant.get("/audit/signing").status_code == 403
    assert declarant.get("/audit/signing/export").status_code == 403
    assert 'href="/audit/signing"' not in declarant.get("/account").text
    anonymous = client_of(platform, None)
    assert anonymous.get("/api/audit/signing").status_code == 401
    assert anonymous.get("/audit/signing", follow_redirects=False).status_code == 303


def test_the_page_speaks_english_when_asked(platform):
    page = client_of(platform, "auditor").get("/audit/signing", params={"lang": "en"})
    assert "The signed content itself is never stored, only its SHA-256" in page.text
    assert "Times are Asia/Shanghai (+08:00)" in page.text
