"""A real platform process (`cbec serve`) and a real browser (Debian's chromium driven by Playwright)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import missing
from tests.processes import Command, free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class Server(Command):
    """`cbec serve` on a free port, started when its /healthz answers."""

    def __init__(self, data: Path, env: dict[str, str] | None = None, args: list[str] | None = None):
        self.data, self.port = data, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        super().__init__(f"serve-{self.port}", ["serve", "--data", str(data), "--port", str(self.port), *(args or [])],
                         os.environ | {"CBEC_SIM_ACCEPT_DELAY": "0.5"} | (env or {}), data.parent)

    def start(self) -> Server:
        self.launch()
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if self.exited():
                raise RuntimeError(f"cbec serve exited: {self.log_path.read_text()}")
            time.sleep(0.2)
        raise RuntimeError("cbec serve did not become healthy in 60 s")


@pytest.fixture
def server(tmp_path):
    srv = Server(tmp_path / "data").start()
    yield srv
    srv.stop()


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        missing("Debian chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        # Playwright gives each launch a fresh, empty user-data-dir of its own.
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield instance
        instance.close()
