"""What every command group of `cbec` shares: the error a user can fix, and JSON printing."""

from __future__ import annotations

import json
from typing import Any


class UserError(Exception):
    """A mistake the user can fix; printed without a traceback."""


def print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
