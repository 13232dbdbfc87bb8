"""FastAPI app factory: the consoles (HTML) and the JSON API over one platform instance (P5)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from engine.bootstrap import Platform
from ui.routers import api, declarant, health

HERE = Path(__file__).parent


def create_app(platform: Platform) -> FastAPI:
    app = FastAPI(title="跨境电商综合服务平台 API", version="0.1.0",
                  description="Import declarations (CEB311 ...), receipts and read models. "
                              "JSON field names are the customs XSD element names.")
    app.state.platform = platform
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(api.router)
    app.include_router(declarant.router)
    app.include_router(health.router)

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/declarant/orders")

    return app
