"""Identity rules: codes of enterprises and the password policy. Pure functions, messages in zh and en."""

from __future__ import annotations

import re

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
