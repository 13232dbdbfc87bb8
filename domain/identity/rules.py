"""Identity rules: codes of enterprises and the password policy. Pure functions, messages in zh and en."""

from __future__ import annotations

import re
from collections.abc import Mapping

from domain.identity.roles import Principal, check_grant
from domain.shared.rules import FieldError

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
CUSTOMS_CODE = re.compile(r"[0-9A-Z]{10}")
MIN_PASSWORD = 10


def uscc_check_digit(first17: str) -> str:
    """统一社会信用代码 check character (GB 32100-2015): weighted sum modulo 31."""
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def check_uscc(value: str, field: str = "uscc") -> FieldError | None:
    if len(value) != 18 or any(c not in USCC_CHARS for c in value):
        return FieldError(field, "uscc_format", "统一社会信用代码应为18位数字或大写字母（不含I、O、S、V、Z）",
                          "the unified social credit code has 18 digits or capitals (no I, O, S, V, Z)", value)
    if uscc_check_digit(value[:17]) != value[17]:
        return FieldError(field, "uscc_check_digit", f"统一社会信用代码校验位错误，应为 {uscc_check_digit(value[:17])}",
                          f"wrong check character: expected {uscc_check_digit(value[:17])}", value)
    return None


def check_customs_code(value: str, field: str = "code") -> FieldError | None:
    """海关注册编码: 10 characters, digits and capitals."""
    if CUSTOMS_CODE.fullmatch(value or ""):
        return None
    return FieldError(field, "customs_code", "海关注册编码应为10位数字或大写字母",
                      "the customs code has 10 digits or capitals", value or "")


def check_password(password: str, username: str) -> list[FieldError]:
    """At least 10 characters, three of: lower case, upper case, digits, symbols; not the user name."""
    errors = []
    if len(password) < MIN_PASSWORD:
        errors.append(FieldError("password", "password_length", f"密码至少{MIN_PASSWORD}位",
                                 f"the password needs at least {MIN_PASSWORD} characters"))
    classes = sum(bool(re.search(p, password)) for p in (r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z0-9]"))
    if classes < 3:
        errors.append(FieldError("password", "password_classes", "密码需包含小写字母、大写字母、数字、符号中的至少三类",
                                 "use at least three of: lower case, upper case, digits, symbols"))
    if username and username.lower() in password.lower():
        errors.append(FieldError("password", "password_username", "密码不能包含用户名",
                                 "the password must not contain the user name"))
    return errors


MAX_REASON = 200
MAX_OVERLAP_HOURS = 24 * 90


def check_reason(reason: str, field: str = "reason") -> FieldError | None:
    """Every change of a user, client, organisation or enterprise says why: the history and the system log keep
    it, and an auditor reads it later."""
    if not reason.strip():
        return FieldError(field, "reason_required", "请填写原因", "give a reason")
    if len(reason) > MAX_REASON:
        return FieldError(field, "reason_length", f"原因最多{MAX_REASON}字", f"the reason has {MAX_REASON} "
                          "characters at most", reason[:40])
    return None


def check_new_password(new: str, current: str, username: str) -> list[FieldError]:
    """The password policy, and a new password is not the one it replaces (a temporary password from an
    administrator must really be replaced)."""
    errors = check_password(new, username)
    if new and new == current:
        errors.append(FieldError("new", "password_unchanged", "新密码不能与当前密码相同",
                                 "the new password must differ from the current one"))
    return errors


def check_overlap_hours(value: str, field: str = "overlap_hours") -> tuple[int, FieldError | None]:
    """Hours the old secret or key keeps working beside the new one: a whole number from 0 (stops at once) to
    MAX_OVERLAP_HOURS."""
    text = (value or "0").strip()
    if not text.isdigit() or int(text) > MAX_OVERLAP_HOURS:
        return 0, FieldError(field, "overlap_hours", f"重叠期应为0到{MAX_OVERLAP_HOURS}之间的整数小时",
                             f"the overlap is a whole number of hours from 0 to {MAX_OVERLAP_HOURS}", text[:20])
    return int(text), None


def check_enterprise_details(name: str, kinds: list[str], uscc: str, dxp_id: str,
                             known_kinds: tuple[str, ...]) -> list[FieldError]:
    """What an edited enterprise must satisfy (A5): a name, known kinds, a valid USCC when given, a DXP id that
    fits the message header."""
    errors = [e for e in (check_uscc(uscc) if uscc else None,) if e]
    if not name.strip() or len(name) > 100:
        errors.append(FieldError("name", "required", "企业名称为必填项（最多100字）", "name is required (100 at most)"))
    if not kinds or set(kinds) - set(known_kinds):
        errors.append(FieldError("kinds", "kinds", f"企业类型应为 {', '.join(known_kinds)}",
                                 f"kinds are {', '.join(known_kinds)}"))
    if len(dxp_id) > 30 or not re.fullmatch(r"[0-9A-Za-z]*", dxp_id):
        errors.append(FieldError("dxp_id", "dxp_id", "DXP编号最多30位字母或数字",
                                 "the DXP id has 30 letters or digits at most", dxp_id[:40]))
    return errors


def grantable_roles(granter: Principal, organisation: str,
                    roles: Mapping[str, tuple[frozenset[str], bool]]) -> list[str]:
    """The roles (name: permissions, sees every organisation) a granter may give in an organisation: what a role
    picker offers, so it never offers what the service would refuse (an enterprise administrator is never offered
    平台管理员)."""
    return [name for name, (permissions, every) in roles.items()
            if not check_grant(granter, organisation, permissions, every)]
