"""权限管理 (A1-A6, A9): organisations, users, roles, enterprises, machine clients, logins and the system log."""

from __future__ import annotations

import re
import secrets
import string
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeGuard

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from eventsourcing.application import AggregateNotFoundError

from domain.identity import roles as role_rules
from domain.identity.model import KINDS, ApiClient, Enterprise, LogEntry, Organisation, Role, User
from domain.identity.roles import Principal
from domain.identity.rules import (
    check_enterprise_details,
    check_overlap_hours,
    check_password,
    check_reason,
    grantable_roles,
)
from domain.shared.rules import DeclarationRejected, FieldError
from engine import clock
from engine.identity.enterprises import Enterprises
from engine.identity.renewals import KeyRenewals
from engine.secrets_box import Sealer
from engine.store import EventStore
from projections.db import Database
from projections.identity.system_log import SystemLogView

# login throttling, see Identity.authenticate: failures of one user name from one address, and of one address
MAX_FAILURES, MAX_ADDRESS_FAILURES, WINDOW, LOCKOUT = 5, 20, 15 * 60, 15 * 60
LOGIN_REFUSED = ("用户名或密码错误", "wrong user name or password")
LOCKED = ("登录失败次数过多，账户已暂时锁定，请15分钟后再试", "too many failed logins: try again in 15 minutes")
THROTTLE = """CREATE TABLE IF NOT EXISTS login_throttle (
    scope VARCHAR(400) PRIMARY KEY, failures INTEGER NOT NULL, window_start DOUBLE PRECISION NOT NULL,
    locked_until DOUBLE PRECISION NOT NULL)"""
NONCES = """CREATE TABLE IF NOT EXISTS api_nonces (
    app_id VARCHAR(64) NOT NULL, nonce VARCHAR(128) NOT NULL, seen_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (app_id, nonce))"""


class LoginRefused(Exception):
    """The same message whether the user exists or not (no account enumeration)."""

    def __init__(self, message: tuple[str, str]):
        super().__init__(message[1])
        self.message_zh, self.message_en = message



Actor = str | Principal
"""Who acts: a Principal (a user or client of the consoles and API), bounded by what it holds itself; or a name
(str) for the platform itself (command line, demo, bootstrap), which holds everything."""


def _acting(by: Actor) -> tuple[str, Principal | None]:
    return (by.name, by) if isinstance(by, Principal) else (by, None)


def _reason_errors(reason: str, granter: Principal | None) -> list[FieldError]:
    """A person changing users, clients, organisations or enterprises says why (the platform itself, from the
    command line or the demo, may not)."""
    error = check_reason(reason) if granter is not None or reason else None
    return [error] if error else []


def acts_for(principal: Principal, enterprise: Enterprise) -> bool:
    """Whether a principal acts for an enterprise: it sees all, or the enterprise is its organisation's (registered
    for it, or assigned to it later, as the demo enterprises are)."""
    return principal.sees_all or enterprise.organisation == principal.organisation \
        or enterprise.code in principal.enterprise_codes


def temporary_password(username: str) -> str:
    """A random password that meets the policy, for an administrator's reset (shown once, changed at next login)."""
    while True:
        candidate = (secrets.token_urlsafe(9) + "-" + secrets.choice(string.ascii_uppercase)
                     + secrets.choice(string.digits) + secrets.choice(string.ascii_lowercase))
        if not check_password(candidate, username):
            return candidate


class Identity:
    def __init__(self, store: EventStore, db: Database, sealer: Sealer, enterprises: Enterprises,
                 log_view: SystemLogView, now: Callable[[], datetime] = clock.now,
                 timer: Callable[[], float] = time.time):
        self.store, self.db, self.sealer, self.now, self.timer = store, db, sealer, now, timer
        self.enterprises = enterprises  # 企业管理 (A5)
        self.log_view = log_view  # 系统日志 (A4)
        # 证书续期 (A5): over the key store the enterprises keep their keys in, once they have one
        self.renewals = KeyRenewals(store, lambda: getattr(self.enterprises, "keystore", None), lambda: self.now(),
                                    self.log)
        self.hasher = PasswordHasher()
        self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))
        self._create_throttle()
        self.db.execute(NONCES)

    # --- organisations and users (A1, A3) -------------------------------------------------------------

    def register_organisation(self, code: str, name: str, by: str) -> Organisation:
        if not code or not name:
            raise DeclarationRejected([FieldError("code", "required", "单位代码和名称为必填项",
                                                  "organisation code and name are required")])
        if self._get(Organisation.create_id(code)) is not None:
            raise DeclarationRejected([FieldError("code", "unique", f"单位代码 {code} 已存在", f"{code} exists")])
        organisation = Organisation(code=code, name=name, registered_by=by)
        self.store.save(organisation)
        return organisation

    def assign_enterprise(self, organisation_code: str, enterprise_code: str, by: str) -> None:
        organisation = self.organisation(organisation_code)
        organisation.assign_enterprise(enterprise_code=enterprise_code, by=by)
        self.store.save(organisation)

    def register_user(self, username: str, display_name: str, organisation: str, roles: list[str], password: str,
                      by: Actor) -> User:
        actor, granter = _acting(by)
        errors = check_password(password, username)
        if not username or self._get(User.create_id(username)) is not None:
            errors.insert(0, FieldError("username", "unique", "用户名为空或已被使用", "user name empty or taken"))
        errors += self._grant_errors(organisation, roles, granter)
        if errors:
            raise DeclarationRejected(errors)
        user = User(username=username, display_name=display_name or username, organisation=organisation, roles=roles,
                    password_hash=self.hasher.hash(password), registered_by=actor)
        self.store.save(user)
        return user

    def _grant_errors(self, organisation: str, roles: list[str], granter: Principal | None) -> list[FieldError]:
        """The organisation and roles given to a user or an API client exist, and the granter holds them."""
        errors = []
        if not organisation or self._get(Organisation.create_id(organisation)) is None:
            errors.append(FieldError("organisation", "unknown", f"单位 {organisation} 不存在",
                                     f"unknown organisation {organisation}", organisation))
        unknown = sorted(set(roles) - self.role_names())
        if unknown or not roles:
            errors.append(FieldError("roles", "unknown", f"未知角色或未选择角色 {unknown}",
                                     f"unknown roles or no role {unknown}"))
        if granter is not None:
            known = [r for r in roles if r not in unknown]
            errors += role_rules.check_grant(granter, organisation, role_rules.permissions_of(
                known, self._custom_permissions(known)), role_rules.sees_all(known))
        return errors

    def _manage_errors(self, user: User | None, username: str, granter: Principal | None) -> list[FieldError]:
        """A user is managed only by someone of its organisation (or who sees all) holding all it holds."""
        if user is None:
            return [FieldError("username", "unknown", f"用户 {username} 不存在", f"unknown user {username}", username)]
        if granter is None:
            return []
        held = role_rules.permissions_of(user.roles, self._custom_permissions(user.roles))
        if role_rules.check_grant(granter, user.organisation, held, role_rules.sees_all(user.roles)):
            return [FieldError("username", "manage_exceeds", "不能管理其他单位或权限超过自己的用户",
                               "you cannot manage a user of another organisation or with more rights than yours",
                               username)]
        return []

    def change_roles(self, username: str, roles: list[str], by: Actor, reason: str = "") -> None:
        """Other roles end the user's sessions: the next request logs in again with what the roles now allow."""
        actor, granter = _acting(by)
        user = self._get(User.create_id(username)) if username else None
        errors = self._manage_errors(user, username, granter) + _reason_errors(reason, granter)
        if user is not None:
            errors += self._grant_errors(user.organisation, roles, granter)
        if errors or user is None:
            raise DeclarationRejected(errors)
        before = list(user.roles)
        user.change_roles(roles=roles, by=actor, reason=reason[:200])
        self.store.save(user)
        self._record(actor, "user.roles", username, user.organisation, reason, {"roles": roles, "before": before})

    def _managed_user(self, username: str, granter: Principal | None, reason: str, itself: bool = True) -> User:
        """The user a command is about, once the actor may manage it and gave a reason; itself=False refuses the
        actor's own account (nobody disables or resets themselves out of the platform)."""
        user = self._get(User.create_id(username)) if username else None
        errors = self._manage_errors(user, username, granter) + _reason_errors(reason, granter)
        if not itself and granter is not None and user is not None and user.username == granter.name:
            errors.append(FieldError("username", "not_yourself", "不能对自己的账户执行此操作",
                                     "you cannot do this to your own account", username))
        if errors or user is None:
            raise DeclarationRejected(errors)
        return user

    def deactivate_user(self, username: str, by: Actor, reason: str = "") -> None:
        """A deactivated user cannot log in, and its sessions end at once."""
        actor, granter = _acting(by)
        user = self._managed_user(username, granter, reason, itself=False)
        if user.active:
            user.deactivate(by=actor, reason=reason[:200])
            self.store.save(user)
            self._record(actor, "user.disable", user.username, user.organisation, reason)

    def reactivate_user(self, username: str, by: Actor, reason: str = "") -> None:
        """A deactivated user may log in again (with its password as it was)."""
        actor, granter = _acting(by)
        user = self._managed_user(username, granter, reason)
        if not user.active:
            user.reactivate(by=actor, reason=reason[:200])
            self.store.save(user)
            self._record(actor, "user.enable", user.username, user.organisation, reason)

    def reset_password(self, username: str, by: Actor, reason: str = "") -> str:
        """A temporary password, returned once (only its hash is kept): the user's sessions end and the next login
        must choose a new password before anything else."""
        actor, granter = _acting(by)
        user = self._managed_user(username, granter, reason, itself=False)
        password = temporary_password(user.username)
        user.reset_password(password_hash=self.hasher.hash(password), by=actor, reason=reason[:200])
        self.store.save(user)
        self._record(actor, "user.reset_password", user.username, user.organisation, reason)
        return password

    def unlock_user(self, username: str, by: Actor, reason: str = "") -> None:
        """Lift the login lockout of a user name from every address (see authenticate); a lock of an address as a
        whole (password spraying) stays."""
        actor, granter = _acting(by)
        user = self._managed_user(username, granter, reason)
        prefix = f"user:{user.username.lower()[:100]}@"
        self.db.execute("DELETE FROM login_throttle WHERE substr(scope, 1, ?) = ?", (len(prefix), prefix))
        user.unlock(by=actor, reason=reason[:200])
        self.store.save(user)
        self._record(actor, "user.unlock", user.username, user.organisation, reason)

    def locked_users(self) -> set[str]:
        """User names locked out of logging in from at least one address right now."""
        rows = self.db.query("SELECT scope FROM login_throttle WHERE locked_until > ?", (self.timer(),))
        return {row["scope"][5:].rsplit("@", 1)[0] for row in rows if row["scope"].startswith("user:")}

    def must_change_password(self, username: str) -> bool:
        user = self._get(User.create_id(username)) if username else None
        return bool(user is not None and getattr(user, "must_change_password", False))

    def grantable_roles(self, granter: Principal, organisation: str | None = None) -> list[str]:
        """The roles this granter may give (in its own organisation unless one is named): the role picker."""
        names = sorted(self.role_names(), key=lambda r: (r not in role_rules.BUILTIN_ROLES, r))
        held = {r: (role_rules.permissions_of([r], self._custom_permissions([r])), role_rules.sees_all([r]))
                for r in names}
        return grantable_roles(granter, organisation or granter.organisation, held)

    def may_manage(self, granter: Principal, user: User) -> bool:
        """Whether the consoles offer this user's actions to the granter."""
        return not self._manage_errors(user, user.username, granter)

    def end_sessions(self, username: str, by: str, reason: str = "logout") -> None:
        """Logout: every session of the user ends (its cookies carry an epoch that no longer matches)."""
        user = self._get(User.create_id(username)) if username else None
        if user is not None:
            user.end_sessions(by=by, reason=reason)
            self.store.save(user)

    def session_epoch(self, username: str) -> int:
        user = self._get(User.create_id(username)) if username else None
        return getattr(user, "session_epoch", 0) if user is not None else -1

    def session_principal(self, username: str, epoch: Any) -> Principal | None:
        """The principal of a session, only while the session's epoch is the user's (see User)."""
        user = self._get(User.create_id(username)) if username else None
        if user is None or not isinstance(epoch, int) or getattr(user, "session_epoch", 0) != epoch:
            return None
        principal = self.principal(user.username)
        if principal is not None and getattr(user, "must_change_password", False):
            # a temporary password from an administrator: nothing but the user's own session (change the password,
            # log out) until a password of their own replaces it
            return Principal(name=principal.name, organisation=principal.organisation, roles=principal.roles,
                             permissions=frozenset(), kind=principal.kind)
        return principal

    def change_password(self, username: str, new_password: str, by: str) -> None:
        errors = check_password(new_password, username)
        if errors:
            raise DeclarationRejected(errors)
        user = self.user(username)
        user.change_password(password_hash=self.hasher.hash(new_password), by=by)
        self.store.save(user)

    # --- custom roles (A2) ------------------------------------------------------------------------------

    def define_role(self, name: str, name_zh: str, name_en: str, permissions: list[str], by: Actor) -> Role:
        actor, granter = _acting(by)
        errors = []
        if not re.fullmatch(r"[a-z][a-z0-9_]{2,40}", name or "") or name in role_rules.BUILTIN_ROLES:
            errors.append(FieldError("name", "role_name",
                                     "角色标识应为3-41位小写字母、数字或下划线，且不与内置角色重名",
                                     "a role name has 3-41 lower-case letters, digits or _ and is not built in"))
        elif self._get(Role.create_id(name)) is not None:
            errors.append(FieldError("name", "unique", f"角色 {name} 已存在", f"role {name} exists"))
        unknown = sorted(set(permissions) - set(role_rules.PERMISSIONS))
        if unknown or not permissions:
            errors.append(FieldError("permissions", "unknown", f"未知或空的权限 {unknown}",
                                     f"unknown or no permissions {unknown}"))
        if granter is not None:  # a custom role never sees every organisation
            errors += role_rules.check_grant(granter, granter.organisation, permissions, False, field="permissions")
        if errors:
            raise DeclarationRejected(errors)
        role = Role(name=name, name_zh=name_zh or name, name_en=name_en or name, permissions=sorted(permissions),
                    by=actor)
        self.store.save(role)
        return role

    def roles(self) -> list[Role]:
        return self.store.all_of(Role)

    def role_names(self) -> set[str]:
        return set(role_rules.BUILTIN_ROLES) | {r.name for r in self.roles()}

    def _custom_permissions(self, roles: list[str]) -> dict[str, frozenset[str]]:
        custom = [self._get(Role.create_id(r)) for r in roles if r not in role_rules.BUILTIN_ROLES]
        return {r.name: frozenset(r.permissions) for r in custom if r is not None}

    def organisation(self, code: str) -> Organisation:
        return self.store.repository.get(Organisation.create_id(code))

    def user(self, username: str) -> User:
        return self.store.repository.get(User.create_id(username))

    def organisations(self) -> list[Organisation]:
        return self.store.all_of(Organisation)

    def users(self) -> list[User]:
        return self.store.all_of(User)

    def clients(self) -> list[ApiClient]:
        return self.store.all_of(ApiClient)

    def _get(self, aggregate_id: Any) -> Any:
        try:
            return self.store.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    # --- logging in (A3, A9) ----------------------------------------------------------------------------

    def authenticate(self, username: str, password: str, address: str) -> Principal:
        """A principal for a right password; LoginRefused otherwise, with lockout after repeated failures.

        Throttling policy (issue #16 item 16), two counters in a window of WINDOW seconds:
        - a user name from one client address: MAX_FAILURES failures lock that name *from that address* for
          LOCKOUT seconds (the right password is refused too). Nobody can lock a user out from another address:
          the right user logs in from their own address while an attacker's address is locked.
        - one client address: MAX_ADDRESS_FAILURES failures, whatever the names, block every login from that
          address for LOCKOUT seconds (password spraying over many names). A success does not reset this counter,
          so an attacker cannot clear it by logging in to an account of their own.
        Guessing one account from many addresses is bounded by MAX_FAILURES per address per window and the Argon2
        cost of each attempt. Attempts refused while locked are not verified and do not extend the lock, so every
        lock ends LOCKOUT seconds after the failure that set it. Behind a reverse proxy, the address must be the
        client's (uvicorn --proxy-headers with the proxy in --forwarded-allow-ips), or every user shares one."""
        key = username.strip().lower()[:100]
        pair, source = f"user:{key}@{address[:200]}", f"address:{address[:200]}"
        if self._locked(pair) or self._locked(source):
            self.log("login", username, "", address, "login", "", "locked")
            raise LoginRefused(LOCKED)
        user = self._get(User.create_id(key)) if key else None
        if not self._password_matches(user, password):
            locked = self._count_failure(pair, MAX_FAILURES)
            locked = self._count_failure(source, MAX_ADDRESS_FAILURES) or locked
            self.log("login", username, "", address, "login", "", "failed")
            raise LoginRefused(LOCKED if locked else LOGIN_REFUSED)
        self.db.execute("DELETE FROM login_throttle WHERE scope = ?", (pair,))
        principal = self.principal(user.username)
        self.log("login", user.username, user.organisation, address, "login", "", "ok")
        return principal  # type: ignore[return-value]

    def _password_matches(self, user: User | None, password: str) -> TypeGuard[User]:
        """True only for an active user whose password this is (then `user` is a User)."""
        try:  # an unknown user costs the same hashing time as a known one
            return self.hasher.verify(user.password_hash if user and user.active else self._dummy_hash, password) \
                and user is not None and user.active
        except (VerificationError, InvalidHashError):
            return False

    def _create_throttle(self) -> None:
        """login_throttle, keyed by scope since #16 (it was keyed by user name): an older table holds nothing
        but running lockouts and is replaced."""
        self.db.execute(THROTTLE)
        try:
            self.db.query("SELECT scope FROM login_throttle WHERE 1 = 0")
        except Exception:  # no such column: sqlite3.OperationalError or psycopg.errors.UndefinedColumn
            self.db.execute("DROP TABLE login_throttle")
            self.db.execute(THROTTLE)

    def _locked(self, scope: str) -> bool:
        rows = self.db.query("SELECT locked_until FROM login_throttle WHERE scope = ?", (scope,))
        return bool(rows) and rows[0]["locked_until"] > self.timer()

    def _count_failure(self, scope: str, limit: int) -> bool:
        """Count one failure of a scope in its window; True when this failure locks it."""
        now = self.timer()
        rows = self.db.query("SELECT failures, window_start FROM login_throttle WHERE scope = ?", (scope,))
        failures = rows[0]["failures"] + 1 if rows and now - rows[0]["window_start"] < WINDOW else 1
        start = rows[0]["window_start"] if rows and failures > 1 else now
        locked_until = now + LOCKOUT if failures >= limit else 0
        self.db.execute("INSERT INTO login_throttle (scope, failures, window_start, locked_until) "
                        "VALUES (?, ?, ?, ?) ON CONFLICT (scope) DO UPDATE SET failures = excluded.failures, "
                        "window_start = excluded.window_start, locked_until = excluded.locked_until",
                        (scope, failures, start, locked_until))
        return locked_until > 0

    def principal(self, username: str) -> Principal | None:
        """The acting principal of a user, rebuilt from the current state (a role removed takes effect at once)."""
        user = self._get(User.create_id(username))
        if user is None or not user.active:
            return None
        return self._principal(user.username, user.organisation, user.roles, "user")

    def _principal(self, name: str, organisation: str, roles: list[str], kind: str) -> Principal:
        org = self._get(Organisation.create_id(organisation))
        return Principal(name=name, organisation=organisation, roles=tuple(roles),
                         permissions=role_rules.permissions_of(roles, self._custom_permissions(roles)),
                         enterprise_codes=frozenset(org.enterprise_codes if org else ()),
                         sees_all=role_rules.sees_all(roles), kind=kind)

    # --- machine clients (A6) ---------------------------------------------------------------------------

    def register_client(self, name: str, organisation: str, roles: list[str], by: Actor) -> tuple[str, str]:
        """A new app id and secret; the secret is shown once and stored sealed. Only for a known organisation,
        with known roles, and (for a principal) what the granter holds itself."""
        actor, granter = _acting(by)
        errors = [] if name and len(name) <= 100 else [FieldError(
            "name", "required", "客户端名称为必填项（最多100字）", "a client name is required (100 at most)")]
        errors += self._grant_errors(organisation, roles, granter)
        if errors:
            raise DeclarationRejected(errors)
        app_id, secret = "app_" + secrets.token_hex(8), secrets.token_urlsafe(32)
        self.store.save(ApiClient(app_id=app_id, name=name, organisation=organisation, roles=roles,
                                  secret_sealed=self.sealer.seal(secret), registered_by=actor))
        return app_id, secret

    # --- enterprises (A5) -------------------------------------------------------------------------------

    def register_enterprise(self, code: str, name: str, kinds: list[str], dxp_id: str, algorithm: str, uscc: str,
                            organisation: str, key_files: tuple[bytes, bytes] | None, by: Actor) -> None:
        """Register an enterprise with an uploaded key and certificate (key_files) or a generated test key, and
        give it to its organisation. Every field is checked before any file is written (Enterprises.enroll)."""
        actor, granter = _acting(by)
        errors = []
        if organisation and self._get(Organisation.create_id(organisation)) is None:
            errors.append(FieldError("organisation", "unknown", f"单位 {organisation} 不存在",
                                     f"unknown organisation {organisation}", organisation))
        if granter is not None:
            errors += role_rules.check_grant(granter, organisation, (), False)
        self.enterprises.enroll(code, name, kinds, dxp_id, algorithm, uscc, organisation, key_files, errors)
        if organisation:
            self.assign_enterprise(organisation, code, actor)

    def _managed_client(self, app_id: str, granter: Principal | None, reason: str) -> ApiClient:
        """A client is managed only by someone acting for its organisation and holding what it holds, with a
        reason."""
        client = self._get(ApiClient.create_id(app_id)) if app_id else None
        if client is None:
            raise DeclarationRejected([FieldError("app_id", "unknown", f"接口客户端 {app_id} 不存在",
                                                  f"unknown API client {app_id}", app_id[:64])])
        if not self.may_manage_client(granter, client):
            raise DeclarationRejected([FieldError(
                "app_id", "manage_exceeds", "不能管理其他单位或权限超过自己的接口客户端",
                "you cannot manage a client of another organisation or with more rights than yours", app_id[:64])])
        errors = _reason_errors(reason, granter)
        if errors:
            raise DeclarationRejected(errors)
        return client

    def may_manage_client(self, granter: Principal | None, client: ApiClient) -> bool:
        held = role_rules.permissions_of(client.roles, self._custom_permissions(client.roles))
        return granter is None or not role_rules.check_grant(granter, client.organisation, held,
                                                             role_rules.sees_all(client.roles))

    def revoke_client(self, app_id: str, by: Actor, reason: str = "") -> None:
        """A revoked client's signed requests are refused from then on; a principal revokes only the clients of
        an organisation it acts for, holding what the client holds."""
        actor, granter = _acting(by)
        client = self._managed_client(app_id, granter, reason)
        if client.active:
            client.revoke(by=actor, reason=reason[:200])
            self.store.save(client)
            self._record(actor, "client.revoke", app_id, client.organisation, reason)

    def rotate_client_secret(self, app_id: str, overlap_hours: str | int, by: Actor, reason: str = "") -> tuple[
            str, str]:
        """A new secret, returned once; the old one keeps working for overlap_hours (0: stops at once) on the
        platform clock, so the client's systems switch without a gap."""
        actor, granter = _acting(by)
        hours, error = check_overlap_hours(str(overlap_hours))
        client = self._managed_client(app_id, granter, reason)
        if error or not client.active:
            raise DeclarationRejected([error] if error else [FieldError(
                "app_id", "revoked", f"接口客户端 {app_id} 已吊销", f"API client {app_id} is revoked", app_id[:64])])
        secret = secrets.token_urlsafe(32)
        until = self.now() + timedelta(hours=hours) if hours else None
        client.rotate_secret(secret_sealed=self.sealer.seal(secret), previous_until=until, by=actor,
                             reason=reason[:200])
        self.store.save(client)
        self._record(actor, "client.rotate_secret", app_id, client.organisation, reason,
                     {"overlap_hours": hours, "previous_until": until.isoformat() if until else ""})
        return app_id, secret

    def client(self, app_id: str) -> tuple[Principal, str] | None:
        """The principal of an active client and its current secret."""
        found = self.client_secrets(app_id)
        return (found[0], found[1][0]) if found else None

    def client_secrets(self, app_id: str) -> tuple[Principal, list[str]] | None:
        """The principal of an active client and every secret a signed request may use now: the current one and,
        within the overlap of a rotation, the previous one (see ui/security.py _from_signature)."""
        client = self._get(ApiClient.create_id(app_id)) if app_id else None
        if client is None or not client.active:
            return None
        principal = self._principal(app_id, client.organisation, client.roles, "client")
        return principal, [self.sealer.open(sealed) for sealed in client.sealed_secrets(self.now())]

    # --- editing organisations and enterprises (A1, A5) ----------------------------------------------------

    def edit_organisation(self, code: str, name: str, contact: str, by: Actor, reason: str = "") -> None:
        """A new name or contact; only who acts for the organisation (or sees all) may."""
        actor, granter = _acting(by)
        organisation = self._get(Organisation.create_id(code)) if code else None
        if organisation is None:
            raise DeclarationRejected([FieldError("code", "unknown", f"单位 {code} 不存在",
                                                  f"unknown organisation {code}", code[:60])])
        errors = role_rules.check_grant(granter, code, (), False) if granter is not None else []
        errors += _reason_errors(reason, granter)
        if not name.strip() or len(name) > 100:
            errors.append(FieldError("name", "required", "单位名称为必填项（最多100字）",
                                     "a name is required (100 at most)"))
        if len(contact) > 200:
            errors.append(FieldError("contact", "contact_length", "联系方式最多200字", "the contact has 200 characters "
                                     "at most", contact[:40]))
        if errors:
            raise DeclarationRejected(errors)
        before = {"name": organisation.name, "contact": getattr(organisation, "contact", "")}
        organisation.edit(name=name.strip(), contact=contact.strip(), by=actor, reason=reason[:200])
        self.store.save(organisation)
        self._record(actor, "organisation.edit", code, code, reason, {"before": before,
                                                                      "name": name.strip(), "contact": contact.strip()})

    def managed_enterprise(self, code: str, granter: Principal | None) -> Enterprise:
        """An enterprise the actor acts for (its organisation's, or any for who sees all)."""
        enterprise = self.enterprises.get(code) if code else None
        if enterprise is None:
            raise DeclarationRejected([FieldError("code", "unknown", f"企业 {code} 不存在",
                                                  f"unknown enterprise {code}", code[:20])])
        if granter is not None and not acts_for(granter, enterprise):
            raise DeclarationRejected([FieldError("code", "manage_exceeds", "不能管理其他单位的企业",
                                                  "you cannot manage an enterprise of another organisation",
                                                  code[:20])])
        return enterprise

    def edit_enterprise(self, code: str, name: str, kinds: list[str], dxp_id: str, uscc: str, by: Actor,
                        reason: str = "") -> None:
        """New registration details; the code (the customs identity) and the signing key are not edited here."""
        actor, granter = _acting(by)
        enterprise = self.managed_enterprise(code, granter)
        errors = check_enterprise_details(name, kinds, uscc, dxp_id, KINDS) + _reason_errors(reason, granter)
        if errors:
            raise DeclarationRejected(errors)
        before = {"name": enterprise.name, "kinds": enterprise.kinds, "dxp_id": enterprise.dxp_id,
                  "uscc": enterprise.uscc}
        enterprise.edit(name=name.strip(), kinds=kinds, dxp_id=dxp_id, uscc=uscc, by=actor, reason=reason[:200])
        self.store.save(enterprise)
        self._record(actor, "enterprise.edit", code, enterprise.organisation, reason,
                     {"before": before, "name": name.strip(), "kinds": kinds, "dxp_id": dxp_id, "uscc": uscc})

    def renew_certificate(self, code: str, overlap_hours: str | int, by: Actor, reason: str = "",
                          key_files: tuple[bytes, bytes] | None = None) -> Any:
        """A new signing key (generated, or key_files = a CA-issued key and certificate) that takes over after
        overlap_hours; the current key signs until then (see engine/identity/renewals.py)."""
        actor, granter = _acting(by)
        enterprise = self.managed_enterprise(code, granter)
        errors = _reason_errors(reason, granter)
        if errors:
            raise DeclarationRejected(errors)
        return self.renewals.renew(enterprise, overlap_hours, actor, reason, key_files)

    def history(self, aggregate_id: Any) -> list[dict[str, Any]]:
        """The events of a user, client, organisation or enterprise, oldest first: what changed, when, who and why
        (secrets and hashes left out)."""
        hidden = {"password_hash", "secret_sealed", "originator_id", "originator_version", "timestamp", "signing"}
        return [{"event": type(e).__name__, "at": getattr(e, "timestamp", None), "by": getattr(e, "by", "") or getattr(
            e, "registered_by", ""), "reason": getattr(e, "reason", ""),
                 "changes": {k: v for k, v in vars(e).items() if k not in hidden | {"by", "reason", "registered_by"}}}
                for e in self.store.events.get(aggregate_id)]

    def _record(self, actor: str, action: str, target: str, organisation: str, reason: str,
                details: dict[str, Any] | None = None) -> None:
        """系统日志: an administrator's change, with who and why, under the organisation it concerns (so that
        organisation's administrators see what was done to their users)."""
        self.log("command", actor, organisation, "", action, target, "ok", {"reason": reason[:200], **(details or {})})

    def use_nonce(self, app_id: str, nonce: str, max_age: float) -> bool:
        """False when this nonce was seen before (a replay); old nonces are forgotten after max_age."""
        now = self.timer()
        self.db.execute("DELETE FROM api_nonces WHERE seen_at < ?", (now - max_age,))
        try:
            self.db.execute("INSERT INTO api_nonces (app_id, nonce, seen_at) VALUES (?, ?, ?)", (app_id, nonce, now))
        except Exception:  # the unique key refused it: sqlite3.IntegrityError or psycopg.errors.UniqueViolation
            return False
        return True

    # --- system log (A4) -------------------------------------------------------------------------------

    def log(self, kind: str, actor: str, organisation: str, address: str, action: str, target: str, outcome: str,
            details: dict[str, Any] | None = None) -> None:
        self.store.save(LogEntry(kind=kind, actor=actor[:100], organisation=organisation, address=address,
                                 action=action[:200], target=target[:200], outcome=outcome, details=details or {},
                                 at=self.now()))
