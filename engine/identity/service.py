"""权限管理 (A1-A6, A9): organisations, users, roles, enterprises, machine clients, logins and the system log."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeGuard

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from eventsourcing.application import AggregateNotFoundError

from domain.identity import roles as role_rules
from domain.identity.model import ApiClient, LogEntry, Organisation, Role, User
from domain.identity.roles import Principal
from domain.identity.rules import check_password
from domain.shared.rules import DeclarationRejected, FieldError
from engine import clock
from engine.identity.enterprises import Enterprises
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


class Identity:
    def __init__(self, store: EventStore, db: Database, sealer: Sealer, enterprises: Enterprises,
                 log_view: SystemLogView, now: Callable[[], datetime] = clock.now,
                 timer: Callable[[], float] = time.time):
        self.store, self.db, self.sealer, self.now, self.timer = store, db, sealer, now, timer
        self.enterprises = enterprises  # 企业管理 (A5)
        self.log_view = log_view  # 系统日志 (A4)
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

    def change_roles(self, username: str, roles: list[str], by: Actor) -> None:
        """Other roles end the user's sessions: the next request logs in again with what the roles now allow."""
        actor, granter = _acting(by)
        user = self._get(User.create_id(username)) if username else None
        errors = self._manage_errors(user, username, granter)
        if user is not None:
            errors += self._grant_errors(user.organisation, roles, granter)
        if errors or user is None:
            raise DeclarationRejected(errors)
        user.change_roles(roles=roles, by=actor)
        self.store.save(user)

    def deactivate_user(self, username: str, by: Actor, reason: str = "") -> None:
        """A deactivated user cannot log in, and its sessions end."""
        actor, granter = _acting(by)
        user = self._get(User.create_id(username)) if username else None
        errors = self._manage_errors(user, username, granter)
        if errors or user is None:
            raise DeclarationRejected(errors)
        if user.active:
            user.deactivate(by=actor, reason=reason[:200])
            self.store.save(user)

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
        return self.principal(user.username)

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

    def revoke_client(self, app_id: str, by: Actor) -> None:
        """A revoked client's signed requests are refused from then on; a principal revokes only the clients of
        an organisation it acts for, holding what the client holds."""
        actor, granter = _acting(by)
        client = self._get(ApiClient.create_id(app_id)) if app_id else None
        if client is None:
            raise DeclarationRejected([FieldError("app_id", "unknown", f"接口客户端 {app_id} 不存在",
                                                  f"unknown API client {app_id}", app_id[:64])])
        held = role_rules.permissions_of(client.roles, self._custom_permissions(client.roles))
        if granter is not None and role_rules.check_grant(granter, client.organisation, held,
                                                          role_rules.sees_all(client.roles)):
            raise DeclarationRejected([FieldError(
                "app_id", "manage_exceeds", "不能管理其他单位或权限超过自己的接口客户端",
                "you cannot manage a client of another organisation or with more rights than yours", app_id[:64])])
        if client.active:
            client.revoke(by=actor)
            self.store.save(client)

    def client(self, app_id: str) -> tuple[Principal, str] | None:
        client = self._get(ApiClient.create_id(app_id)) if app_id else None
        if client is None or not client.active:
            return None
        principal = self._principal(app_id, client.organisation, client.roles, "client")
        return principal, self.sealer.open(client.secret_sealed)

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
