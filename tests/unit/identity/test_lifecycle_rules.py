"""#18 A1-A6: the domain rules of the user and organisation lifecycle, without any I/O."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone

from domain.identity.model import ApiClient, Enterprise, User
from domain.identity.roles import BUILTIN_ROLES, Principal, permissions_of, sees_all
from domain.identity.rules import (
    MAX_OVERLAP_HOURS,
    check_enterprise_details,
    check_new_password,
    check_overlap_hours,
    check_reason,
    grantable_roles,
)

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=timezone(timedelta(hours=8)))
BUILTIN = {name: (permissions, every) for name, (_, _, permissions, every) in BUILTIN_ROLES.items()}


def principal(role: str, organisation: str = "ECOM-DEMO") -> Principal:
    return Principal(name="someone", organisation=organisation, roles=(role,), permissions=permissions_of([role]),
                     sees_all=sees_all([role]))


def user() -> User:
    return User(username="u" + secrets.token_hex(4), display_name="", organisation="ECOM-DEMO",
                roles=["declarant_ecommerce"], password_hash="h0", registered_by="test")


def test_an_enterprise_administrator_is_offered_only_roles_it_may_grant():
    offered = grantable_roles(principal("enterprise_admin"), "ECOM-DEMO", BUILTIN)
    assert "platform_admin" not in offered and "auditor" not in offered and "declarant_logistics" not in offered
    assert set(offered) == {"enterprise_admin", "declarant_ecommerce"}
    assert grantable_roles(principal("enterprise_admin"), "LOGI-DEMO", BUILTIN) == []  # not for another organisation


def test_a_platform_administrator_is_offered_the_roles_it_holds_in_any_organisation():
    offered = set(grantable_roles(principal("platform_admin", "PLATFORM"), "ECOM-DEMO", BUILTIN))
    assert {"platform_admin", "auditor", "enterprise_admin", "declarant_logistics", "bi_reader"} <= offered


def test_a_reset_password_must_be_changed_and_ends_sessions():
    person = user()
    epoch = person.session_epoch
    person.reset_password(password_hash="temporary", by="admin", reason="forgot it")
    assert person.must_change_password and person.session_epoch == epoch + 1
    person.change_password(password_hash="own", by=person.username)
    assert not person.must_change_password and person.password_hash == "own"


def test_a_disabled_user_is_enabled_again_and_its_old_sessions_stay_ended():
    person = user()
    person.deactivate(by="admin", reason="left")
    ended = person.session_epoch
    person.reactivate(by="admin", reason="back")
    assert person.active and person.session_epoch == ended


def test_a_rotated_secret_keeps_the_old_one_only_within_the_overlap():
    client = ApiClient(app_id="app_x", name="ERP", organisation="ECOM-DEMO", roles=["declarant_ecommerce"],
                       secret_sealed="old", registered_by="test")
    client.rotate_secret(secret_sealed="new", previous_until=NOW + timedelta(hours=2), by="admin", reason="leak")
    assert client.sealed_secrets(NOW) == ["new", "old"]
    assert client.sealed_secrets(NOW + timedelta(hours=2)) == ["new"]
    client.rotate_secret(secret_sealed="newer", previous_until=None, by="admin", reason="again")
    assert client.sealed_secrets(NOW) == ["newer"]  # no overlap: the previous secret stops at once


def test_a_renewal_is_due_at_its_switch_time_and_switching_clears_it():
    firm = Enterprise(code="3301960009", name="x", kinds=["ecommerce"], dxp_id="", signing={})
    assert not firm.renewal_due(NOW)
    firm.schedule_renewal(key_id="ab12", switch_at=NOW + timedelta(hours=24), by="admin", reason="expiring")
    assert not firm.renewal_due(NOW + timedelta(hours=23, minutes=59))
    assert firm.renewal_due(NOW + timedelta(hours=24))
    firm.switch_key(key_id="ab12", at=NOW, by="platform")
    assert firm.key_id == "ab12" and not firm.renewal


def test_every_change_gives_a_reason_of_reasonable_length():
    assert check_reason("   ").rule == "reason_required"
    assert check_reason("x" * 201).rule == "reason_length"
    assert check_reason("left the company") is None


def test_a_new_password_follows_the_policy_and_is_not_the_temporary_one():
    assert [e.rule for e in check_new_password("Temp-Pass-2026x", "Temp-Pass-2026x", "ecom")] == ["password_unchanged"]
    assert check_new_password("Mine-Own-2026!", "Temp-Pass-2026x", "ecom") == []
    assert "password_length" in [e.rule for e in check_new_password("short", "Temp-Pass-2026x", "ecom")]


def test_the_overlap_is_a_whole_number_of_hours_in_range():
    assert check_overlap_hours("") == (0, None)
    assert check_overlap_hours("48") == (48, None)
    for bad in ("-1", "1.5", "abc", str(MAX_OVERLAP_HOURS + 1)):
        hours, error = check_overlap_hours(bad)
        assert error is not None and error.field == "overlap_hours" and hours == 0


def test_an_edited_enterprise_needs_a_name_known_kinds_and_a_valid_uscc():
    kinds = ("ecommerce", "logistics")
    errors = check_enterprise_details("", ["spaceship"], "91330106MA2H000010", "DXP-1", kinds)
    assert {e.field for e in errors} == {"name", "kinds", "uscc", "dxp_id"}
    assert check_enterprise_details("示范", ["ecommerce"], "", "DXPENT0000000001", kinds) == []
