"""`cbec audit ...`, `cbec bi grant` and `cbec bench replay`: the command handlers of B1-B4."""

from __future__ import annotations

import argparse
import os
import sys
import time
from argparse import Namespace
from collections.abc import Callable
from typing import Any

from engine.settings import Settings


def add_parsers(sub: Any, bench: argparse.ArgumentParser) -> None:
    audit = sub.add_parser("audit", help="防篡改链 tamper evidence: verify the event history, sign a checkpoint, "
                                         "or follow the store (distributed mode)")
    audit.add_argument("action", choices=["verify", "checkpoint", "follow"])
    audit.add_argument("--data")
    bi = sub.add_parser("bi", help="BI数据库角色: a PostgreSQL role that can read the read models and nothing else")
    bi.add_argument("action", choices=["grant"])
    bi.add_argument("--role", required=True, help="role name (created when missing)")
    bi.add_argument("--password-env", help="variable holding a password: the role may log in (default NOLOGIN)")
    bi.add_argument("--data")
    bench.add_argument("--events", type=int, default=1_000_000, help="events in the synthetic history (replay)")


def handler(args: Namespace) -> Callable[[Namespace], int] | None:
    if args.command == "audit":
        return audit
    if args.command == "bi":
        return bi
    if args.command == "bench" and args.name == "replay":
        return bench_replay
    return None


def _platform(args: Namespace) -> Any:
    from engine import bootstrap

    return bootstrap.build(Settings.from_env(args.data))


def audit(args: Namespace) -> int:
    platform = _platform(args)
    try:
        chain = platform.audit.chain
        if args.action == "checkpoint":
            checkpoint = chain.checkpoint()
            print("no events yet" if checkpoint is None else
                  f"checkpoint at event {checkpoint['notification_id']} ({checkpoint['events']} events): "
                  f"{checkpoint['hash']}")
            return 0
        if args.action == "follow":
            return _follow(chain)
        return _verify(chain)
    finally:
        platform.close()


def _verify(chain: Any) -> int:
    from engine.hosts.rebuild import print_progress

    result = chain.verify(print_progress("audit verify"))
    print(f"checked {result.events} events up to {result.chained_to} in {result.seconds:.1f} s; "
          f"{result.checkpoints} signed checkpoints; {result.unchained} newer events not chained yet")
    last = result.last_checkpoint
    if last:
        print(f"last verified checkpoint: event {last['notification_id']} signed {last['at']}")
    if result.ok:
        print("OK")
        return 0
    print(f"FAILED: first event that does not match: {result.first_problem}")
    for problem in result.problems[1:20]:
        print(f"  also {problem}")
    return 1


def _follow(chain: Any) -> int:
    print("audit-chain: following the event store", flush=True)
    try:
        while True:
            if not chain.run_once():
                time.sleep(1.0)
    except KeyboardInterrupt:
        return 0


def bi(args: Namespace) -> int:
    from engine.audit.bi_access import BIAccessError, grant_bi_role
    from engine.cli.output import UserError

    password = os.environ.get(args.password_env, "") if args.password_env else None
    if args.password_env and not password:
        raise UserError(f"{args.password_env} is empty or not set")
    platform = _platform(args)
    try:
        tables = [t for view in platform.views().values() for t in view.tables]
        readable = grant_bi_role(platform.readmodels, args.role, tables, password)
    except BIAccessError as error:
        raise UserError(str(error)) from error
    finally:
        platform.close()
    print(f"{args.role}: SELECT on {', '.join(readable)}; nothing else")
    return 0


def bench_replay(args: Namespace) -> int:
    from bench.replay import run

    for metric, value, unit in run(args.events):
        print(f"{metric}: {value:.2f} {unit}" if isinstance(value, float) else f"{metric}: {value} {unit}")
    sys.stdout.flush()
    return 0
