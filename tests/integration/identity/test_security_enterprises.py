"""#16 item 10: a refused enterprise registration replaced the existing enterprise's key files, and
`code=../../..` wrote key files outside the data folder. Every field is checked before a file is written, and the
key folder is never built from the form. #17: the keys are in the sealed key store, never in clear on disk."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from adapters.signing import generate_identity
from tests.conftest import login
from ui.app import create_app

EXISTING = "3301960001"  # the demo enterprise


@pytest.fixture
def platform(make_platform):
    return make_platform(demo_users=True)


@pytest.fixture
def admin(platform):
    client = TestClient(create_app(platform), base_url="https://testserver")
    login(client, "admin")
    return client


@pytest.fixture
def other_key(tmp_path) -> tuple[bytes, bytes]:
    key, cert = generate_identity(tmp_path / "attacker", "RSA-SHA1", common_name="attacker")
    return key.read_bytes(), cert.read_bytes()


def key_files_of(platform, code: str) -> list[tuple[str, bytes, bytes]]:
    """The enterprise's keys in the sealed key store (#17): id, sealed key, certificate."""
    store = platform.identity.enterprises.keystore
    return [(k.key_id, (store.root / code / k.key_id / "key.sealed").read_bytes(),
             (store.root / code / k.key_id / "cert.pem").read_bytes()) for k in store.keys(code)]


def upload(admin, code: str, key: bytes, cert: bytes, **fields):
    data = {"code": code, "name": "攻击者", "kinds": ["ecommerce"], "dxp_id": "D", "organisation": "ECOM-DEMO"}
    return admin.post("/admin/enterprises", data=data | fields,
                      files={"private_key": ("key.pem", key), "certificate": ("cert.pem", cert)})


def test_a_refused_registration_leaves_the_existing_enterprises_keys_alone(platform, admin, other_key):
    before = key_files_of(platform, EXISTING)
    refused = upload(admin, EXISTING, *other_key)
    assert refused.status_code == 422 and 'data-field="code"' in refused.text
    generated = admin.post("/admin/enterprises", data={"code": EXISTING, "name": "攻击者", "kinds": ["ecommerce"],
                                                       "generate": "1", "organisation": "ECOM-DEMO"})
    assert generated.status_code == 422
    assert key_files_of(platform, EXISTING) == before


@pytest.mark.parametrize("code", ["../../..", "../x", "/tmp/abs", "..", "33019600/1"])
def test_a_code_naming_another_place_writes_nothing(platform, admin, other_key, tmp_path, code):
    data = platform.settings.data_dir
    before = {p for p in tmp_path.parent.rglob("*.pem")}
    refused = upload(admin, code, *other_key)
    assert refused.status_code == 422 and 'data-field="code"' in refused.text
    generated = admin.post("/admin/enterprises", data={"code": code, "name": "x", "kinds": ["ecommerce"],
                                                       "generate": "1", "organisation": "ECOM-DEMO"})
    assert generated.status_code == 422
    assert {p for p in tmp_path.parent.rglob("*.pem")} == before
    assert not (data / "keys").exists()
    assert platform.identity.enterprises.keystore.enterprises() == sorted(
        e.code for e in platform.identity.enterprises.all())


def test_a_key_that_does_not_fit_its_certificate_is_refused_and_leaves_no_file(platform, admin, other_key,
                                                                             tmp_path):
    _, cert = generate_identity(tmp_path / "another", "RSA-SHA1", common_name="another")
    refused = upload(admin, "3301970002", other_key[0], cert.read_bytes())
    assert refused.status_code == 422 and 'data-field="certificate"' in refused.text
    assert "3301970002" not in platform.identity.enterprises.keystore.enterprises()
    assert platform.identity.enterprises.get("3301970002") is None


def test_an_uploaded_key_is_kept_sealed_and_private_in_the_key_store(platform, admin, other_key):
    done = upload(admin, "3301970003", *other_key)
    assert done.status_code == 200 and platform.identity.enterprises.get("3301970003") is not None
    assert "3301970003" in platform.identity.organisation("ECOM-DEMO").enterprise_codes
    store = platform.identity.enterprises.keystore
    key_path = store.root / "3301970003" / store.active_id("3301970003") / "key.sealed"
    assert b"PRIVATE KEY" not in key_path.read_bytes() and not list(platform.settings.data_dir.rglob("key.pem"))
    assert key_path.stat().st_mode & 0o777 == 0o600 and key_path.parent.parent.stat().st_mode & 0o777 == 0o700


def test_an_enterprise_is_registered_only_for_a_known_organisation(platform, admin):
    refused = admin.post("/admin/enterprises", data={"code": "3301970004", "name": "新", "kinds": ["ecommerce"],
                                                     "generate": "1", "organisation": "NO-SUCH-ORG"})
    assert refused.status_code == 422 and 'data-field="organisation"' in refused.text
    assert platform.identity.enterprises.get("3301970004") is None
    assert "3301970004" not in platform.identity.enterprises.keystore.enterprises()
