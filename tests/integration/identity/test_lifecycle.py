"""#18 A1-A6: disable and enable, reset a password, unlock, change roles, rotate client secrets, renew a signing
certificate, edit organisations and enterprises; each an event with who and why, in the system log, with its effect."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from adapters.signing import keys
from adapters.signing.identity import generate_identity
from adapters.signing.keystore import KeyStore
from domain.identity.model import ApiClient, Enterprise, Organisation, User
from engine import clock
from engine.demo import DEMO_PASSWORD
from engine.identity.service import MAX_FAILURES, LoginRefused
from tests.conftest import login
from tests.integration.identity.test_security import signed
from ui.app import create_app


@pytest.fixture
def platform(make_platform):
    return make_platform(demo_users=True)


@pytest.fixture
def app(platform):
    return create_app(platform)


def browser(app, username: str | None = None, password: str | None = None) -> TestClient:
    client = TestClient(app, base_url="https://testserver")
    if username:
        login(client, username, password)
    return client


def events(platform, aggregate_id) -> list:
    return list(platform.store.events.get(aggregate_id))


def log_entries(platform, action: str) -> list[dict]:
    platform.identity.log_view.run_once()
    rows, _ = platform.identity.log_view.search(q=action, per_page=100)
    return [r for r in rows if r["action"] == action]


def test_a_disabled_user_loses_its_session_at_once_cannot_log_in_and_is_enabled_again(app, platform):
    ecom, admin = browser(app, "ecom"), browser(app, "admin")
    assert ecom.get("/api/import/orders").status_code == 200
    page = admin.post("/admin/users/ecom/deactivate", data={"reason": "left the company"})
    assert page.status_code == 200 and "已停用" in page.text
    assert ecom.get("/api/import/orders").status_code == 401  # the open session ended
    with pytest.raises(LoginRefused):
        platform.identity.authenticate("ecom", DEMO_PASSWORD, "10.0.0.1")
    disabled = events(platform, User.create_id("ecom"))[-1]
    assert type(disabled).__name__ == "Deactivated" and (disabled.by, disabled.reason) == ("admin", "left the company")
    (entry,) = log_entries(platform, "user.disable")
    assert entry["target"] == "ecom" and entry["organisation"] == "ECOM-DEMO" and "left the company" in entry["details"]

    page = admin.post("/admin/users/ecom/reactivate", data={"reason": "back from leave"})
    assert page.status_code == 200 and 'id="disable-form"' in page.text
    assert browser(app, "ecom").get("/api/import/orders").status_code == 200
    assert log_entries(platform, "user.enable")


def test_disabling_without_a_reason_is_refused_in_the_users_language_and_changes_nothing(app, platform):
    admin = browser(app, "admin")
    page = admin.post("/admin/users/ecom/deactivate", data={"reason": " "})
    assert page.status_code == 422 and 'data-field="reason"' in page.text and "请填写原因" in page.text
    admin.cookies.set("lang", "en", domain="testserver.local")
    page = admin.post("/admin/users/ecom/deactivate", data={"reason": ""})
    assert page.status_code == 422 and "give a reason" in page.text
    assert platform.identity.user("ecom").active
    page = admin.post("/admin/users/admin/deactivate", data={"reason": "oops"})  # nobody disables themselves
    assert page.status_code == 422 and 'data-field="username"' in page.text and platform.identity.user("admin").active


def test_a_reset_password_is_shown_once_and_must_be_changed_before_anything_else(app, platform):
    ecom = browser(app, "ecom")
    page = browser(app, "ecomadmin").post("/admin/users/ecom/reset-password", data={"reason": "forgot it"})
    assert page.status_code == 200
    temporary = re.search(r'id="temporary-password">([^<]+)<', page.text).group(1)
    assert temporary not in browser(app, "ecomadmin").get("/admin/users/ecom").text  # shown this once only
    assert ecom.get("/api/import/orders").status_code == 401  # the reset ended the user's sessions
    with pytest.raises(LoginRefused):
        platform.identity.authenticate("ecom", DEMO_PASSWORD, "10.0.0.2")

    user = browser(app)
    landing = login(user, "ecom", temporary, next_url="/declarant/orders")
    assert landing.url.path == "/account" and 'id="must-change"' in landing.text
    assert user.get("/api/import/orders").status_code == 403  # nothing else is reachable
    assert user.get("/", follow_redirects=False).headers["location"] == "/account"
    same = user.post("/account/password", data={"current": temporary, "new": temporary})
    assert same.status_code == 400 and "新密码不能与当前密码相同" in same.text
    changed = user.post("/account/password", data={"current": temporary, "new": "Chosen-By-Me-2026"})
    assert changed.status_code == 200 and 'id="must-change"' not in changed.text
    assert user.get("/api/import/orders").status_code == 200
    reset = [e for e in events(platform, User.create_id("ecom")) if type(e).__name__ == "PasswordReset"]
    assert [(e.by, e.reason) for e in reset] == [("ecomadmin", "forgot it")]
    assert log_entries(platform, "user.reset_password")


def test_an_administrator_unlocks_a_locked_account(app, platform):
    address = "testclient"  # TestClient's client address
    for _ in range(MAX_FAILURES):
        with pytest.raises(LoginRefused):
            platform.identity.authenticate("ecom", "Wrong-Password-1", address)
    assert "ecom" in platform.identity.locked_users()
    assert "锁定" in login(browser(app), "ecom").text  # the right password is refused while locked
    admin = browser(app, "ecomadmin")
    assert "登录已锁定" in admin.get("/admin/users/ecom").text
    page = admin.post("/admin/users/ecom/unlock", data={"reason": "called the help desk"})
    assert page.status_code == 200 and 'id="unlock-form"' not in page.text
    assert browser(app, "ecom").get("/api/import/orders").status_code == 200
    assert type(events(platform, User.create_id("ecom"))[-1]).__name__ == "Unlocked"
    assert log_entries(platform, "user.unlock")[0]["actor"] == "ecomadmin"


def test_the_role_picker_offers_only_grantable_roles_and_a_refusal_is_a_form_error(app, platform):
    ecomadmin = browser(app, "ecomadmin")
    for path in ("/admin", "/admin/users/ecom"):
        text = ecomadmin.get(path).text
        assert "平台管理员" not in text and 'value="platform_admin"' not in text, path
        assert 'value="declarant_ecommerce"' in text
    page = ecomadmin.post("/admin/users/ecom/roles", data={"roles": ["platform_admin"], "reason": "promote"})
    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
    assert 'data-field="roles"' in page.text and "不能授予" in page.text
    assert platform.identity.user("ecom").roles == ["declarant_ecommerce"]
    page = ecomadmin.post("/admin/users/ecom/roles", data={"roles": ["enterprise_admin"], "reason": "deputy"})
    assert page.status_code == 200 and "企业管理员" in page.text
    changed = events(platform, User.create_id("ecom"))[-1]
    assert (changed.roles, changed.by, changed.reason) == (["enterprise_admin"], "ecomadmin", "deputy")
    (entry,) = log_entries(platform, "user.roles")
    platform.identity.log_view.run_once()
    assert "企业管理员" in browser(app, "ecomadmin").get("/admin/log?q=user.roles").text  # Chinese role names


def test_a_rotated_secret_keeps_the_old_one_working_for_the_overlap_only(app, platform, monkeypatch):
    app_id, old = platform.identity.register_client("ERP", "ECOM-DEMO", ["declarant_ecommerce"], by="test")
    page = browser(app, "admin").post(f"/admin/clients/{app_id}/rotate", data={"overlap_hours": "2",
                                                                               "reason": "yearly rotation"})
    assert page.status_code == 200
    new = re.search(r'id="client-secret">([^<]+)<', page.text).group(1)
    caller = browser(app)
    assert signed(caller, app_id, old, "GET", "/api/import/orders").status_code == 200
    assert signed(caller, app_id, new, "GET", "/api/import/orders").status_code == 200
    later = clock.now() + timedelta(hours=2, minutes=1)
    monkeypatch.setattr(platform.identity, "now", lambda: later)  # the platform clock, past the overlap
    assert signed(caller, app_id, old, "GET", "/api/import/orders").status_code == 401
    assert signed(caller, app_id, new, "GET", "/api/import/orders").status_code == 200
    rotated = events(platform, ApiClient.create_id(app_id))[-1]
    assert (type(rotated).__name__, rotated.by, rotated.reason) == ("SecretRotated", "admin", "yearly rotation")
    assert log_entries(platform, "client.rotate_secret")


def test_a_rotation_without_overlap_stops_the_old_secret_at_once(app, platform):
    app_id, old = platform.identity.register_client("ERP", "ECOM-DEMO", ["declarant_ecommerce"], by="test")
    _, new = platform.identity.rotate_client_secret(app_id, 0, by=platform.identity.principal("admin"),
                                                    reason="leaked")
    caller = browser(app)
    assert signed(caller, app_id, old, "GET", "/api/import/orders").status_code == 401
    assert signed(caller, app_id, new, "GET", "/api/import/orders").status_code == 200
    with pytest.raises(Exception) as refused:
        platform.identity.rotate_client_secret(app_id, "-3", by=platform.identity.principal("admin"), reason="x")
    assert [e.field for e in refused.value.errors] == ["overlap_hours"]


@pytest.fixture
def keystore(platform, tmp_path):
    """The key store the enterprises' keys are moving into (engine/identity/enterprises.py), holding the demo
    enterprise's current key."""
    store = KeyStore(tmp_path / "keystore", secrets.token_bytes(16))
    platform.identity.enterprises.keystore = store
    store.generate("3301960001", "RSA", common_name="current", days=30, activate=True)
    return store


def verifies(store: KeyStore, key_id: str, data: bytes, signature: bytes) -> bool:
    certificate = store.certificate("3301960001", key_id)
    return keys.verify(certificate, keys.DEFAULT_SCHEMES[certificate.key_type], data, signature)


def sign(store: KeyStore, data: bytes) -> tuple[str, bytes]:
    loaded = store.load("3301960001")
    return loaded.key_id, loaded.key.sign(data, keys.DEFAULT_SCHEMES[loaded.certificate.key_type])


def test_a_renewed_certificate_takes_over_at_the_switch_time_and_both_keys_verify(app, platform, keystore,
                                                                                   monkeypatch):
    old_id = keystore.active_id("3301960001")
    page = browser(app, "admin").post("/admin/enterprises/3301960001/renew",
                                      data={"overlap_hours": "24", "reason": "certificate expires next month"})
    assert page.status_code == 200 and 'id="renewal"' in page.text
    (new_id,) = {k.key_id for k in keystore.keys("3301960001")} - {old_id}
    assert platform.identity.renewals.run_once() == 0 and keystore.active_id("3301960001") == old_id
    before_id, before = sign(keystore, b"CEB311 message")
    assert before_id == old_id

    later = clock.now() + timedelta(hours=24, seconds=1)
    monkeypatch.setattr(platform.identity, "now", lambda: later)
    assert platform.identity.renewals.run_once() == 1 and keystore.active_id("3301960001") == new_id
    after_id, after = sign(keystore, b"CEB311 message")
    assert after_id == new_id
    assert verifies(keystore, old_id, b"CEB311 message", before)
    assert verifies(keystore, new_id, b"CEB311 message", after)
    kinds = [type(e).__name__ for e in events(platform, Enterprise.create_id("3301960001"))]
    assert kinds[-2:] == ["KeyRenewalScheduled", "KeySwitched"]
    assert log_entries(platform, "enterprise.renew_certificate") and log_entries(platform, "enterprise.switch_key")


def test_a_ca_issued_certificate_is_imported_and_a_mismatched_pair_is_refused(app, platform, keystore, tmp_path):
    admin = browser(app, "admin")
    key_path, cert_path = generate_identity(tmp_path / "ca1", "RSA-SHA1", common_name="CA issued")
    other_key, _ = generate_identity(tmp_path / "ca2", "RSA-SHA1", common_name="other")
    bad = admin.post("/admin/enterprises/3301960001/renew", data={"overlap_hours": "0", "reason": "renewal"},
                     files={"certificate": ("cert.pem", cert_path.read_bytes()),
                            "private_key": ("key.pem", other_key.read_bytes())})
    assert bad.status_code == 422 and 'data-field="certificate"' in bad.text and len(keystore.keys("3301960001")) == 1
    good = admin.post("/admin/enterprises/3301960001/renew", data={"overlap_hours": "0", "reason": "renewal"},
                      files={"certificate": ("cert.pem", cert_path.read_bytes()),
                             "private_key": ("key.pem", key_path.read_bytes())})
    assert good.status_code == 200 and keystore.info("3301960001").subject.endswith("CN=CA issued")


def test_organisations_and_enterprises_are_edited_with_history(app, platform):
    admin = browser(app, "admin")
    page = admin.post("/admin/organisations/ECOM-DEMO/edit", data={"name": "杭州示范电商", "contact": "0571-1234",
                                                                   "reason": "renamed"})
    assert page.status_code == 200 and "renamed" in page.text  # in the history
    assert platform.identity.organisation("ECOM-DEMO").contact == "0571-1234"
    edit = {"name": "杭州示范跨境电商（新）", "kinds": ["ecommerce"], "dxp_id": "DXPENT0000000001",
            "uscc": "91330106MA2H000010", "reason": "new licence"}
    bad = admin.post("/admin/enterprises/3301960001/edit", data=edit)
    assert bad.status_code == 422 and 'data-field="uscc"' in bad.text
    assert platform.identity.enterprises.get("3301960001").kinds == ["ecommerce", "platform"]  # nothing stored
    good = admin.post("/admin/enterprises/3301960001/edit", data=edit | {"uscc": ""})
    assert good.status_code == 200 and platform.identity.enterprises.get("3301960001").name == edit["name"]
    history = platform.identity.history(Organisation.create_id("ECOM-DEMO"))
    assert [h["reason"] for h in history if h["event"] == "Edited"] == ["renamed"]
    assert log_entries(platform, "organisation.edit") and log_entries(platform, "enterprise.edit")


def test_a_refusal_is_a_console_page_in_the_users_language(app):
    declarant = browser(app, "ecom")
    page = declarant.get("/admin")
    assert page.status_code == 403 and page.headers["content-type"].startswith("text/html")
    assert "无权操作" in page.text and "管理用户" in page.text
    declarant.cookies.set("lang", "en", domain="testserver.local")
    assert "Not allowed" in declarant.get("/admin").text and "manage users" in declarant.get("/admin").text


# tenancy: an enterprise administrator (here holding every admin permission through a custom role) touches nothing
# of another organisation, on every route of the lifecycle
FOREIGN = [("GET", "/admin/users/logistics", {}), ("POST", "/admin/users/logistics/roles",
                                                    {"roles": ["declarant_logistics"], "reason": "x"}),
           ("POST", "/admin/users/logistics/deactivate", {"reason": "x"}),
           ("POST", "/admin/users/logistics/reactivate", {"reason": "x"}),
           ("POST", "/admin/users/logistics/reset-password", {"reason": "x"}),
           ("POST", "/admin/users/logistics/unlock", {"reason": "x"}),
           ("GET", "/admin/organisations/LOGI-DEMO", {}),
           ("POST", "/admin/organisations/LOGI-DEMO/edit", {"name": "x", "reason": "x"}),
           ("GET", "/admin/enterprises/3301980001", {}),
           ("POST", "/admin/enterprises/3301980001/edit", {"name": "x", "kinds": ["logistics"], "reason": "x"}),
           ("POST", "/admin/enterprises/3301980001/renew", {"overlap_hours": "0", "reason": "x"}),
           ("GET", "/admin/clients/{app_id}", {}), ("POST", "/admin/clients/{app_id}/rotate", {"reason": "x"}),
           ("POST", "/admin/clients/{app_id}/revoke", {"reason": "x"})]


def test_an_enterprise_administrator_cannot_touch_another_organisation_on_any_lifecycle_route(app, platform):
    platform.identity.define_role("org_manager", "单位管理", "Org manager",
                                  ["A1:manage", "A3:manage", "A5:manage", "A6:manage"], "admin")
    platform.identity.change_roles("ecomadmin", ["enterprise_admin", "org_manager"], by="test")
    app_id, _ = platform.identity.register_client("LOGI ERP", "LOGI-DEMO", ["declarant_logistics"], by="test")
    ecomadmin = browser(app, "ecomadmin")
    before = {u.username: (u.active, u.roles, u.version) for u in platform.identity.users()}
    for method, path, data in FOREIGN:
        page = ecomadmin.request(method, path.format(app_id=app_id), data=data or None)
        assert page.status_code == 404 and "未找到，或您无权查看" in page.text, (method, path)
        assert "示范国际物流" not in page.text, path  # nothing of the other organisation shows
    assert {u.username: (u.active, u.roles, u.version) for u in platform.identity.users()} == before
    assert platform.identity.organisation("LOGI-DEMO").name == "示范国际物流有限公司"
    assert platform.identity.clients()[0].active and not platform.identity.clients()[0].previous_sealed
    # its own organisation's, it may
    assert ecomadmin.get("/admin/organisations/ECOM-DEMO").status_code == 200
    assert ecomadmin.get("/admin/enterprises/3301960001").status_code == 200


def test_the_admin_page_offers_only_the_actions_the_user_may_use(app, platform):
    ecomadmin = browser(app, "ecomadmin")
    page = ecomadmin.get("/admin").text
    for hidden in ('id="enterprises"', 'id="clients"', 'action="/admin/organisations"', 'id="roles"'):
        assert hidden not in page, hidden
    assert 'href="/admin/users/ecom"' in page and 'href="/admin/users/logistics"' not in page
    own = ecomadmin.get("/admin/users/ecomadmin").text  # itself: no disable, no reset
    assert 'id="disable-form"' not in own and 'id="reset-form"' not in own
    admins = browser(app, "admin").get("/admin").text
    assert 'id="enterprises"' in admins and 'id="clients"' in admins
