"""The customs side of the HTTP transport (X3, X6; the protocol is in `adapters/customs/http.py`): a small HTTP server
in front of the file boxes, so the file-box customs simulator works unchanged behind it.

A message POSTed is written to outbox/, where `CustomsSimulator` reads it (and moves it to sent/: a name found in
outbox/, sent/ or failed/ was taken before, 409); receipts are served from inbox/, where the simulator writes them,
and acknowledged (-> handled/) or rejected (-> quarantine/ with a .reason.txt) as `FileBox` does it. While the node
is down (the simulator's `down=` fault, or an operator's `.down` marker in the boxes folder) messages get 503;
receipts and the status are still served, as the file boxes and AMQP keep handing receipts out. With a token set,
every request must carry `Authorization: Bearer <token>` (else 401).

`HttpGateway` serves on a stdlib `ThreadingHTTPServer` in a daemon thread (port 0: a free port, see `port`);
`HttpCustomsSimulator` is the simulator that owns one, started with it and stopped by `close()`."""

from __future__ import annotations

import base64
import hmac
import json
import logging
import os
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from adapters.customs.filebox import DOWN_MARKER, FileBox
from adapters.customs.transport import TransportDown
from adapters.customs_node.simulator import CustomsSimulator, Faults
from domain.shared.tax import Rates

log = logging.getLogger(__name__)

MAX_MESSAGE = 64 * 1024 * 1024  # bytes; customs' own limit is far lower, this only keeps a runaway client out
IDLE_SECONDS = 120.0  # a keep-alive connection left idle this long is closed
Reply = tuple[int, Any]  # HTTP status, JSON body


class HttpGateway:
    """The protocol over a `FileBox`; thread-safe (one lock makes "taken once per name" hold under concurrency)."""

    def __init__(self, box: FileBox, host: str = "127.0.0.1", port: int = 0, token: str = "", prefix: str = ""):
        self.box, self.host, self.port, self.token = box, host, port, token
        self.prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None
        self.connections: set[socket.socket] = set()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{self.prefix}"

    def start(self) -> int:
        """Listen (port 0: any free port) and serve in a daemon thread; returns the port."""
        handler = type("BoundHandler", (Handler,), {"gateway": self})
        try:
            self.server = ThreadingHTTPServer((self.host, self.port), handler)
        except OSError as error:
            raise OSError(f"customs HTTP gateway cannot listen on {self.host}:{self.port}: {error}") from error
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       name=f"cbec-customs-http-{self.port}", daemon=True)
        self.thread.start()
        log.info("customs HTTP gateway listening on %s for %s", self.url, self.box.root)
        return self.port

    def stop(self) -> None:
        """Stop listening and drop the open keep-alive connections, so clients see the node gone."""
        server, self.server = self.server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        with self.lock:
            connections, self.connections = set(self.connections), set()
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self.thread is not None:
            self.thread.join(5)

    def set_down(self, seconds: float) -> None:
        self.box.set_down(seconds)

    def set_up(self) -> None:
        (self.box.root / DOWN_MARKER).unlink(missing_ok=True)

    # the protocol ---------------------------------------------------------------------------------

    def authorised(self, header: str | None) -> bool:
        return not self.token or hmac.compare_digest((header or "").encode(), f"Bearer {self.token}".encode())

    def take(self, name: str, data: bytes) -> Reply:
        """A message for customs, written where the data-exchange client (the simulator) reads it."""
        if not _file_name(name):
            return 400, {"error": "X-Message-Name must be a plain file name (no folders, not hidden)"}
        try:
            self.box.check_up()
        except TransportDown:
            return 503, {"error": "海关节点暂停接收报文 the customs node takes no messages for now (down)"}
        with self.lock:
            if not self.box.deliver(name, data):
                return 409, {"error": f"a message named {name} was taken before", "name": name}
        return 201, {"name": name}

    def receipts(self, limit: int) -> Reply:
        found = []
        for path in self.box.receipts(max(1, min(limit, 1000))):
            try:
                found.append({"name": path.name, "data": base64.b64encode(path.read_bytes()).decode("ascii")})
            except FileNotFoundError:  # acknowledged meanwhile by another client
                continue
        return 200, found

    def settle(self, name: str, verb: str, reason: str) -> Reply:
        """ack (-> handled/) or reject (-> quarantine/); settled before counts as done."""
        if not _file_name(name):
            return 400, {"error": "the receipt name must be a plain file name"}
        path = self.box.folder("inbox") / name
        try:
            if verb == "ack":
                self.box.mark_handled(path)
            else:
                self.box.quarantine(path, reason or "rejected by the platform (no reason given)")
        except FileNotFoundError:
            if not any((self.box.folder(f) / name).exists() for f in ("handled", "quarantine")):
                return 404, {"error": f"no receipt named {name}"}
        return 200, {"name": name}

    def status(self) -> Reply:
        return 200, self.box.status()


class Handler(BaseHTTPRequestHandler):
    """Routes the requests of one connection (HTTP/1.1 keep-alive) to its gateway."""

    gateway: HttpGateway
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: do not wait for the peer's ACK between
    timeout = IDLE_SECONDS
    server_version = "cbec-customs-sim"

    def setup(self) -> None:
        super().setup()
        with self.gateway.lock:
            self.gateway.connections.add(self.connection)

    def finish(self) -> None:
        with self.gateway.lock:
            self.gateway.connections.discard(self.connection)
        super().finish()

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        self._handle("GET")

    def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
        self._handle("POST")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's signature
        log.debug("customs HTTP gateway: " + format, *args)

    def _handle(self, method: str) -> None:
        try:
            status, body = self._route(method)
        except Exception as error:  # noqa: BLE001 - answer 500 and keep serving; the client retries
            log.exception("customs HTTP gateway failed on %s %s", method, self.path)
            status, body = 500, {"error": f"{type(error).__name__}: {error}"}
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        if status == 401:
            self.send_header("WWW-Authenticate", "Bearer")
        self.end_headers()
        self.wfile.write(data)

    def _route(self, method: str) -> Reply:
        gateway = self.gateway
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_MESSAGE:
            self.close_connection = True
            return 413, {"error": f"message larger than {MAX_MESSAGE} bytes"}
        body = self.rfile.read(length) if length else b""  # read before any answer, so keep-alive stays in step
        if not gateway.authorised(self.headers.get("Authorization")):
            return 401, {"error": "missing or wrong bearer token (Authorization: Bearer <token>)"}
        url = urlsplit(self.path)
        if not url.path.startswith(gateway.prefix + "/dxp/"):
            return 404, {"error": f"no such resource {url.path}"}
        parts = url.path[len(gateway.prefix) + len("/dxp/"):].split("/")
        route: dict[tuple[str, ...], Callable[[], Reply]] = {
            ("POST", "messages"): lambda: gateway.take(self.headers.get("X-Message-Name") or "", body),
            ("GET", "receipts"): lambda: gateway.receipts(_limit(url.query)),
            ("GET", "status"): gateway.status,
        }
        if (method, *parts) in route:
            return route[(method, *parts)]()
        if method == "POST" and len(parts) == 3 and parts[0] == "receipts" and parts[2] in ("ack", "reject"):
            return gateway.settle(unquote(parts[1]), parts[2], _reason(body) if parts[2] == "reject" else "")
        return 404, {"error": f"no such resource {method} {url.path}"}


class HttpCustomsSimulator(CustomsSimulator):
    """The file-box simulator with the HTTP gateway in front of its boxes, listening on the host and port of `url`
    (port 0: a free one, see `url` afterwards); the `down=` fault makes the gateway answer 503."""

    def __init__(self, boxes: Path, url: str, token: str = "", faults: Faults | None = None,
                 accept_delay: float = 0.0, rates: Callable[[str], Rates | None] | None = None):
        address = urlsplit(url)
        if address.scheme != "http":
            raise ValueError(f"the customs HTTP simulator serves plain http://, not {url!r}")
        self.gateway = HttpGateway(FileBox(boxes), address.hostname or "127.0.0.1", address.port or 80, token,
                                   address.path)
        super().__init__(boxes, faults, accept_delay, rates=rates)  # may set the gateway down at once (down=)
        self.gateway.start()

    @property
    def url(self) -> str:
        return self.gateway.url

    def _set_down(self, seconds: float) -> None:
        self.gateway.set_down(seconds)

    def _set_up(self) -> None:
        self.gateway.set_up()

    def close(self) -> None:
        self.gateway.stop()


def _file_name(name: str) -> bool:
    return bool(name) and len(name) <= 255 and not name.startswith(".") and os.sep not in name and "/" not in name \
        and "\\" not in name and name.isprintable()


def _limit(query: str) -> int:
    try:
        return int(parse_qs(query).get("limit", ["200"])[0])
    except ValueError:
        return 200


def _reason(body: bytes) -> str:
    try:
        answer = json.loads(body or b"{}")
    except ValueError:
        return body.decode("utf-8", "replace")[:1000]
    return str(answer.get("reason") or "")[:1000] if isinstance(answer, dict) else str(answer)[:1000]
