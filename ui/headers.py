"""Security headers of every answer, for the platform's consoles and API (ui/app.py) and the signing service
(ui/routers/signing/api.py) alike (#16, #17 item 11): one policy, one middleware."""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ui.api_docs import swagger_page


def _inline_hashes(page: str) -> str:
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    return " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in scripts)


# The consoles ship their own scripts and styles (ui/static), with no inline script, <style> element or event
# handler: the policy allows nothing but the platform itself, except style attributes (style-src-attr), which the
# dashboard charts' SVG carries (ui/charts.py: max-width). Swagger UI (/docs, FastAPI's page) loads its assets from
# /static/swagger and starts with one inline script: that page alone allows exactly that script (by its hash) and
# inline styles, which Swagger UI sets as it renders.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
       "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
DOCS_CSP = ("default-src 'self'; script-src 'self' "
            f"{_inline_hashes(bytes(swagger_page('cbec').body).decode())}; "
            "style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; "
            "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = {"x-frame-options": "DENY", "x-content-type-options": "nosniff", "referrer-policy": "same-origin",
           "cross-origin-opener-policy": "same-origin"}


class SecurityHeaders:
    """Every answer: CSP (frame-ancestors 'none'), X-Frame-Options DENY, X-Content-Type-Options nosniff, a
    same-origin Referrer-Policy; and Cache-Control: no-store on everything but the static assets, since pages, API
    answers and downloads carry personal data (consignees, ID numbers) once logged in."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.decode("latin-1").lower() not in HEADERS and k.lower() != b"content-security-policy"]
                headers += [(k.encode(), v.encode()) for k, v in HEADERS.items()]
                headers.append((b"content-security-policy", (DOCS_CSP if path == "/docs" else CSP).encode()))
                if not path.startswith("/static/"):
                    headers = [(k, v) for k, v in headers if k.lower() not in (b"cache-control", b"pragma")]
                    headers += [(b"cache-control", b"no-store"), (b"pragma", b"no-cache")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
