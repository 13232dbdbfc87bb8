"""P3, D1: in distributed mode the leader worker runs the embedded runner's steps that do not follow a Kafka topic
(179 uploads, drop folders, the receipt watch and its alerts, the drafts view): each must exist under its name, or it
would silently stop running there."""

from __future__ import annotations

import pytest

pytest.importorskip("faust")


def test_every_leader_step_is_a_step_of_the_platform(make_platform):
    from engine.hosts.worker import LEADER_STEPS

    names = {name for name, _ in make_platform().runner.steps}
    assert set(LEADER_STEPS) <= names, set(LEADER_STEPS) - names
