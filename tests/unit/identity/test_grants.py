"""#16 item 3: nobody grants a permission, a role that sees everything, or an organisation they do not hold."""

from __future__ import annotations

from domain.identity.roles import BUILTIN_ROLES, Principal, check_grant, permissions_of

ENTERPRISE_ADMIN = Principal(name="ecomadmin", organisation="ECOM-DEMO", roles=("enterprise_admin",),
                             permissions=permissions_of(["enterprise_admin"]))
PLATFORM_ADMIN = Principal(name="admin", organisation="PLATFORM", roles=("platform_admin",),
                           permissions=permissions_of(["platform_admin"]), sees_all=True)


def rules(errors) -> set[str]:
    return {e.rule for e in errors}


def test_an_enterprise_administrator_grants_only_what_it_holds_in_its_own_organisation():
    declarant = permissions_of(["declarant_ecommerce"])
    assert check_grant(ENTERPRISE_ADMIN, "ECOM-DEMO", declarant, False) == []
    assert rules(check_grant(ENTERPRISE_ADMIN, "ECOM-DEMO", {"A6:manage"}, False)) == {"grant_exceeds"}
    assert rules(check_grant(ENTERPRISE_ADMIN, "PLATFORM", permissions_of(["platform_admin"]), True)) == {
        "grant_exceeds", "grant_sees_all", "grant_organisation"}
    assert rules(check_grant(ENTERPRISE_ADMIN, "OTHER", declarant, False)) == {"grant_organisation"}


def test_the_refusal_names_the_field_and_rule_in_chinese_and_english():
    error = check_grant(ENTERPRISE_ADMIN, "ECOM-DEMO", {"A6:manage"}, False)[0]
    assert error.field == "roles" and "A6:manage" in error.message_zh and "A6:manage" in error.message_en
    assert check_grant(ENTERPRISE_ADMIN, "ECOM-DEMO", {"A1:manage"}, False, field="permissions")[0].field == \
        "permissions"


def test_a_platform_administrator_grants_every_built_in_role_anywhere_but_any_signing_key():
    for name, (_, _, permissions, every) in BUILTIN_ROLES.items():
        if name != "signing_platform_service":
            assert check_grant(PLATFORM_ADMIN, "OTHER", permissions, every) == [], name
    # #17 item 2: using every enterprise's key is granted only by who holds it, never by an administrator
    assert rules(check_grant(PLATFORM_ADMIN, "OTHER", permissions_of(["signing_platform_service"]), False)) == {
        "grant_exceeds"}
