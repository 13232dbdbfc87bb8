"""The command handlers behind `cbec`: each parses nothing, calls the engine, and prints."""

from __future__ import annotations

import functools
import sys
from argparse import Namespace
from collections.abc import Callable
from pathlib import Path
from typing import Any

from adapters import ceb
from adapters.ceb.xmlio import parse_xml
from adapters.signing import SignatureError, xmldsig
from adapters.signing import cli as signing_cli
from domain.shared import rules
from engine import bootstrap
from engine.cli.output import UserError, print_json
from engine.customs.drop_folders import JsonRefused, load_json
from engine.settings import Settings


class BadInput(UserError):
    """The file given is there but unusable (not XML, a DTD, too deeply nested JSON, already signed ...): said in zh
    and en, exit status 1 like any refused input (#16 item 14), no traceback."""


def _refusing(handler: Callable[[Namespace], int]) -> Callable[[Namespace], int]:
    @functools.wraps(handler)
    def run(args: Namespace) -> int:
        try:
            return handler(args)
        except BadInput as error:
            print(f"错误 error: {error}", file=sys.stderr)
            return 1
    return run


def _platform(args: Namespace, with_simulator: bool = False, faults: str = "") -> bootstrap.Platform:
    return bootstrap.build(Settings.from_env(getattr(args, "data", None)), with_simulator, faults)


def serve(args: Namespace) -> int:
    import uvicorn

    from engine.demo import DEMO_PASSWORD, ORGANISATIONS, ensure_demo, ensure_demo_documents
    from ui.app import create_app

    platform = _platform(args, with_simulator=not args.no_sim, faults=args.faults)
    enterprise = platform.identity.enterprises.ensure_demo()
    ensure_demo(platform.identity, platform.identity.enterprises, platform.reference)
    ensure_demo_documents(platform.customs.declarations, enterprise.code)
    if not platform.settings.distributed:
        platform.runner.start()  # distributed: the workers run the processors
    platform.audit.runner.start()  # B1-B4 followers: audit chain and BI read models, in both modes
    url = f"http://{args.host}:{args.port}/"
    print(f"跨境电商平台已启动 platform running: {url}  (API docs {url}docs)")
    print(f"数据目录 data: {platform.settings.data_dir}  文件箱 boxes: {platform.settings.boxes_dir}")
    print(f"演示企业 demo enterprise: {enterprise.code} {enterprise.name}; 海关模拟器 customs simulator: "
          f"{'on' if platform.simulator else 'off'}")
    logins = ", ".join(user for *_, users in ORGANISATIONS for user, _, _ in users)
    print(f"演示账户 demo logins: {logins}; 密码 password: {DEMO_PASSWORD}", flush=True)
    try:
        uvicorn.run(create_app(platform), host=args.host, port=args.port, log_level="warning")
    finally:
        platform.close()
    return 0


def init(args: Namespace) -> int:
    platform = _platform(args)
    try:
        from engine.demo import ensure_demo

        enterprise = platform.identity.enterprises.ensure_demo(args.algorithm)
        ensure_demo(platform.identity, platform.identity.enterprises, platform.reference)
        print(f"{platform.settings.data_dir}: 演示企业 demo enterprise {enterprise.code} {enterprise.name} "
              f"({enterprise.signing['algorithm']})")
    finally:
        platform.close()
    return 0


def relay(args: Namespace) -> int:
    from adapters.kafka.client import Publisher, ensure_topics
    from engine.hosts.relay import Relay

    settings = _distributed_settings(args)
    platform = bootstrap.build(settings)
    publisher = Publisher(settings.kafka_bootstrap)
    print(f"relay: event store -> Kafka {settings.kafka_bootstrap}, from position "
          f"{platform.store.position('relay')}", flush=True)
    try:
        Relay(platform.store, publisher,
              lambda names: ensure_topics(settings.kafka_bootstrap, names, settings.kafka_partitions)).run_forever()
    finally:
        publisher.close()
        platform.close()
    return 0


def worker(args: Namespace) -> int:
    from engine.hosts.worker import run

    run(_distributed_settings(args))
    return 0


def _distributed_settings(args: Namespace) -> Settings:
    settings = Settings.from_env(getattr(args, "data", None))
    if not settings.distributed:
        raise UserError("CBEC_KAFKA_BOOTSTRAP is not set: relay and worker are for distributed mode")
    return settings


def customs_sim(args: Namespace) -> int:
    """The simulator on the transport the settings name (CBEC_TRANSPORT: the file boxes under --boxes, or the AMQP
    queues, ...); its ledger and logs stay under --boxes."""
    from dataclasses import replace

    settings = Settings.from_env(getattr(args, "data", None))
    settings = replace(settings, boxes_dir=Path(args.boxes), sim_accept_delay=args.delay)
    simulator = bootstrap.make_simulator(settings, args.faults)
    try:
        if args.once:
            simulator.run_once()
            return 0
        print(f"海关节点模拟器 customs node simulator on {settings.transport}, ledger in {Path(args.boxes).resolve()}",
              flush=True)
        simulator.run_forever()
    finally:
        if hasattr(simulator, "close"):
            simulator.close()
    return 0


@_refusing
def sign(args: Namespace) -> int:
    cert = args.cert or str(Path(args.key).with_name("cert.pem"))
    for path in (args.key, cert):
        _read(path)  # a clear error for a missing key or certificate
    root = _parse_xml(args.input)
    if root.find(xmldsig.SIGNATURE_TAG) is not None:
        raise BadInput(f"{args.input} 已经签名（含 ds:Signature），请对未签名的报文加签 "
                       "is already signed (it has a ds:Signature): sign the unsigned message")
    try:
        signing_cli.sign_file(args.key, cert, args.input, args.output)
    except SignatureError as error:
        raise BadInput(f"无法加签 cannot sign {args.input}: {error}") from error
    except OSError as error:
        raise BadInput(f"无法写入 cannot write {args.output}: {error}") from error
    return 0


@_refusing
def verify(args: Namespace) -> int:
    """验签 of a customs message (or DXP envelope), XMLDSig, CMS (DER or PEM), PDF seal or signed QR text, trusting the
    key store and the registered enterprise certificates of the data folder, CBEC_SIGNER_TRUST_DIR and each
    ``--trust`` certificate or folder: never the certificate a signature merely carries (#17 item 1)."""
    from engine.cli.verifying import verifier, verify_any

    data = _read(args.file)
    content = _read(args.content) if args.content else None
    try:
        service = verifier(Settings.from_env(args.data).data_dir, args.trust)
    except ValueError as error:
        raise BadInput(str(error)) from error
    result = verify_any(service, data, content)
    # stdout keeps the one-line answer scripts read (INTERFACES.md: `OK`, or the reason); who signed goes to stderr
    print("OK" if result.ok else f"FAILED: {result.reason}" + (f" ({result.detail})" if result.detail else ""))
    for label, value in (("签名者 subject", result.subject), ("序列号 serial", result.serial),
                         ("颁发者 issuer", result.issuer)):  # fmt: skip
        if value:
            print(f"{label}: {value}", file=sys.stderr)
    if result.enterprise:
        print(f"密钥 key: {result.enterprise}/{result.key_id}", file=sys.stderr)
    return 0 if result.ok else 1


@_refusing
def validate(args: Namespace) -> int:
    message = _parse(args.file)
    problems = [(i.field, i.code, i.message) for i in ceb.validate(message.root)]
    if message.message_type == "CEB311":
        for n, doc in enumerate(message.documents, start=1):
            problems += [(f"Order[{n}].{e.field}", e.rule, e.message_zh) for e in rules.check_import_order(doc)]
    from engine.cli.reference import code_problems

    problems += code_problems(message, getattr(args, "data", None))
    for field, code, text in problems:
        print(f"{field}\t{code}\t{text}")
    if not problems:
        print("OK")
    return 1 if problems else 0


@_refusing
def inspect(args: Namespace) -> int:
    message = _parse(args.file)
    out: dict[str, Any] = {"message_type": message.message_type, "guid": message.guid, "version": message.version,
                           "signed": message.signed, "transfer": message.transfer, "documents": message.documents}
    if message.envelope is not None:
        out["envelope"] = message.envelope._asdict() if hasattr(message.envelope, "_asdict") else vars(message.envelope)
    print_json(out)
    return 0


def example(args: Namespace) -> int:
    from engine.customs.message_examples import example_message

    data_dir = Settings.from_env(args.data).data_dir
    try:
        data = example_message(args.message, signed=args.signed, algorithm=args.algorithm, data_dir=data_dir)
    except ValueError as error:
        print(f"cbec example: {error}", file=sys.stderr)
        return 2
    sys.stdout.buffer.write(data)
    return 0


@_refusing
def order(args: Namespace) -> int:
    platform = _platform(args)
    try:
        return _declare(platform, args.file) if args.action == "declare" else _show(platform, args.order_no)
    finally:
        platform.close()


def _declare(platform: bootstrap.Platform, file: str, message_type: str = "CEB311") -> int:
    try:
        data = load_json(_read(file))  # bounded depth: a 100,000-deep file is refused, not a RecursionError
    except JsonRefused as error:
        raise BadInput(f"{file}: {error}") from error
    found = data if isinstance(data, list) else data.get("orders", [data]) if isinstance(data, dict) else None
    found = [found] if isinstance(found, dict) else found
    if not found or not isinstance(found, list):
        raise BadInput(f"{file}: 需要一个单证对象或单证列表 expected a document object or a list of documents")
    outcomes = platform.customs.declarations[message_type].declare_many(found, declared_by="cli")
    for o in outcomes:
        print(f"{o.number or '#' + str(o.index + 1)}\t{'OK' if o.ok else 'REJECTED'}")
        for e in o.errors:
            print(f"  {e.field}\t{e.rule}\t{e.message_zh} / {e.message_en}")
    platform.customs.orders_view.run_once()
    return 0 if all(o.ok for o in outcomes) else 1


@_refusing
def declare(args: Namespace) -> int:
    """`cbec declare TYPE FILE`: any import document type, by its slug (inventories) or message (CEB621)."""
    from domain.customs import documents

    doc_type = documents.of_slug(args.type) or documents.BY_MESSAGE.get(args.type.upper())
    if doc_type is None:
        known = ", ".join(t.slug for t in documents.ALL_TYPES)
        raise UserError(f"未知单证类型 unknown document type {args.type}; known: {known}")
    platform = _platform(args)
    try:
        return _declare(platform, args.file, doc_type.message)
    finally:
        platform.close()


def _show(platform: bootstrap.Platform, order_no: str) -> int:
    platform.customs.orders_view.run_once()
    detail = platform.customs.queries.detail(order_no)
    if detail is None:
        raise UserError(f"订单 {order_no} 不存在 order not found")

    print_json({"orderNo": order_no, "status": detail.status, "document": detail.order.document,
                "timeline": detail.timeline})
    return 0


def projections(args: Namespace) -> int:
    """Rebuild read models beside the live ones, then switch (B3): the consoles keep answering meanwhile."""

    platform = _platform(args)
    args.name = RENAMED_VIEWS.get(args.name, args.name)
    try:
        views = platform.views()
        if args.name and args.name not in views:
            raise UserError(f"unknown projection {args.name}; known: {', '.join(views)}")
        for name, view in views.items():
            if args.name in (None, name):
                if args.from_kafka and name == "event_index":
                    print(f"{name}: skipped, it is rebuilt from the event store (without --from-kafka)")
                    continue
                print(f"{name}: {_rebuild(platform, view, args.from_kafka)} events replayed", flush=True)
    finally:
        platform.close()
    return 0


# read models renamed for what they hold (issue 15): their old names still work on the command line
RENAMED_VIEWS = {"import_documents": "customs_documents", "import_drafts": "customs_drafts",
                 "payment_data": "payment179"}


def _rebuild(platform: bootstrap.Platform, view: Any, from_kafka: bool) -> int:
    from engine.hosts.rebuild import print_progress, rebuild_beside

    if not from_kafka:
        return rebuild_beside(view, progress=print_progress(view.name))
    if not platform.settings.distributed:
        raise UserError("--from-kafka needs CBEC_KAFKA_BOOTSTRAP")
    from engine.hosts.replay import rebuild_from_kafka

    return rebuild_beside(view, lambda shadow: rebuild_from_kafka(platform.settings.kafka_bootstrap, shadow))


def bench(args: Namespace) -> int:
    if args.name == "sign":
        from bench.sign import run

        results = run(args.n)
    elif args.name == "import":
        from bench.purchases import run as run_purchases

        results = run_purchases(args.orders if args.orders != 10_000 else 2000, args.database_url)
    elif args.name == "export":
        from bench.export import run as run_export

        results = run_export(args.orders if args.orders != 10_000 else 2000, args.database_url)
    elif args.name == "exchange":
        from bench.exchange import run as run_exchange

        results = run_exchange(args.orders if args.orders != 10_000 else 5000)
    elif args.distributed:
        from bench.distributed import run as run_distributed

        results = run_distributed(args.orders, args.database_url, args.kafka, args.workers)
    else:
        from bench.e2e import run as run_e2e

        results = run_e2e(args.orders, args.database_url)
    for metric, value, unit in results:
        print(f"{metric}: {value:.2f} {unit}" if isinstance(value, float) else f"{metric}: {value} {unit}")
    return 0


def _read(file: str) -> bytes:
    """The file's bytes; `-` reads standard input (as `cbec declare TYPE -` says)."""
    if file == "-":
        return sys.stdin.buffer.read()
    path = Path(file)
    if not path.is_file():
        raise UserError(f"文件不存在 no such file: {file}")
    return path.read_bytes()


def _parse(file: str) -> ceb.Message:
    try:
        return ceb.parse(_read(file))
    except ceb.CodecError as error:
        raise BadInput(f"{file}: {error}") from error


def _parse_xml(file: str) -> Any:
    """Any XML file, read as the CEB codec reads (no DTD, no entities, bounded depth)."""
    try:
        return parse_xml(_read(file))
    except ceb.CodecError as error:
        raise BadInput(f"{file}: {error}") from error
