"""HTTP transport to the customs node (X3, X4, issue #9): the customs data-exchange client's HTTP face, as we model it.

The protocol (the customs side is `adapters/customs_node/http.py`; every path is below the configured URL, which
may carry a path prefix; with a token set every request carries `Authorization: Bearer <token>`, else 401):

    POST {url}/dxp/messages                    a message for customs: header `X-Message-Name: <file name>`, body the
                                               XML bytes. 201 taken; 409 a message of that name was taken before
                                               (nothing is sent twice); 503 the node refuses messages for now.
    GET  {url}/dxp/receipts?limit=N            receipts not yet acknowledged, oldest first:
                                               200 JSON [{"name": "<file name>", "data": "<base64 of the XML>"}].
    POST {url}/dxp/receipts/{name}/ack         the platform has recorded it: 200 (also when acknowledged before),
                                               404 unknown.
    POST {url}/dxp/receipts/{name}/reject      unreadable: JSON {"reason": "..."}; the node sets it aside in
                                               quarantine with the reason. 200, 404 unknown.
    GET  {url}/dxp/status                      200 JSON {"backlog": messages taken but not yet picked up by customs,
                                               "oldest_backlog_seconds": float|null, "receipts_waiting": n,
                                               "last_message_in": ISO time|null, "last_receipt_out": ISO time|null,
                                               "down": bool}.

Errors answer JSON {"error": "..."}. Any refusal or failure of `deliver` and `fetch` (connection refused, timeout,
401, 503, any other unexpected status) raises TransportDown with a reason a person can act on: the delivery
processor records it on the message (message tracking shows it) and retries; the receipts step waits for the next
pass. A failed `ack` or `reject` is only logged: the receipt is handed out again and applying it twice changes
nothing. One `httpx.Client` is kept open (keep-alive), so a message costs one request on a warm connection."""

from __future__ import annotations

import base64
import binascii
import logging
from typing import Any
from urllib.parse import quote

import httpx

from adapters.customs.transport import Incoming, TransportDown

log = logging.getLogger(__name__)
logging.getLogger("httpx").setLevel(logging.WARNING)  # httpx logs every request at INFO: 5 receipt polls a second

STATUS_KEYS = ("backlog", "oldest_backlog_seconds", "receipts_waiting", "last_message_in", "last_receipt_out", "down")


class HttpTransport:
    name = "http"

    def __init__(self, url: str, token: str = "", timeout: float = 10.0):
        self.url = url.rstrip("/")
        self.timeout = timeout
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.client = httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

    def deliver(self, name: str, data: bytes) -> bool:
        """Hand a message over: True once the node took it (201), False when one of that name was taken before
        (409)."""
        response = self._call("POST", "/dxp/messages", f"delivering {name}", content=data,
                              headers={"X-Message-Name": name, "Content-Type": "application/xml"})
        if response.status_code == 201:
            return True
        if response.status_code == 409:
            return False
        raise self._refused(response, f"delivering {name}")

    def fetch(self, limit: int = 200) -> list[Incoming]:
        response = self._call("GET", "/dxp/receipts", "fetching receipts", params={"limit": limit})
        if response.status_code != 200:
            raise self._refused(response, "fetching receipts")
        try:
            return [Incoming(str(item["name"]), base64.b64decode(item["data"], validate=True), str(item["name"]))
                    for item in response.json()]
        except (ValueError, KeyError, TypeError, binascii.Error) as error:
            raise TransportDown(f"customs HTTP gateway {self.url} answered unreadable receipts: {error!r}") from error

    def ack(self, incoming: Incoming) -> None:
        self._settle(incoming, "ack", None)

    def reject(self, incoming: Incoming, reason: str) -> None:
        log.warning("receipt %s quarantined: %s", incoming.name, reason)
        self._settle(incoming, "reject", {"reason": reason[:1000]})

    def status(self) -> dict[str, Any]:
        """The link as the node sees it (module docstring); TransportDown when the node cannot be asked."""
        response = self._call("GET", "/dxp/status", "asking the link status")
        if response.status_code != 200:
            raise self._refused(response, "asking the link status")
        try:
            answer = response.json()
            return {key: answer[key] for key in STATUS_KEYS}
        except (ValueError, KeyError, TypeError) as error:
            raise TransportDown(f"customs HTTP gateway {self.url} answered an unreadable status: {error!r}") from error

    def close(self) -> None:
        self.client.close()

    def _settle(self, incoming: Incoming, verb: str, body: dict[str, str] | None) -> None:
        """ack or reject; a failure leaves the receipt with the node, which hands it out again."""
        path = f"/dxp/receipts/{quote(incoming.name, safe='')}/{verb}"
        try:
            response = self._call("POST", path, f"{verb} of receipt {incoming.name}", json=body)
        except TransportDown as error:
            log.warning("could not %s receipt %s; it will come again (and change nothing): %s", verb, incoming.name,
                        error)
            return
        if response.status_code == 404:
            log.info("receipt %s unknown to the gateway at %s (taken meanwhile)", incoming.name, verb)
        elif response.status_code != 200:
            log.warning("could not %s receipt %s: %s", verb, incoming.name, self._refused(response, verb))

    def _call(self, method: str, path: str, what: str, **kwargs: Any) -> httpx.Response:
        try:
            return self.client.request(method, path, **kwargs)
        except httpx.TimeoutException as error:
            raise TransportDown(f"customs HTTP gateway {self.url} did not answer within {self.timeout:g} s "
                                f"({what})") from error
        except httpx.HTTPError as error:
            raise TransportDown(f"customs HTTP gateway {self.url} unreachable ({what}): {error!r}") from error

    def _refused(self, response: httpx.Response, what: str) -> TransportDown:
        code = response.status_code
        said = _error_text(response)
        if code == 401:
            return TransportDown(f"customs HTTP gateway {self.url} refused our token (401, {what}): check "
                                 f"CBEC_HTTP_TOKEN; {said}")
        if code == 503:
            return TransportDown(f"customs HTTP gateway {self.url} is down (503, {what}): {said}")
        return TransportDown(f"customs HTTP gateway {self.url} answered {code} ({what}): {said}")


def _error_text(response: httpx.Response) -> str:
    try:
        answer = response.json()
        return str(answer.get("error") if isinstance(answer, dict) else answer)[:300]
    except ValueError:
        return response.text[:300] or response.reason_phrase
