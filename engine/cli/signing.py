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

KEY_ACTIONS = ("list", "generate", "import", "activate", "expiring", "csr", "import-cert", "revoke", "delete",
               "passphrase", "upgrade", "pkcs11")
_NEEDS_ENTERPRISE = ("generate", "import", "activate", "csr", "import-cert", "revoke", "delete", "pkcs11")


def add_parsers(sub: Any) -> None:
    signer = sub.add_parser("signer", help="签名服务 the signing service: JSON API over HTTP, OpenAPI at /docs")
    signer.add_argument("--host", default="127.0.0.1")
    signer.add_argument("--port", type=int, default=8100)
    signer.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="worker processes (default: cores)")
    signer.add_argument("--data", help="data folder holding keystore/ (default ./cbec-data or CBEC_DATA_DIR)")
    keys = sub.add_parser("signer-keys", help="密钥库 the key store: " + ", ".join(KEY_ACTIONS) +
                          " (docs/signing.md)")  # fmt: skip
    keys.add_argument("action", choices=KEY_ACTIONS)
    keys.add_argument("enterprise", nargs="?", help="enterprise code (list: all enterprises without it)")
    keys.add_argument("--key-type", default="RSA", choices=["RSA", "SM2"], help="generate, csr")
    keys.add_argument("--common-name", default="CBEC 测试企业 Test Enterprise", help="generate, csr")
    keys.add_argument("--organisation", default="", help="csr: subject O")
    keys.add_argument("--country", default="CN", help="csr: subject C (two letters)")
    keys.add_argument("--out", help="csr: write the request here (default: standard output)")
    keys.add_argument("--days", type=int, default=3650, help="generate: certificate validity, 1 to 36500 days")
    keys.add_argument("--key", help="import: PEM private key file")
    keys.add_argument("--cert", help="import, import-cert, pkcs11: PEM certificate file")
    keys.add_argument("--key-password-env", help="import: variable holding the key file's own password")
    keys.add_argument("--key-id", help="activate, revoke, delete: the key")
    keys.add_argument("--reason", default="", help="revoke: why")
    keys.add_argument("--no-activate", action="store_true", help="generate/import/pkcs11 without switching to it")
    keys.add_argument("--activate", action="store_true", help="import-cert: switch to the new key")
    keys.add_argument("--new-passphrase-env", help="passphrase: variable holding the new store passphrase")
    keys.add_argument("--module", help="pkcs11: the PKCS#11 module (.so)")
    keys.add_argument("--token-label", help="pkcs11: the token's label")
    keys.add_argument("--key-label", help="pkcs11: the private key's label on the token")
    keys.add_argument("--pin-env", default="CBEC_PKCS11_PIN", help="pkcs11: variable holding the token PIN")
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
    """One key store action; refusals (wrong passphrase, bad field, unknown key) exit 2 with the zh / en message."""
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
        flag = "R" if info.revoked else "*" if info.active else " "
        print(f"{flag} {info.enterprise}\t{info.key_id}\t{info.key_type}\t{info.kind}\t{info.protection}\t"
              f"{info.not_after:%Y-%m-%d}\t{info.subject}")  # fmt: skip
    return 0


def _key_action(store: Any, args: Namespace) -> list[Any]:
    """The KeyInfo rows to print after the action (the enterprise's keys, or the ones the action made)."""
    from engine.cli.output import UserError

    if args.action in _NEEDS_ENTERPRISE and not args.enterprise:
        raise UserError(f"{args.action} 需要企业编码 / {args.action} needs an enterprise code")
    if args.action in ("activate", "revoke", "delete") and not args.key_id:
        raise UserError(f"{args.action} 需要 --key-id / {args.action} needs --key-id")
    action = _ACTIONS.get(args.action)
    if action is not None:
        return action(store, args)
    if args.action == "expiring":
        return store.expiring(args.within)
    if args.action == "list":
        return store.keys(args.enterprise or None)
    return _store_wide(store, args)


def _generate(store: Any, args: Namespace) -> list[Any]:
    return [store.generate(args.enterprise, args.key_type, args.common_name, args.days, not args.no_activate)]


def _import(store: Any, args: Namespace) -> list[Any]:
    password = os.environ.get(args.key_password_env, "").encode() or None if args.key_password_env else None
    return [store.add(args.enterprise, _read(args.key, "--key"), _read(args.cert, "--cert"), password,
                      not args.no_activate)]  # fmt: skip


def _activate(store: Any, args: Namespace) -> list[Any]:
    store.activate(args.enterprise, args.key_id)
    return store.keys(args.enterprise)


def _csr(store: Any, args: Namespace) -> list[Any]:
    """The request goes to --out or standard output; the pending id to standard error, for the operator."""
    from adapters.signing.identity import CsrSubject

    subject = CsrSubject(args.common_name, args.organisation, args.country)
    pending_id, request = store.request(args.enterprise, subject, args.key_type)
    if args.out:
        Path(args.out).write_bytes(request)
    else:
        sys.stdout.write(request.decode())
    print(f"证书申请 certificate request {pending_id} of {args.enterprise} waits for its certificate "
          f"(cbec signer-keys import-cert {args.enterprise} --cert FILE)", file=sys.stderr)  # fmt: skip
    return []


def _import_cert(store: Any, args: Namespace) -> list[Any]:
    return [store.import_certificate(args.enterprise, _read(args.cert, "--cert"), args.activate)]


def _revoke(store: Any, args: Namespace) -> list[Any]:
    return [store.revoke(args.enterprise, args.key_id, args.reason)]


def _delete(store: Any, args: Namespace) -> list[Any]:
    store.delete(args.enterprise, args.key_id)
    return store.keys(args.enterprise)


def _pkcs11(store: Any, args: Namespace) -> list[Any]:
    from engine.cli.output import UserError

    missing = [f"--{n.replace('_', '-')}" for n in ("module", "token_label", "key_label") if not getattr(args, n)]
    if missing:
        raise UserError(f"pkcs11 需要 {' '.join(missing)} / pkcs11 needs {' '.join(missing)}")
    return [store.add_pkcs11(args.enterprise, _read(args.cert, "--cert"), args.module, args.token_label,
                             args.key_label, args.pin_env, not args.no_activate)]  # fmt: skip


def _store_wide(store: Any, args: Namespace) -> list[Any]:
    """passphrase (re-seal everything with the new passphrase) and upgrade (re-seal legacy key.pem files)."""
    from engine.cli.output import UserError

    if args.action == "upgrade":
        count = store.upgrade()
        print(f"已重新密封 {count} 个旧格式密钥 / re-sealed {count} legacy key files with scrypt", file=sys.stderr)
        return store.keys()
    new = os.environ.get(args.new_passphrase_env or "", "")
    if not new:
        raise UserError("passphrase 需要 --new-passphrase-env 指向已设置的变量 / passphrase needs "
                        "--new-passphrase-env naming a variable that holds the new passphrase")
    count = store.change_passphrase(new.encode())
    print(f"已用新口令重新密封 {count} 个密钥；请以新的 CBEC_KEYSTORE_PASSPHRASE 重启签名服务 / re-sealed {count} keys "
          "with the new passphrase; restart the signing services with the new CBEC_KEYSTORE_PASSPHRASE",
          file=sys.stderr)  # fmt: skip
    return []


def _read(path: str | None, flag: str) -> bytes:
    from engine.cli.output import UserError

    if not path:
        raise UserError(f"需要 {flag} 文件 / {flag} FILE is needed")
    return Path(path).read_bytes()


_ACTIONS: dict[str, Callable[[Any, Namespace], list[Any]]] = {
    "generate": _generate, "import": _import, "activate": _activate, "csr": _csr, "import-cert": _import_cert,
    "revoke": _revoke, "delete": _delete, "pkcs11": _pkcs11,
}
