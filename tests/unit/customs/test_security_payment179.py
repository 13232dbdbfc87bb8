"""#16 item 11: the 179 source gate: registered sources only, a sliding one-minute allowance per source, and refusal
counters that stay bounded whatever the number of sources an attacker uses."""

from __future__ import annotations

from engine.customs.payment179 import SourceGate


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_only_registered_sources_and_addresses_pass():
    gate = SourceGate(("10.1.0.0/16", "::1"), 10)
    assert gate.admit("10.1.2.3") == "" and gate.admit("::1") == ""
    assert gate.admit("10.2.0.1") == "source" and gate.admit("testclient") == "source" and gate.admit("") == "source"


def test_the_allowance_is_per_source_and_slides_with_the_minute():
    clock = Clock()
    gate = SourceGate(("127.0.0.0/8",), 3, clock)
    assert [gate.admit("127.0.0.1") for _ in range(4)] == ["", "", "", "rate"]
    assert gate.admit("127.0.0.2") == ""
    clock.now += 59
    assert gate.admit("127.0.0.1") == "rate"
    clock.now += 1.5
    assert gate.admit("127.0.0.1") == ""


def test_refusal_counters_stay_bounded():
    gate = SourceGate(("127.0.0.1",), 1)
    for i in range(SourceGate.MAX_COUNTERS + 500):
        assert gate.admit(f"198.51.{i // 256 % 256}.{i % 256}") == "source"
    assert len(gate.refusals) == SourceGate.MAX_COUNTERS
    assert gate.admit("x" * 10_000) == "source"
    assert all(len(source) <= 64 for source, _ in gate.refusals)
