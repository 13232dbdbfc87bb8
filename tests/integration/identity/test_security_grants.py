"""#16 items 3 and 18: privilege escalation through custom roles and API clients, and clients issued for unknown
organisations or without roles. Nobody grants a permission or an organisation it does not hold."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from domain.shared.rules import DeclarationRejected
from tests.conftest import login
from tests.integration.identity.test_security import signed
from ui.app import create_app


@pytest.fixture
def platform(make_platform):
    platform = make_platform(demo_users=True)
    # a custom role a platform administrator may well define: manage users and API clients
    platform.identity.define_role("client_manager", "接口管理员", "Client manager", ["A3:manage", "A6:manage"], "admin")
    return platform


@pytest.fixture
def app(platform):
    return create_app(platform)


def client_for(app, username: str) -> TestClient:
    client = TestClient(app, base_url="https://testserver")
    login(client, username)
    return client


def test_an_enterprise_administrator_cannot_grant_a_custom_role_holding_what_it_does_not_hold(app, platform):
    ecomadmin = client_for(app, "ecomadmin")
    page = ecomadmin.post("/admin/users", data={"username": "mallory", "organisation": "ECOM-DEMO",
                                                "roles": ["client_manager"], "password": "Mallory-Pass-2026"})
    assert page.status_code == 422 and 'data-field="roles"' in page.text and "A6:manage" in page.text
    assert "mallory" not in {u.username for u in platform.identity.users()}
    # what it holds it may still grant, in its own organisation
    ok = ecomadmin.post("/admin/users", data={"username": "helper", "organisation": "ECOM-DEMO",
                                              "roles": ["declarant_ecommerce"], "password": "Assist-Pass-2026"})
    assert ok.status_code == 200 and platform.identity.user("helper").organisation == "ECOM-DEMO"


def test_an_enterprise_administrator_cannot_create_users_in_another_organisation(app, platform):
    page = client_for(app, "ecomadmin").post("/admin/users", data={
        "username": "intruder", "organisation": "PLATFORM", "roles": ["declarant_ecommerce"],
        "password": "Intruder-Pass-2026"})
    assert page.status_code == 422 and 'data-field="organisation"' in page.text
    assert "intruder" not in {u.username for u in platform.identity.users()}


def test_an_api_client_for_the_platform_with_platform_admin_is_refused(app, platform):
    """The attack: a user holding A6:manage through a custom role issued a PLATFORM/platform_admin client."""
    platform.identity.change_roles("ecomadmin", ["enterprise_admin", "client_manager"], by="test")
    ecomadmin = client_for(app, "ecomadmin")
    page = ecomadmin.post("/admin/clients", data={"name": "backdoor", "organisation": "PLATFORM",
                                                  "roles": ["platform_admin"]})
    assert page.status_code == 422
    assert 'data-field="roles"' in page.text and 'data-field="organisation"' in page.text
    assert platform.identity.clients() == [] and "client-secret" not in page.text
    # its own organisation, with a role it holds: allowed, and the client reads only what that role reads
    ok = ecomadmin.post("/admin/clients", data={"name": "ERP", "organisation": "ECOM-DEMO",
                                                "roles": ["declarant_ecommerce"]})
    assert ok.status_code == 200 and "client-secret" in ok.text
    (client,) = platform.identity.clients()
    assert client.organisation == "ECOM-DEMO"
    app_id, secret = platform.identity.register_client("ERP2", "ECOM-DEMO", ["declarant_ecommerce"], by="test")
    assert signed(TestClient(app, base_url="https://testserver"), app_id, secret, "GET", "/admin/log").status_code \
        == 403


def test_a_custom_role_holds_only_permissions_its_author_holds(platform):
    author = platform.identity.principal("ecomadmin")
    with pytest.raises(DeclarationRejected) as refused:
        platform.identity.define_role("super_user", "超级", "Super", ["A1:manage", "I3:view"], by=author)
    assert {(e.field, e.rule) for e in refused.value.errors} == {("permissions", "grant_exceeds")}
    assert "super_user" not in platform.identity.role_names()


def test_roles_of_a_user_change_only_within_what_the_granter_holds(platform):
    ecomadmin = platform.identity.principal("ecomadmin")
    with pytest.raises(DeclarationRejected) as refused:
        platform.identity.change_roles("ecom", ["platform_admin"], by=ecomadmin)
    assert {e.rule for e in refused.value.errors} >= {"grant_exceeds", "grant_sees_all"}
    with pytest.raises(DeclarationRejected) as refused:  # a user of another organisation is not its to manage
        platform.identity.change_roles("logistics", ["declarant_ecommerce"], by=ecomadmin)
    assert {e.rule for e in refused.value.errors} >= {"manage_exceeds"}
    assert platform.identity.user("ecom").roles == ["declarant_ecommerce"]
    assert platform.identity.user("logistics").roles == ["declarant_logistics"]


@pytest.mark.parametrize(("organisation", "roles", "field"), [
    ("NO-SUCH-ORG", ["declarant_ecommerce"], "organisation"), ("", ["declarant_ecommerce"], "organisation"),
    ("ECOM-DEMO", [], "roles"), ("ECOM-DEMO", ["no_such_role"], "roles")])
def test_no_client_secret_for_an_unknown_organisation_or_without_known_roles(platform, organisation, roles, field):
    """#16 item 18."""
    with pytest.raises(DeclarationRejected) as refused:
        platform.identity.register_client("ERP", organisation, roles, by="test")
    assert [e.field for e in refused.value.errors] == [field]
    assert all(e.message_zh and e.message_en for e in refused.value.errors)
    assert platform.identity.clients() == []


def test_a_client_issued_before_the_fix_can_be_revoked_and_its_requests_are_refused(app, platform):
    """Remediation of item 3: the platform administrator revokes an escalated client; another organisation's
    administrator cannot revoke it."""
    app_id, secret = platform.identity.register_client("backdoor", "PLATFORM", ["platform_admin"], by="legacy")
    caller = TestClient(app, base_url="https://testserver")
    assert signed(caller, app_id, secret, "GET", "/admin/log").status_code == 200
    with pytest.raises(DeclarationRejected) as refused:
        platform.identity.revoke_client(app_id, by=platform.identity.principal("ecomadmin"))
    assert [e.rule for e in refused.value.errors] == ["manage_exceeds"]
    page = client_for(app, "admin").post(f"/admin/clients/{app_id}/revoke", data={"reason": "escalated before #16"})
    assert page.status_code == 200 and "已吊销" in page.text
    assert signed(caller, app_id, secret, "GET", "/admin/log").status_code == 401
