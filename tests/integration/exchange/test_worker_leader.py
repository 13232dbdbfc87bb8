"""P3, D1: bootstrap.STEPS is the one table of processor steps. Every step the embedded runner runs is in it, and in
distributed mode each step it does not keep to the embedded host is run by a worker: as a Kafka agent on every
worker, on a timer of the leader, or in the leader's runner (179 uploads, drop folders, the receipt watch and its
alerts, the drafts view ...). A step missing there would silently stop running in distributed mode."""

from __future__ import annotations

import pytest

pytest.importorskip("faust")


def test_every_step_of_the_platform_is_in_the_table_and_hosted_by_the_workers(make_platform):
    from engine.bootstrap import STEPS, Host
    from engine.hosts.worker import AGENTS, OWN_TIMERS, leader_steps

    platform = make_platform()
    names = [name for name, _ in platform.runner.steps]
    assert set(names) <= set(STEPS), set(names) - set(STEPS)
    assert names == [name for name in STEPS if name in names]  # the table's order is the runner's
    hosted = set(AGENTS) | set(OWN_TIMERS) | {name for name, _ in leader_steps(platform)}
    for name in names:
        assert (STEPS[name] is Host.EMBEDDED) == (name not in hosted), name
    assert {name for name in AGENTS} == {n for n, host in STEPS.items() if host is Host.EVERY_WORKER}
    assert "drop-folders" in {name for name, _ in leader_steps(platform)}
