"""A request body limit as ASGI middleware, shared by the platform (ui/app.py ``Guard``) and the signing service.

FastAPI reads the whole body before any route runs, so a limit must sit in front of the app: a body whose
Content-Length passes the limit is refused at once; a body sent without one (chunked) is counted as it arrives and
refused as soon as it passes. Each app says how it words the refusal (``too_large``) and what else it refuses before
reading a body (``refusal``).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyLimit:
    """Refuse bodies over ``limit`` bytes (413) before the app has read them."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        refused = self._refusal(request)
        if refused is not None:
            await refused(scope, receive, send)
            return
        received, started, cut = 0, False, False

        async def limited() -> Message:
            # past the limit: answer 413 now (unless the app has begun its answer) and tell the app the client left;
            # raising here would reach FastAPI wrapped in an exception group and become its 400
            nonlocal received, cut
            if cut:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    cut = True
                    self._cut(scope)
                    if not started:
                        await self._too_large_answer(request)(scope, receive, send)
                    return {"type": "http.disconnect"}
            return message

        async def answer(message: Message) -> None:
            nonlocal started
            if cut:
                return  # the 413 went out; what the app answers to the cut body is dropped
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, limited, answer)

    def _refusal(self, request: Request) -> Response | None:
        """What is refused before the body is read: here, a Content-Length over the limit (or not a number)."""
        length = request.headers.get("content-length", "")
        if length and (not length.isdigit() or int(length) > self.limit):
            return self._too_large_answer(request)
        return None

    def _cut(self, scope: Scope) -> None:
        """Called once when a streamed body passes the limit (the platform marks the request as not to be logged)."""

    def _too_large_answer(self, request: Request) -> Response:
        mb = self.limit // (1024 * 1024)
        return Response(f"request body larger than {mb} MB", status_code=413)
