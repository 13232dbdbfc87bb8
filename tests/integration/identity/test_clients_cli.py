"""`cbec clients`: the operator gives API clients roles nobody holds by default (#17 item 2: a platform service that
may use any enterprise's signing key is registered here, never from a console), lists and revokes them."""

from __future__ import annotations

import json

from engine import bootstrap
from engine.cli import main as cbec
from engine.settings import Settings


def test_the_operator_registers_lists_and_revokes_a_platform_signing_service(tmp_path, capsys):
    data = str(tmp_path / "data")
    platform = bootstrap.build(Settings.from_env(data, env={}))
    platform.identity.register_organisation("OPS", "平台运维", by="test")
    platform.close()

    assert cbec(["clients", "add", "批量签名服务", "--organisation", "OPS", "--role", "signing_platform_service",
                 "--data", data]) == 0  # fmt: skip
    added = json.loads(capsys.readouterr().out)
    assert added["roles"] == ["signing_platform_service"] and len(added["secret"]) >= 32

    platform = bootstrap.build(Settings.from_env(data, env={}))
    try:
        principal, _ = platform.identity.client(added["app_id"])
        assert principal.can("S1:any-key") and principal.organisation == "OPS"
        platform.identity.log_view.run_once()
        logged, _ = platform.identity.log_view.search(q=added["app_id"])
        assert [(row["action"], row["actor"][:4]) for row in logged] == [("register-client", "cli:")]
    finally:
        platform.close()

    assert cbec(["clients", "list", "--data", data]) == 0
    assert f"{added['app_id']}\tOPS\tsigning_platform_service\tactive" in capsys.readouterr().out
    assert cbec(["clients", "revoke", added["app_id"], "--reason", "retired", "--data", data]) == 0
    capsys.readouterr()
    assert cbec(["clients", "list", "--data", data]) == 0
    assert f"{added['app_id']}\tOPS\tsigning_platform_service\trevoked" in capsys.readouterr().out


def test_an_unknown_role_or_organisation_is_refused_naming_the_field(tmp_path, capsys):
    data = str(tmp_path / "data")
    assert cbec(["clients", "add", "x", "--organisation", "NOPE", "--role", "no_such_role", "--data", data]) == 2
    error = capsys.readouterr().err
    assert "roles" in error or "organisation" in error
