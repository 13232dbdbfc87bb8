"""`cbec clients ...`: API clients (A6) from the operator's shell.

The consoles register clients too, but only with roles the administrator holds (check_grant), so a role nobody holds
by default — `signing_platform_service`, whose `S1:any-key` lets a platform service use any enterprise's signing key
(#17 item 2) — can only be given here, by whoever runs the platform (the data folder and its database are theirs).
Each action is an event by `cli:<user>` and a line of the system log.
"""

from __future__ import annotations

import getpass
import json
from argparse import Namespace
from collections.abc import Callable
from typing import Any

from engine.settings import Settings


def add_parsers(sub: Any) -> None:
    clients = sub.add_parser("clients", help="API客户端 API clients: add (the secret is shown once), list, revoke")
    clients.add_argument("action", choices=["add", "list", "revoke"])
    clients.add_argument("name", nargs="?", help="add: the client's name; revoke: its app id")
    clients.add_argument("--organisation", help="add: the organisation the client acts for")
    clients.add_argument("--role", action="append", default=[], help="add: a role (repeat for several)")
    clients.add_argument("--reason", default="", help="revoke: why")
    clients.add_argument("--data")


def handler(args: Namespace) -> Callable[[Namespace], int] | None:
    return clients if args.command == "clients" else None


def clients(args: Namespace) -> int:
    from domain.shared.rules import DeclarationRejected
    from engine import bootstrap
    from engine.cli.output import UserError

    platform = bootstrap.build(Settings.from_env(args.data))
    actor = f"cli:{getpass.getuser()}"
    try:
        identity = platform.identity
        if args.action == "list":
            for client in sorted(identity.clients(), key=lambda c: c.app_id):
                state = "active" if client.active else "revoked"
                print(f"{client.app_id}\t{client.organisation}\t{','.join(client.roles)}\t{state}\t{client.name}")
            return 0
        if not args.name:
            raise UserError(f"{args.action} 需要名称或 app id / {args.action} needs a name or app id")
        if args.action == "revoke":
            identity.revoke_client(args.name, by=actor, reason=args.reason)
            identity.log("admin", actor, "", "cli", "revoke-client", args.name, "ok", {"reason": args.reason})
            print(f"{args.name}\trevoked")
            return 0
        if not args.organisation or not args.role:
            raise UserError("add 需要 --organisation 和至少一个 --role / add needs --organisation and a --role")
        app_id, secret = identity.register_client(args.name, args.organisation, args.role, by=actor)
        identity.log("admin", actor, args.organisation, "cli", "register-client", app_id, "ok", {"roles": args.role})
        print(json.dumps({"app_id": app_id, "secret": secret, "organisation": args.organisation, "roles": args.role},
                         ensure_ascii=False))  # fmt: skip
        return 0
    except DeclarationRejected as rejected:
        raise UserError("; ".join(f"{e.field}: {e.message_zh} / {e.message_en}" for e in rejected.errors)) from None
    except LookupError as missing:
        raise UserError(f"未找到 not found: {missing}") from None
    finally:
        platform.close()
