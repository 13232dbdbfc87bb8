"""cbec: the platform's command line (P6). See ../shared/INTERFACES.md for the contract."""

from __future__ import annotations

import argparse
import logging
import sys

from engine.cli import audit as audit_commands
from engine.cli import identity as identity_commands
from engine.cli import platform as commands
from engine.cli import reference as reference_commands
from engine.cli import signing as signing_commands
from engine.cli.output import UserError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cbec", description="跨境电商海关申报平台 cross-border e-commerce platform")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="the whole platform on the embedded default, with demo data")
    serve.add_argument("--data", help="data folder (default ./cbec-data or CBEC_DATA_DIR)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--no-sim", action="store_true", help="do not start the customs node simulator")
    serve.add_argument("--faults", default="", help="simulator faults, e.g. reject=0.1,reject-order=BAD")

    init = sub.add_parser("init", help="create the data folder with the demo enterprise and its test key")
    init.add_argument("--data")
    init.add_argument("--algorithm", default="RSA-SHA1", choices=["RSA-SHA1", "SM2-SM3"])

    sim = sub.add_parser("customs-sim", help="the customs node simulator on its own, on the transport CBEC_TRANSPORT "
                                             "names (file boxes, AMQP, or HTTP listening on CBEC_HTTP_URL)")
    sim.add_argument("--boxes", required=True, help="the file boxes folder (outbox, inbox ...)")
    sim.add_argument("--faults", default="")
    sim.add_argument("--delay", type=float, default=1.0, help="seconds between 申报中 (2) and the final receipt")
    sim.add_argument("--once", action="store_true", help="one pass, then exit")

    relay = sub.add_parser("relay", help="distributed mode: publish the event store to Kafka, in order")
    relay.add_argument("--data")
    worker = sub.add_parser("worker", help="distributed mode: a Faust worker running the processors")
    worker.add_argument("--data")

    sign = sub.add_parser("sign", help="customs XML signature (RSA-SHA1 or SM2-SM3 by key type)")
    sign.add_argument("--key", required=True)
    sign.add_argument("--cert", help="certificate (default: cert.pem beside the key)")
    sign.add_argument("input")
    sign.add_argument("output")

    verify = sub.add_parser("verify", help="check a signature (customs XML, XMLDSig, CMS, PDF seal, QR text) against "
                                           "the data folder's keys and certificates and --trust")
    verify.add_argument("file")
    verify.add_argument("--data", help="data folder whose key store and enterprise certificates are trusted")
    verify.add_argument("--trust", action="append", default=[], metavar="PATH",
                        help="also trust this PEM certificate, or the certificates and CRLs of this folder "
                             "(repeatable)")
    verify.add_argument("--content", metavar="FILE", help="the signed content of a detached CMS or XMLDSig signature")
    for name, text in (("validate", "schema and rules"), ("inspect", "any CEB message as JSON")):
        sub.add_parser(name, help=text).add_argument("file")

    example = sub.add_parser("example", help="a complete valid message built by the platform")
    example.add_argument("message")
    example.add_argument("--signed", action="store_true")
    example.add_argument("--algorithm", default="RSA-SHA1", choices=["RSA-SHA1", "SM2-SM3"])
    example.add_argument("--data")

    order = sub.add_parser("order", help="import orders (CEB311) from the command line")
    order_sub = order.add_subparsers(dest="action", required=True)
    declare = order_sub.add_parser("declare", help="declare orders from a JSON file (one order or a list)")
    declare.add_argument("file")
    declare.add_argument("--data")
    show = order_sub.add_parser("show", help="an order, its status and timeline as JSON")
    show.add_argument("order_no")
    show.add_argument("--data")

    generic = sub.add_parser("declare", help="declare import documents of any type from a JSON file (I3-I11)")
    generic.add_argument("type", help="a slug (payments, waybills, inventories, export-inventories, bags, arrivals, "
                                      "departures, summaries ...) or the message (CEB621, CEB603 ...)")
    generic.add_argument("file", help="one document (JSON object) or a list of them; - for standard input")
    generic.add_argument("--data")

    projections = sub.add_parser("projections", help="read models")
    projections.add_argument("action", choices=["rebuild"])
    projections.add_argument("name", nargs="?")
    projections.add_argument("--from-kafka", action="store_true", help="replay the Kafka topics from offset 0")
    projections.add_argument("--data")

    bench = sub.add_parser("bench", help="capacity benchmarks: e2e, sign")
    bench.add_argument("name", choices=["e2e", "sign", "validate", "replay", "exchange", "import", "export"])
    bench.add_argument("--orders", type=int, default=10_000,
                       help="orders (e2e), purchases (import) or parcels (export; both default 2,000)")
    bench.add_argument("--n", type=int, default=2000, help="signatures per algorithm (sign)")
    bench.add_argument("--database-url", help="benchmark against this store instead of a temporary SQLite")
    bench.add_argument("--distributed", action="store_true",
                       help="e2e through PostgreSQL, Kafka and Faust workers (processes)")
    bench.add_argument("--workers", type=int, default=1, help="Faust workers (--distributed)")
    bench.add_argument("--kafka", help="Kafka bootstrap address (default: start the bundled test broker)")
    reference_commands.add_parsers(sub, bench)
    signing_commands.add_parsers(sub)
    audit_commands.add_parsers(sub, bench)
    identity_commands.add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = _parser().parse_args(argv)
    handler = (reference_commands.handler(args) or signing_commands.handler(args) or audit_commands.handler(args)
               or identity_commands.handler(args)
               or getattr(commands, args.command.replace("-", "_")))
    try:
        return int(handler(args) or 0)
    except UserError as error:
        print(f"错误 error: {error}", file=sys.stderr)
        return 2



if __name__ == "__main__":
    sys.exit(main())


