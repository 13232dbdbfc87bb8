"""#16 item 16: lockout by user name alone let anyone lock the administrator out. Failures now count per user name
and client address, and per address; see Identity.authenticate for the policy."""

from __future__ import annotations

import pytest

from engine.demo import DEMO_PASSWORD
from engine.identity.service import LOCKOUT, MAX_ADDRESS_FAILURES, MAX_FAILURES, LoginRefused

ATTACKER, ADMIN_DESK = "203.0.113.66", "10.0.0.7"


@pytest.fixture
def identity(make_platform):
    return make_platform(demo_users=True).identity


def refused(identity, username: str, password: str, address: str) -> str:
    with pytest.raises(LoginRefused) as error:
        identity.authenticate(username, password, address)
    return error.value.message_en


def test_an_attacker_locking_admin_does_not_lock_admin_out_of_its_own_address(identity):
    for _ in range(MAX_FAILURES):
        refused(identity, "admin", "Wrong-Password-1", ATTACKER)
    assert "too many" in refused(identity, "admin", DEMO_PASSWORD, ATTACKER)  # locked where the failures came from
    assert identity.authenticate("admin", DEMO_PASSWORD, ADMIN_DESK).name == "admin"  # not from elsewhere


def test_an_address_failing_many_logins_is_blocked_for_every_name(identity):
    names = [f"guess{i}" for i in range(MAX_ADDRESS_FAILURES)]  # spraying: a few tries on many names
    for name in names:
        message = refused(identity, name, "Wrong-Password-1", ATTACKER)
    assert "too many" in message
    assert "too many" in refused(identity, "ecom", DEMO_PASSWORD, ATTACKER)  # the right password of another user
    assert identity.authenticate("ecom", DEMO_PASSWORD, ADMIN_DESK).name == "ecom"


def test_a_success_does_not_clear_the_addresss_count(identity):
    for i in range(MAX_ADDRESS_FAILURES - 1):
        refused(identity, f"guess{i}", "Wrong-Password-1", ATTACKER)
        if i % 4 == 3:
            identity.authenticate("ecom", DEMO_PASSWORD, ATTACKER)  # the attacker's own account
    assert "too many" in refused(identity, "admin", "Wrong-Password-1", ATTACKER)


def test_locks_end_after_the_lockout_and_are_not_extended_by_attempts_while_locked(identity):
    start = 1_000_000.0
    identity.timer = lambda: start
    for _ in range(MAX_FAILURES):
        refused(identity, "admin", "Wrong-Password-1", ATTACKER)
    identity.timer = lambda: start + LOCKOUT - 1
    assert "too many" in refused(identity, "admin", "Wrong-Password-1", ATTACKER)
    identity.timer = lambda: start + LOCKOUT + 1
    assert identity.authenticate("admin", DEMO_PASSWORD, ATTACKER).name == "admin"


def test_a_locked_login_is_written_to_the_system_log_with_its_address(identity):
    for _ in range(MAX_FAILURES + 1):
        with pytest.raises(LoginRefused):
            identity.authenticate("admin", "Wrong-Password-1", ATTACKER)
    identity.log_view.run_once()
    rows, _ = identity.log_view.search(q="", kind="login", date_from="", date_to="", page=1, per_page=50,
                                       organisation=None)
    assert {(r["address"], r["outcome"]) for r in rows} >= {(ATTACKER, "failed"), (ATTACKER, "locked")}
