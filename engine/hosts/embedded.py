"""The embedded host: one thread runs every processor and projection in turn, in-process, on the embedded
default. Each step records its own position, so killing the process at any moment loses and repeats nothing."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


@dataclass
class StepStats:
    name: str
    items: int = 0
    seconds: float = 0.0
    errors: int = 0
    last_error: str = ""
    last_run: float = 0.0


@dataclass
class Runner:
    steps: Sequence[tuple[str, Callable[[], int]]]
    interval: float = 0.2
    stats: dict[str, StepStats] = field(default_factory=dict)
    wake: threading.Event = field(default_factory=threading.Event)
    stopping: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    def run_once(self) -> int:
        """Every step once; the number of items they handled."""
        return sum(self._step(name, step) for name, step in self.steps)

    def _step(self, name: str, step: Callable[[], int]) -> int:
        stats = self.stats.setdefault(name, StepStats(name))
        started = time.perf_counter()
        try:
            count = step()
        except Exception as error:  # a failing step must not stop the others; it is retried next pass
            log.exception("processor %s failed", name)
            stats.errors += 1
            stats.last_error = f"{type(error).__name__}: {error}"
            return 0
        stats.items += count
        stats.seconds += time.perf_counter() - started
        stats.last_run = time.time()
        return count

    def run_until_idle(self, max_passes: int = 100_000) -> None:
        for _ in range(max_passes):
            if not self.run_once():
                return

    def start(self) -> None:
        self.thread = threading.Thread(target=self._loop, name="cbec-processors", daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while not self.stopping.is_set():
            if not self.run_once():
                self.wake.wait(self.interval)
                self.wake.clear()

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()
        if self.thread:
            self.thread.join(timeout=10)
