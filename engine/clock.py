"""Time for the engine: customs formats use Asia/Shanghai."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    return datetime.now(SHANGHAI)


def customs_time(moment: datetime) -> str:
    """YYYYMMDDhhmmss, as appTime wants it."""
    return moment.astimezone(SHANGHAI).strftime("%Y%m%d%H%M%S")


def return_time(moment: datetime) -> str:
    """YYYYMMDDhhmmssSSS, as receipts' returnTime has it."""
    local = moment.astimezone(SHANGHAI)
    return local.strftime("%Y%m%d%H%M%S") + f"{local.microsecond // 1000:03d}"
