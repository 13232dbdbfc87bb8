"""The one serialiser of the JSON API's answers (#18): every moment in an answer is ISO 8601 in Asia/Shanghai time,
ending +08:00. Read models keep the event store's UTC stamps (``updated_at`` ...) and documents keep Shanghai time
(``declared_at``); an integrator used to get both in one list item. Customs formats (YYYYMMDDhhmmss) and dates are
left as they are (`engine.clock.localised`)."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from engine import clock


class ShanghaiJSON(JSONResponse):
    """The app's default response class: FastAPI encodes a route's answer, this puts its moments in Shanghai time."""

    def render(self, content: Any) -> bytes:
        return super().render(clock.localised(content))
