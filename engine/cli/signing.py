"""`cbec signer` (the signing service over HTTP) and `cbec signer-keys` (the key store), S1-S6.

`cbec signer` answers the platform's API clients whose roles grant S1:sign (and, when set, callers of the static
``CBEC_SIGNER_API_KEY``); it needs ``CBEC_KEYSTORE_PASSPHRASE`` and refuses to start without it.
It runs uvicorn with one worker process per core by default; every worker opens the key store itself.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import sys
from argparse import Namespace
from collections.abc import Callable
from pathlib import Path
from typing import Any

KEY_ACTIONS = ("list", "generate", "import", "activate", "expiring")


def add_parsers(sub: Any) -> None:
    signer = sub.add_parser("signer", help="签名服务 the signing service: JSON API over HTTP, OpenAPI at /docs")
    signer.add_argument("--host", default="127.0.0.1")
    signer.add_argument("--port", type=int, default=8100)
    signer.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="worker processes (default: cores)")
    signer.add_argument("--data", help="data folder holding keystore/ (default ./cbec-data or CBEC_DATA_DIR)")
    keys = sub.add_parser("signer-keys", help="密钥库 the key store: list, generate, import, activate, expiring")
    keys.add_argument("action", choices=KEY_ACTIONS)
    keys.add_argument("enterprise", nargs="?", help="enterprise code (all but expiring)")
    keys.add_argument("--key-type", default="RSA", choices=["RSA", "SM2"], help="generate")
    keys.add_argument("--common-name", default="CBEC 测试企业 Test Enterprise", help="generate")
    keys.add_argument("--days", type=int, default=3650, help="generate: certificate validity")
    keys.add_argument("--key", help="import: PEM private key file")
    keys.add_argument("--cert", help="import: PEM certificate file")
    keys.add_argument("--key-password-env", help="import: variable holding the key file's own password")
    keys.add_argument("--key-id", help="activate: the key to make active")
    keys.add_argument("--no-activate", action="store_true", help="generate/import without switching to it")
    keys.add_argument("--within", type=int, default=30, help="expiring: days ahead")
    keys.add_argument("--data")


def handler(args: Namespace) -> Callable[[Namespace], int] | None:
    return {"signer": signer, "signer-keys": signer_keys}.get(args.command)


def signer(args: Namespace) -> int:
    """Serve the signing API until stopped."""
    from engine.cli.output import UserError
    from engine.signing.service import SigningSetupError, service_from_env

    if args.data:
        os.environ["CBEC_DATA_DIR"] = str(Path(args.data).resolve())
    try:
        root = service_from_env().keystore.root
    except SigningSetupError as error:
        raise UserError(str(error)) from error
    print(f"签名服务 signing service on http://{args.host}:{args.port}/docs, key store {root}, "
          f"{args.workers} workers", flush=True)  # fmt: skip
    _serve(args.host, args.port, max(1, args.workers))
    return 0


def _serve(host: str, port: int, workers: int) -> None:
    """One listening socket shared by ``workers`` uvicorn processes.

    uvicorn's own ``--workers`` binds its socket without IPPROTO_TCP, so asyncio never turns on TCP_NODELAY
    and every keep-alive request waits about 40 ms for a delayed ACK (Kludex/uvicorn#3149). Binding the
    socket here with the protocol set avoids that.
    """
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                         proto=socket.IPPROTO_TCP)[0]  # fmt: skip
    listener = socket.socket(family, kind, proto)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(address)
    listener.listen(2048)
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_worker, args=(listener, host, port)) for _ in range(workers)]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        for process in processes:
            process.start()
        for process in processes:
            process.join()
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(timeout=10)


def _worker(listener: socket.socket, host: str, port: int) -> None:
    import uvicorn

    config = uvicorn.Config("ui.routers.signing.main:app_from_env", factory=True, host=host, port=port,
                            log_level="warning")
    uvicorn.Server(config).run(sockets=[listener])


def signer_keys(args: Namespace) -> int:
    from adapters.signing.errors import SignatureError
    from engine.cli.output import UserError
    from engine.signing.service import SigningSetupError, service_from_env

    if args.data:
        os.environ["CBEC_DATA_DIR"] = str(Path(args.data).resolve())
    try:
        store = service_from_env().keystore
        infos = _key_action(store, args)
    except (SignatureError, SigningSetupError, OSError) as error:
        raise UserError(str(error)) from error
    for info in infos:
        flag = "*" if info.active else " "
        print(f"{flag} {info.enterprise}\t{info.key_id}\t{info.key_type}\t{info.kind}\t"
              f"{info.not_after:%Y-%m-%d}\t{info.subject}")  # fmt: skip
    return 0


def _key_action(store: Any, args: Namespace) -> list[Any]:
    from engine.cli.output import UserError

    if args.action == "expiring":
        return store.expiring(args.within)
    if not args.enterprise:
        raise UserError(f"{args.action} 需要企业编码 / {args.action} needs an enterprise code")
    activate = not args.no_activate
    if args.action == "generate":
        return [store.generate(args.enterprise, args.key_type, args.common_name, args.days, activate)]
    if args.action == "import":
        if not (args.key and args.cert):
            raise UserError("import 需要 --key 和 --cert / import needs --key and --cert")
        password = os.environ.get(args.key_password_env, "").encode() or None if args.key_password_env else None
        return [store.add(args.enterprise, Path(args.key).read_bytes(), Path(args.cert).read_bytes(), password,
                          activate)]  # fmt: skip
    if args.action == "activate":
        store.activate(args.enterprise, args.key_id or "")
    return store.keys(args.enterprise)

