"""Organisations (单位组织), enterprises that declare (电商/物流/支付企业, 电商平台, 监管场所), users, machine
clients and the system log (系统日志). Secrets never enter events: users keep a password hash (Argon2) and
clients an encrypted secret."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate, event

from domain.shared.ids import NAMESPACE

KINDS = ("ecommerce", "platform", "logistics", "payment", "site")


class Organisation(Aggregate):
    """单位组织: a company using the platform; its users act for its enterprises only."""

    @staticmethod
    def create_id(code: str, **_: Any) -> UUID:
        return uuid5(NAMESPACE, f"organisation/{code}")

    @event("Registered")
    def __init__(self, code: str, name: str, registered_by: str) -> None:
        self.code, self.name, self.contact = code, name, ""
        self.enterprise_codes: list[str] = []

    @event("Edited")
    def edit(self, name: str, contact: str, by: str, reason: str) -> None:
        """A new name or contact (A1); the events keep every earlier one, with who and why."""
        self.name, self.contact = name, contact

    @event("EnterpriseAssigned")
    def assign_enterprise(self, enterprise_code: str, by: str) -> None:
        if enterprise_code not in self.enterprise_codes:
            self.enterprise_codes.append(enterprise_code)


class Enterprise(Aggregate):
    """企业, identified by its 10-character customs registration code."""

    @staticmethod
    def create_id(code: str, **_: Any) -> UUID:
        return uuid5(NAMESPACE, f"enterprise/{code}")

    @event("Registered")
    def __init__(self, code: str, name: str, kinds: list[str], dxp_id: str, signing: dict[str, str],
                 uscc: str = "", organisation: str = "") -> None:
        self.code = code
        self.name = name
        self.kinds = kinds
        self.dxp_id = dxp_id
        self.signing = signing
        self.uscc = uscc
        self.organisation = organisation
        self.renewal: dict[str, str] = {}  # a scheduled key switch: key_id, switch_at (ISO 8601), previous
        self.key_id = ""  # the key store key that signs, once one was switched to (A5 renewal)

    @event("Edited")
    def edit(self, name: str, kinds: list[str], dxp_id: str, uscc: str, by: str, reason: str) -> None:
        """New registration details (A5); the code is the enterprise's identity and never changes."""
        self.name, self.kinds, self.dxp_id, self.uscc = name, kinds, dxp_id, uscc

    @event("KeyRenewalScheduled")
    def schedule_renewal(self, key_id: str, switch_at: datetime, by: str, reason: str) -> None:
        """A renewed certificate (already in the key store, not signing yet) takes over at switch_at; until then
        the current key keeps signing, and both verify before and after."""
        self.renewal = {"key_id": key_id, "switch_at": switch_at.isoformat(), "previous": self.key_id}

    @event("KeySwitched")
    def switch_key(self, key_id: str, at: datetime, by: str) -> None:
        """The renewed key signs from now on (the key store's active key moved to it)."""
        self.key_id, self.renewal = key_id, {}
        self.signing = {**self.signing, "key_id": key_id}

    def renewal_due(self, now: datetime) -> bool:
        """A scheduled renewal whose switch time has come."""
        return bool(self.renewal) and datetime.fromisoformat(self.renewal["switch_at"]) <= now


class User(Aggregate):
    """A person who logs in (A3). `session_epoch` counts the events that end every session the user has: a
    session carries the epoch it began in and is refused once the epoch moved on (logout, a new password, other
    roles, deactivation)."""

    @staticmethod
    def create_id(username: str, **_: Any) -> UUID:
        return uuid5(NAMESPACE, f"user/{username.lower()}")

    @event("Registered")
    def __init__(self, username: str, display_name: str, organisation: str, roles: list[str], password_hash: str,
                 registered_by: str) -> None:
        self.username, self.display_name, self.organisation = username, display_name, organisation
        self.roles, self.password_hash, self.active = roles, password_hash, True
        self.session_epoch = 0
        self.must_change_password = False

    @event("PasswordChanged")
    def change_password(self, password_hash: str, by: str) -> None:
        """The user's own new password: a temporary one given by an administrator stops being required."""
        self.password_hash = password_hash
        self.must_change_password = False
        self.session_epoch += 1

    @event("PasswordReset")
    def reset_password(self, password_hash: str, by: str, reason: str) -> None:
        """An administrator gave a temporary password: every session ends and, until the user chose a password of
        their own, a login reaches nothing but the change of password."""
        self.password_hash = password_hash
        self.must_change_password = True
        self.session_epoch += 1

    @event("RolesChanged")
    def change_roles(self, roles: list[str], by: str, reason: str = "") -> None:
        self.roles = roles
        self.session_epoch += 1

    @event("Deactivated")
    def deactivate(self, by: str, reason: str) -> None:
        self.active = False
        self.session_epoch += 1

    @event("Reactivated")
    def reactivate(self, by: str, reason: str) -> None:
        """The user may log in again; sessions ended by the deactivation stay ended."""
        self.active = True

    @event("Unlocked")
    def unlock(self, by: str, reason: str) -> None:
        """An administrator lifted the login lockout (the throttle lives outside the events; this records who and
        why)."""

    @event("SessionsEnded")
    def end_sessions(self, by: str, reason: str) -> None:
        """Logout: every session of the user ends, on every device."""
        self.session_epoch += 1


class Role(Aggregate):
    """A custom role (A2): a named set of permissions, beside the built-in roles."""

    @staticmethod
    def create_id(name: str, **_: Any) -> UUID:
        return uuid5(NAMESPACE, f"role/{name}")

    @event("Registered")
    def __init__(self, name: str, name_zh: str, name_en: str, permissions: list[str], by: str) -> None:
        self.name, self.name_zh, self.name_en, self.permissions = name, name_zh, name_en, permissions

    @event("PermissionsChanged")
    def change_permissions(self, permissions: list[str], by: str, reason: str) -> None:
        self.permissions = permissions


class ApiClient(Aggregate):
    """A machine client (enterprise ERP, channel) calling the JSON API with an app id and a signed request."""

    @staticmethod
    def create_id(app_id: str, **_: Any) -> UUID:
        return uuid5(NAMESPACE, f"client/{app_id}")

    @event("Registered")
    def __init__(self, app_id: str, name: str, organisation: str, roles: list[str], secret_sealed: str,
                 registered_by: str) -> None:
        self.app_id, self.name, self.organisation, self.roles = app_id, name, organisation, roles
        self.secret_sealed, self.active = secret_sealed, True
        self.previous_sealed, self.previous_until = "", ""  # the secret before a rotation, and until when it works

    @event("Revoked")
    def revoke(self, by: str, reason: str = "") -> None:
        self.active = False

    @event("SecretRotated")
    def rotate_secret(self, secret_sealed: str, previous_until: datetime | None, by: str, reason: str) -> None:
        """A new secret; the old one keeps signing until previous_until (None: it stops at once), so the client's
        systems can switch without a gap."""
        self.previous_sealed = self.secret_sealed if previous_until is not None else ""
        self.previous_until = previous_until.isoformat() if previous_until is not None else ""
        self.secret_sealed = secret_sealed

    def sealed_secrets(self, now: datetime) -> list[str]:
        """The secrets a signed request may use now: the current one, and the previous within its overlap."""
        keep = self.previous_sealed and datetime.fromisoformat(self.previous_until) > now
        return [self.secret_sealed, self.previous_sealed] if keep else [self.secret_sealed]


class LogEntry(Aggregate):
    """One line of the system log (系统日志): a login, a command or an error (A4, A9)."""

    @staticmethod
    def create_id(**_: Any) -> UUID:
        return uuid4()

    @event("Recorded")
    def __init__(self, kind: str, actor: str, organisation: str, address: str, action: str, target: str,
                 outcome: str, details: dict[str, Any], at: datetime) -> None:
        self.kind, self.actor, self.organisation, self.address = kind, actor, organisation, address
        self.action, self.target, self.outcome, self.details, self.at = action, target, outcome, details, at
