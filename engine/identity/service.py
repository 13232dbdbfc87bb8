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

MAX_FAILURES, WINDOW, LOCKOUT = 5, 15 * 60, 15 * 60
LOGIN_REFUSED = ("用户名或密码错误", "wrong user name or password")
LOCKED = ("登录失败次数过多，账户已暂时锁定，请15分钟后再试", "too many failed logins: try again in 15 minutes")
THROTTLE = """CREATE TABLE IF NOT EXISTS login_throttle (
    username VARCHAR(100) PRIMARY KEY, failures INTEGER NOT NULL, window_start DOUBLE PRECISION NOT NULL,
    locked_until DOUBLE PRECISION NOT NULL)"""
NONCES = """CREATE TABLE IF NOT EXISTS api_nonces (
    app_id VARCHAR(64) NOT NULL, nonce VARCHAR(128) NOT NULL, seen_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (app_id, nonce))"""


class LoginRefused(Exception):
    """The same message whether the user exists or not (no account enumeration)."""

    def __init__(self, message: tuple[str, str]):
        super().__init__(message[1])
        self.message_zh, self.message_en = message



class Identity:
    def __init__(self, store: EventStore, db: Database, sealer: Sealer, enterprises: Enterprises,
                 log_view: SystemLogView, now: Callable[[], datetime] = clock.now,
                 timer: Callable[[], float] = time.time):
        self.store, self.db, self.sealer, self.now, self.timer = store, db, sealer, now, timer
        self.enterprises = enterprises  # 企业管理 (A5)
        self.log_view = log_view  # 系统日志 (A4)
        self.hasher = PasswordHasher()
        self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))
        self.db.execute(THROTTLE)
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
                      by: str) -> User:
        errors = check_password(password, username)
        if not username or self._get(User.create_id(username)) is not None:
            errors.insert(0, FieldError("username", "unique", "用户名为空或已被使用", "user name empty or taken"))
        if self._get(Organisation.create_id(organisation)) is None:
            errors.append(FieldError("organisation", "unknown", f"单位 {organisation} 不存在", "unknown organisation"))
        unknown = [r for r in roles if r not in self.role_names()]
        if unknown or not roles:
            errors.append(FieldError("roles", "unknown", f"未知角色 {unknown}", f"unknown roles {unknown}"))
        if errors:
            raise DeclarationRejected(errors)
        user = User(username=username, display_name=display_name or username, organisation=organisation, roles=roles,
                    password_hash=self.hasher.hash(password), registered_by=by)
        self.store.save(user)
        return user

    def change_password(self, username: str, new_password: str, by: str) -> None:
        errors = check_password(new_password, username)
        if errors:
            raise DeclarationRejected(errors)
        user = self.user(username)
        user.change_password(password_hash=self.hasher.hash(new_password), by=by)
        self.store.save(user)

    # --- custom roles (A2) ------------------------------------------------------------------------------

    def define_role(self, name: str, name_zh: str, name_en: str, permissions: list[str], by: str) -> Role:
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
        if errors:
            raise DeclarationRejected(errors)
        role = Role(name=name, name_zh=name_zh or name, name_en=name_en or name, permissions=sorted(permissions),
                    by=by)
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
        """A principal for a right password; LoginRefused otherwise, with lockout after repeated failures."""
        key = username.strip().lower()[:100]
        if self._locked(key):
            self.log("login", username, "", address, "login", "", "locked")
            raise LoginRefused(LOCKED)
        user = self._get(User.create_id(key)) if key else None
        if not self._password_matches(user, password):
            locked = self._count_failure(key)
            self.log("login", username, "", address, "login", "", "failed")
            raise LoginRefused(LOCKED if locked else LOGIN_REFUSED)
        self.db.execute("DELETE FROM login_throttle WHERE username = ?", (key,))
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

    def _locked(self, key: str) -> bool:
        rows = self.db.query("SELECT locked_until FROM login_throttle WHERE username = ?", (key,))
        return bool(rows) and rows[0]["locked_until"] > self.timer()

    def _count_failure(self, key: str) -> bool:
        now = self.timer()
        rows = self.db.query("SELECT failures, window_start FROM login_throttle WHERE username = ?", (key,))
        failures = rows[0]["failures"] + 1 if rows and now - rows[0]["window_start"] < WINDOW else 1
        start = rows[0]["window_start"] if rows and failures > 1 else now
        locked_until = now + LOCKOUT if failures >= MAX_FAILURES else 0
        self.db.execute("INSERT INTO login_throttle (username, failures, window_start, locked_until) "
                        "VALUES (?, ?, ?, ?) ON CONFLICT (username) DO UPDATE SET failures = excluded.failures, "
                        "window_start = excluded.window_start, locked_until = excluded.locked_until",
                        (key, failures, start, locked_until))
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

    def register_client(self, name: str, organisation: str, roles: list[str], by: str) -> tuple[str, str]:
        """A new app id and secret; the secret is shown once and stored sealed."""
        app_id, secret = "app_" + secrets.token_hex(8), secrets.token_urlsafe(32)
        self.store.save(ApiClient(app_id=app_id, name=name, organisation=organisation, roles=roles,
                                  secret_sealed=self.sealer.seal(secret), registered_by=by))
        return app_id, secret

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
