"""`cbec reference ...` and `cbec bench validate`: the command handlers of the reference data (I1, I2), and the
code rules `cbec validate` applies to a message file."""

from __future__ import annotations

import argparse
import json
from argparse import Namespace
from collections.abc import Callable
from pathlib import Path
from typing import Any

from adapters import ceb
from adapters.reference import shipped
from domain.reference import rules
from domain.reference.entry import Entry
from domain.reference.index import ReferenceIndex
from domain.reference.lists import LISTS, normalise
from domain.reference.model import ReferenceChangeRefused
from engine.settings import Settings

ACTIONS = ("lists", "lookup", "import", "export", "template", "history", "edit", "rebuild")
DOCUMENT_NAMES = {"CEB311": "Order", "CEB303": "Order", "CEB411": "Payment", "CEB621": "Inventory",
                  "CEB603": "Inventory"}


def add_parsers(sub: Any, bench: argparse.ArgumentParser) -> None:
    """The `reference` command, `bench validate`'s option, and `validate --data`."""
    ref = sub.add_parser("reference", help="customs code lists 海关参数: lists, lookup, import, export, template, "
                                           "history, edit, rebuild")
    ref.add_argument("action", choices=ACTIONS)
    ref.add_argument("list", nargs="?", help=f"one of: {', '.join(LISTS)}")
    ref.add_argument("value", nargs="?", help="lookup: text; import/export/template: file; history/edit: code")
    ref.add_argument("--reason", default="", help="why (import, edit)")
    ref.add_argument("--by", default="cli", help="who (import, edit)")
    ref.add_argument("--set", action="append", default=[], metavar="COLUMN=VALUE", help="edit: a column's new value")
    ref.add_argument("--complete", action="store_true",
                     help="import: the file is customs' official, complete list; codes outside it are then refused")
    ref.add_argument("--data")
    bench.add_argument("--hs-rows", type=int, default=10_000, help="synthetic HS rows loaded (validate)")
    sub.choices["validate"].add_argument("--data", help="use this data folder's code lists (default: shipped lists)")


def handler(args: Namespace) -> Callable[[Namespace], int] | None:
    if args.command == "reference":
        return reference
    if args.command == "bench" and args.name == "validate":
        return bench_validate
    return None


def reference(args: Namespace) -> int:
    from engine import bootstrap
    from engine.cli.output import UserError
    from engine.reference.service import UnreadableTable

    if args.action not in ("lists", "rebuild") and args.list not in LISTS:
        raise UserError(f"unknown list {args.list!r}; lists: {', '.join(LISTS)}")
    platform = bootstrap.build(Settings.from_env(args.data))
    try:
        assert platform.reference is not None
        return _run(platform.reference, args)
    except UnreadableTable as error:
        raise UserError(str(error)) from error
    except ReferenceChangeRefused as refused:
        raise UserError("; ".join(f"{r.zh} / {r.en}" for r in refused.reasons)) from refused
    finally:
        platform.close()


def _run(service: Any, args: Namespace) -> int:
    if args.action == "lists":
        for name, count in service.counts().items():
            print(f"{name}\t{count}\t{LISTS[name].zh}\t{LISTS[name].en}")
    elif args.action == "rebuild":
        print(f"{service.view.name}: {service.view.rebuild()} events replayed")
    elif args.action == "lookup":
        for e in service.search(args.list, args.value or "", 20):
            print(f"{e.code}\t{e.name_zh}\t{e.name_en}\t{e.validity}")
    elif args.action == "import":
        report = service.import_file(args.list, Path(args.value).name, Path(args.value).read_bytes(), args.by,
                                     args.reason, args.complete)
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return 1 if report.rejected else 0
    elif args.action in ("export", "template"):
        data = service.export_xlsx(args.list) if args.action == "export" else service.template_xlsx(args.list)
        Path(args.value).write_bytes(data)
        print(f"{args.value}: {len(data)} bytes")
    elif args.action == "history":
        print(json.dumps(service.history(args.list, args.value), ensure_ascii=False, indent=2))
    elif args.action == "edit":
        values = dict(item.split("=", 1) for item in args.set) | {"code": args.value}
        print("changed" if service.edit(args.list, values, args.by, args.reason) else "unchanged")
    return 0


def shipped_index() -> ReferenceIndex:
    """The shipped lists alone, in memory: what `cbec validate` checks against without a data folder."""
    complete = {name: shipped.provenance(name).complete for name in LISTS}
    return ReferenceIndex((Entry.of(name, normalise(spec, row)) for name, spec in LISTS.items()
                           for row in shipped.shipped(name)[0]), complete)


def code_index(data: str | None) -> ReferenceIndex:
    """A data folder's lists (with its imports and edits) when one is given or exists, else the shipped ones."""
    settings = Settings.from_env(data)
    exists = settings.is_postgres or Path(settings.database_url.removeprefix("sqlite:///")).is_file()
    if data is None and not exists:
        return shipped_index()
    from engine.reference.service import ReferenceData
    from engine.store import open_store
    from projections.db import Database
    from projections.reference.code_lists import ReferenceView

    store, readmodels = open_store(settings), Database(settings.readmodel_url())
    try:
        service = ReferenceData(store, ReferenceView(readmodels, store))
        service.ensure_seeded()
        return service.index()
    finally:
        readmodels.close()
        store.close()


def code_problems(message: ceb.Message, data: str | None = None) -> list[tuple[str, str, str]]:
    """(field, rule, message) of every code rule a parsed message breaks, as `cbec validate` prints them."""
    profile = rules.PROFILES.get(message.message_type)
    if profile is None:
        return []
    index, name = code_index(data), DOCUMENT_NAMES.get(message.message_type, "Document")
    found = []
    for n, doc in enumerate(message.documents, start=1):
        day = rules.declaration_date(doc, profile)
        if day is None:
            from engine import clock

            day = clock.now().date()
        found += [(f"{name}[{n}].{e.field}", e.rule, f"{e.message_zh}；{e.fix_zh}")
                  for e in rules.check_codes(doc, profile, index, day)]
    return found


def bench_validate(args: Namespace) -> int:
    from bench.validate import run

    for metric, value, unit in run(args.hs_rows):
        print(f"{metric}: {value:.2f} {unit}" if isinstance(value, float) else f"{metric}: {value} {unit}")
    return 0
