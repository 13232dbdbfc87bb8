"""Time for the engine: customs formats use Asia/Shanghai, and so do the times people see (#18)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
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


# Times for people (#18): every time a console shows, an export writes or the JSON API returns is Asia/Shanghai
# and says so (+08:00 in ISO values, 北京时间 beside shown ones). Read models keep the event store's UTC stamps;
# they are converted here, when shown or serialised. Customs formats (customs_time, return_time) are not touched.

ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})")
LABEL_ZH, LABEL_EN = "北京时间", "UTC+8"


def shanghai(value: datetime | str | None) -> datetime | None:
    """A moment as Asia/Shanghai time: a datetime, or an ISO 8601 text with its offset; a naive one is taken as
    Shanghai time already (what a person typed). None for what is no moment (empty, a date, a customs format)."""
    if isinstance(value, str):
        text = value.strip()
        if not ISO_MOMENT.fullmatch(text):
            return None
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if not isinstance(value, datetime):
        return None
    return value.astimezone(SHANGHAI) if value.tzinfo else value.replace(tzinfo=SHANGHAI)


def iso(value: datetime | str | None) -> str:
    """ISO 8601 in Shanghai time, ending +08:00, for the JSON API; what is no moment comes back as text."""
    moment = shanghai(value)
    return moment.isoformat() if moment is not None else ("" if value is None else str(value))


def shown(value: datetime | str | None, seconds: bool = True) -> str:
    """A moment as a person reads it in Shanghai time, 2026-03-01 20:00:00 (the page labels the zone)."""
    moment = shanghai(value)
    if moment is None:
        return "" if value is None else str(value)
    return moment.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def labelled(value: datetime | str | None, milliseconds: bool = False) -> str:
    """A moment for a page: Shanghai time with its zone, 2026-03-01 20:00:00 +08:00 (milliseconds where the order
    of close events matters: audit, timelines). Empty for nothing; what is no moment comes back as text."""
    moment = shanghai(value)
    if moment is None:
        return "" if value is None else str(value)
    shown_as = moment.strftime("%Y-%m-%d %H:%M:%S.%f")[:23] if milliseconds else moment.strftime("%Y-%m-%d %H:%M:%S")
    return f"{shown_as} +08:00"


def localised(value: Any) -> Any:
    """A JSON answer with every moment in it (datetimes, ISO texts with an offset) as ISO 8601 +08:00; dates,
    customs formats (YYYYMMDDhhmmss) and other values unchanged. Walks dicts and lists."""
    if isinstance(value, dict):
        return {key: localised(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [localised(item) for item in value]
    if isinstance(value, str) and value.endswith("+08:00"):
        return value  # already Shanghai time: kept exactly as written (its precision too)
    if isinstance(value, datetime) or (isinstance(value, str) and ISO_MOMENT.fullmatch(value)):
        return iso(value)
    return value
