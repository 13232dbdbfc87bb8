"""#17 items 3 and 4: hostile and oversized inputs to the signing service are refused in one error shape naming the
field, never echoed back and never a 500; a sealed PDF takes a second seal (多次签章). In process, a real key store."""

from __future__ import annotations

import base64
import io
import subprocess

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from tests.signing_helpers import RSA_ENTERPRISE, SM2_ENTERPRISE, blank_pdf, make_service
from ui.routers.signing.api import Caller, create_signer_app

ALL = Caller("test", "TEST", None)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def png(mode: str, size: tuple[int, int] = (60, 60)) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    return make_service(tmp_path_factory.mktemp("signer") / "keystore")


@pytest.fixture
def http(service) -> TestClient:
    return TestClient(create_signer_app(service, lambda: ALL, max_body_mb=2), raise_server_exceptions=False)


def problem(response, status: int, code: str, field: str | None) -> dict:
    """The one error shape, with Chinese and English words."""
    body = response.json()
    assert (response.status_code, body["code"], body["field"]) == (status, code, field), response.text
    assert set(body) == {"code", "message_zh", "message_en", "field"} and body["message_zh"] and body["message_en"]
    return body


def seal(http: TestClient, pdf: bytes, **extra) -> object:
    return http.post("/v1/pdf/seal", json={"enterprise": RSA_ENTERPRISE, "pdf": b64(pdf), **extra})


@pytest.mark.parametrize("page", [1, 7, -2])
def test_a_seal_on_a_page_the_pdf_does_not_have_is_refused_naming_page(http, page):
    problem(seal(http, blank_pdf(), page=page), 422, "invalid-input", "page")


@pytest.mark.parametrize("image", [b"not an image at all", b"\x89PNG\r\n\x1a\n" + bytes(40), png("RGB", (2500, 2000))])
def test_a_seal_image_that_is_no_image_or_too_large_is_refused_naming_image(http, image):
    problem(seal(http, blank_pdf(), image=b64(image)), 422, "invalid-input", "image")


@pytest.mark.parametrize("mode", ["1", "P", "L", "LA"])
def test_one_bit_palette_and_grey_seal_images_are_converted_and_seal(http, mode):
    sealed = seal(http, blank_pdf(), image=b64(png(mode)))
    assert sealed.status_code == 200, sealed.text
    assert http.post("/v1/pdf/verify", json={"pdf": sealed.json()["pdf"]}).json()["ok"]


def test_a_sealed_pdf_takes_a_second_seal_and_both_verify_in_a_pdf_reader(http, tmp_path):
    first = seal(http, blank_pdf(), reason="审核")
    second = seal(http, base64.b64decode(first.json()["pdf"]), box=[100, 60, 220, 180], reason="批准")
    assert second.status_code == 200, second.text
    pdf = base64.b64decode(second.json()["pdf"])
    assert http.post("/v1/pdf/verify", json={"pdf": second.json()["pdf"]}).json()["ok"]
    (tmp_path / "sealed.pdf").write_bytes(pdf)
    report = subprocess.run(["pdfsig", str(tmp_path / "sealed.pdf")], capture_output=True, text=True).stdout
    assert report.count("Signature Validation: Signature is Valid.") == 2, report
    assert "CbecSeal2" in report
    third = http.post("/v1/pdf/seal", json={"enterprise": SM2_ENTERPRISE, "pdf": b64(pdf)})
    assert http.post("/v1/pdf/verify", json={"pdf": third.json()["pdf"]}).json()["ok"]


@pytest.mark.parametrize("xml", [
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><r>&e;</r>',
    '<!DOCTYPE r SYSTEM "http://198.51.100.1/x.dtd"><r/>',
    '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]><r>&b;</r>',
])  # fmt: skip
def test_xmldsig_signing_refuses_any_doctype_naming_xml(http, xml):
    body = problem(http.post("/v1/xml/dsig/sign", json={"enterprise": RSA_ENTERPRISE, "xml": xml}), 422,
                   "invalid-input", "xml")
    assert "DTD" in body["message_en"] and "root:" not in body["message_en"]


@pytest.mark.parametrize("days", ["99999999999", "-1", "3651", "soon"])
def test_the_expiry_horizon_is_bounded(http, days):
    problem(http.get(f"/v1/keys/expiring?days={days}"), 422, "invalid-input", "days")
    assert http.get("/v1/keys/expiring?days=3650").status_code == 200


def test_a_batch_over_1000_items_is_refused_without_echoing_it(http):
    items = [b64(b"item %06d" % n) for n in range(1001)]
    response = http.post("/v1/raw/sign", json={"enterprise": RSA_ENTERPRISE, "items": items})
    problem(response, 422, "too-large", "items")
    assert len(response.content) < 500 and "item 000" not in response.text


def test_an_oversized_item_or_field_is_refused_naming_it_without_echo(http):
    big = b64(bytes(70 * 1024))
    response = http.post("/v1/raw/sign", json={"enterprise": RSA_ENTERPRISE, "items": ["eA==", big]})
    problem(response, 422, "too-large", "items.1")
    assert len(response.content) < 500
    missing = http.post("/v1/cms/sign", json={"enterprise": RSA_ENTERPRISE})
    problem(missing, 422, "invalid-input", "data")
    typed = http.post("/v1/cms/sign", json={"enterprise": RSA_ENTERPRISE, "data": {"secret": "x" * 1000}})
    assert "xxxx" not in problem(typed, 422, "invalid-input", "data")["message_en"] and "xxxx" not in typed.text


def test_a_body_over_the_limit_is_refused_413_before_it_is_read(http):
    too_big = b'{"enterprise": "' + RSA_ENTERPRISE.encode() + b'", "data": "' + b"A" * (3 * 1024 * 1024) + b'"}'
    declared = http.post("/v1/cms/sign", content=too_big, headers={"Content-Type": "application/json"})
    problem(declared, 413, "body-too-large", "body")

    def chunks():  # no Content-Length: counted while it streams
        for start in range(0, len(too_big), 64 * 1024):
            yield too_big[start : start + 64 * 1024]

    streamed = http.post("/v1/cms/sign", content=chunks(), headers={"Content-Type": "application/json"})
    problem(streamed, 413, "body-too-large", "body")


def test_unknown_routes_and_unreadable_json_answer_the_same_shape(http):
    problem(http.get("/v1/nothing-here"), 404, "not-found", None)
    problem(http.post("/v1/cms/sign", content=b"{", headers={"Content-Type": "application/json"}), 422,
            "invalid-input", "body")


def test_no_operation_of_the_signing_api_answers_500(http):
    """Schemathesis over the service's own OpenAPI document: a few hundred generated calls, none a 500."""
    schema = schemathesis.openapi.from_dict(http.app.openapi())
    operations = [op.ok() for op in schema.get_all_operations()]
    assert len(operations) >= 17
    failures: list[str] = []

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(case=st.one_of(*[op.as_strategy() for op in operations]))
    def run(case) -> None:
        kwargs = case.as_transport_kwargs(base_url="http://testserver")
        response = http.request(kwargs["method"], kwargs["url"], params=kwargs.get("params"),
                                json=kwargs.get("json"), headers=kwargs.get("headers"))
        if response.status_code >= 500:
            failures.append(f"{case.method} {case.formatted_path} -> {response.status_code} {response.text[:200]}")
        elif response.status_code >= 400:
            assert set(response.json()) == {"code", "message_zh", "message_en", "field"}

    run()
    assert failures == []
