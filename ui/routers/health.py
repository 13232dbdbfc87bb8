"""/healthz: store, processors and transports, for operators and load balancers. Anyone (a load balancer) gets
only {"ok": true|false} with 200 or 503; the details (counts, step errors, 179 refusals) go to logged-in platform
administrators and to callers sending the configured CBEC_HEALTH_TOKEN as X-Health-Token (#16 item 17)."""

from __future__ import annotations

import hmac
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ui.deps import PlatformDep
from ui.security import PUBLIC

router = APIRouter(tags=["health"])


@router.get("/healthz", dependencies=[PUBLIC])
def healthz(request: Request, platform: PlatformDep) -> Any:
    details = _may_see_details(request, platform.settings.health_token)
    checks: dict[str, Any] = {}
    try:
        checks["store"] = {"ok": True, "events": platform.store.recorder.max_notification_id() or 0}
    except Exception as error:  # report, don't crash the probe
        checks["store"] = {"ok": False, "error": str(error)}
    thread = platform.runner.thread
    checks["processors"] = {"ok": bool(thread and thread.is_alive())}
    box = platform.box
    checks["transport"] = {"ok": box.folder("outbox").is_dir(), "kind": box.name}
    if details:  # the counts walk the boxes: only for whoever sees them, not for every load balancer's probe
        checks["processors"]["steps"] = {
            name: {"items": s.items, "errors": s.errors, "last_error": s.last_error,
                   "seconds_since_run": round(time.time() - s.last_run, 1) if s.last_run else None}
            for name, s in platform.runner.stats.items()}
        checks["transport"] |= {name: sum(1 for _ in box.folder(name).glob("*.xml"))
                                for name in ("outbox", "inbox", "quarantine")}
        checks["customs179"] = {"ok": True, "refused": platform.customs.payment179.gate.counts()}
    ok = all(c["ok"] for c in checks.values())
    return JSONResponse(status_code=200 if ok else 503, content={"ok": ok, **(checks if details else {})})


def _may_see_details(request: Request, token: str) -> bool:
    principal = getattr(request.state, "principal", None)
    if principal is not None and principal.sees_all and principal.can("A3:manage"):  # a platform administrator
        return True
    sent = request.headers.get("x-health-token", "")
    return bool(token) and hmac.compare_digest(sent.encode(), token.encode())
