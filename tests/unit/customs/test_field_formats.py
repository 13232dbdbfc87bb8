"""#18: every field's customs format is checked before anything is stored or sent: date-times, dates, numbers and
codes of every document type the platform declares, with the field named, the rule, zh and en messages and a fix."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

import pytest
from eventsourcing.application import AggregateNotFoundError

from adapters import ceb
from domain.customs.documents import ALL_TYPES, BY_MESSAGE
from domain.shared import formats
from domain.shared.rules import check_field
from engine.customs import examples
from engine.customs.catalog import Catalog
from engine.customs.service import Declarations, complete

NOW = datetime(2026, 12, 7, 23, 5)
INVT_NO, EXPORT_INVT_NO = "29282026I000000001", "29282026E000000001"


def valid_documents() -> dict[str, dict[str, Any]]:
    """One document of every type the platform declares, valid in its fields (engine/customs/examples.py)."""
    purchase, shipment = examples.purchase("FMT20261207000001"), examples.export_purchase("FMTEXP2026120700001")
    inventory, parcel = purchase["inventory"], shipment["waybill"]["logisticsNo"]
    return {"CEB311": purchase["order"], "CEB411": purchase["payment"], "CEB511": purchase["waybill"],
            "CEB513": purchase["delivery"], "CEB621": inventory,
            "CEB623": examples.cancellation(inventory, INVT_NO), "CEB625": examples.refund(inventory, INVT_NO),
            "CEB711": examples.entry([inventory["logisticsNo"]]), "CEB303": shipment["order"],
            "CEB403": shipment["collection"], "CEB505": shipment["waybill"], "CEB603": shipment["inventory"],
            "CEB607": examples.bag([parcel], invt_nos=[EXPORT_INVT_NO]), "CEB507": examples.arrival([parcel]),
            "CEB509": examples.departure([parcel]) | {"leaveTime": "20261207230500"},
            "CEB701": examples.summary([EXPORT_INVT_NO], start="20261201000000", end="20261207235959"),
            "CEB605": examples.export_cancellation(EXPORT_INVT_NO),
            "CEB213": examples.export_return(shipment["inventory"], EXPORT_INVT_NO),
            "CEB215": examples.tally(parcel, EXPORT_INVT_NO)}


def malformed(spec: Any) -> list[str]:
    """Values of the field's kind that customs would refuse, each passing the XSD's length where it has one."""
    shape = formats.format_of(spec.name)
    if spec.kind in ("decimal", "int"):
        bad = ["12,5", "1e3", "-1", "1 000"] + (["1.5"] if spec.kind == "int" else [])
        if spec.total_digits:
            bad.append("9" * (spec.total_digits - (spec.fraction_digits or 0) + 1))
        if spec.fraction_digits:
            bad.append("0." + "1" * (spec.fraction_digits + 1))
        return bad
    if shape is None:
        return []
    width = spec.length or spec.max_length or 4
    return {"datetime": ["2026-12-07 23:", "20261307230500", "20261207246000", "2026120723050"],
            "date": ["2026-12-", "20260230", "2026120"],
            "datetime_ms": ["2026-12-07 23:05:", "20261207230500999"[:16] + "x"],
            "digits": ["X" * width, "1-" + "0" * (width - 2) if width > 2 else "A"],
            "guid": [str(uuid.uuid4()), "{" + str(uuid.uuid4()).upper()[1:-1] + "}"],
            "enum": ["9"]}[shape.rule]


def checked_fields() -> list[tuple[str, str, str, Any]]:
    """(message, path of the value, list key or '', spec) of every field with a format or a number kind."""
    found = []
    for doc_type in ALL_TYPES:
        head, lists = Catalog().specs(doc_type.message)
        found += [(doc_type.message, spec.name, "", spec) for spec in head if malformed(spec)]
        for list_key, line_specs in lists.items():
            found += [(doc_type.message, spec.name, list_key, spec) for spec in line_specs if malformed(spec)]
    return found


FIELDS = checked_fields()


class NoEnterprises:
    """An event store holding nothing: the sender check, which comes after the field rules, finds no enterprise."""

    class repository:  # noqa: N801 - the attribute the service reads
        @staticmethod
        def get(aggregate_id: Any) -> Any:
            raise AggregateNotFoundError(aggregate_id)


def fields_refused(message: str, document: dict[str, Any]) -> dict[str, str]:
    """What the declaration service's field check refuses (the step every path takes): field -> rule; the sender's
    registration, which needs the event store, is left out."""
    doc_type = BY_MESSAGE[message]
    service = Declarations(NoEnterprises(), Catalog(), doc_type, now=lambda: NOW)  # type: ignore[arg-type]
    errors = service.check(complete(document, NOW, Catalog(), doc_type))
    return {e.field: e.rule for e in errors if e.rule != "registered"}


def test_every_format_the_xsd_annotations_state_is_in_the_table():
    """The table in domain/shared/formats.py covers every field whose XSD annotation gives YYYYMMDD... and the
    format agrees with the field's length; leaveTime, whose annotation says only 离境时间, is there too."""
    stated = {"YYYYMMDDhhmmssSSS": "datetime_ms", "yyyyMMddHHmmssfff": "datetime_ms", "YYYYMMDDhhmmssfff":
              "datetime_ms", "YYYYMMDDhhmmss": "datetime", "YYYYMMDD": "date"}
    seen = 0
    for message in ceb.message_types():
        for path, spec in ceb.field_specs(message).items():
            named = next((rule for text, rule in stated.items() if text in spec.doc_zh), None)
            if named is None:
                continue
            seen += 1
            shape = formats.format_of(spec.name)
            assert shape is not None and shape.rule == named, f"{message} {path}: {spec.doc_zh}"
            assert len(shape.example) == (spec.length or spec.max_length), f"{message} {path}"
    assert seen > 40
    assert formats.format_of("leaveTime") is formats.DATE_TIME


def test_a_cut_departure_time_is_refused_naming_the_field_with_the_format_to_use():
    """The value a maxlength of 14 left of "2026-12-07 23:05" has the XSD's length and was sent: now refused."""
    spec = ceb.field_specs("CEB509")["leaveTime"]

    error = check_field("leaveTime", "2026-12-07 23:", spec)

    assert (error.field, error.rule, error.value) == ("leaveTime", "format.datetime", "2026-12-07 23:")
    assert "leaveTime" in error.message_zh and "YYYYMMDDhhmmss" in error.message_zh
    assert "leaveTime" in error.message_en and "YYYYMMDDhhmmss" in error.message_en
    assert error.fix_zh == "格式为 YYYYMMDDhhmmss，例如 20261207230500"
    assert error.fix_en == "use YYYYMMDDhhmmss, e.g. 20261207230500"
    assert check_field("leaveTime", "20261207230500", spec) is None


@pytest.mark.parametrize(("value", "accepted"), [
    ("20260228235959", True), ("20240229000000", True), ("20260229000000", False), ("20261231240000", False),
    ("20261207236000", False), ("00001207230500", False), ("２０２６１２０７２３０５００", False)])
def test_a_date_time_must_be_a_real_moment(value, accepted):
    spec = ceb.field_specs("CEB411")["payTime"]
    assert (check_field("payTime", value, spec) is None) is accepted


def test_a_wrong_length_date_keeps_its_rule_and_gets_the_format_as_its_fix():
    error = check_field("declTime", "2026112", ceb.field_specs("CEB621")["declTime"])
    assert (error.rule, error.fix_en) == ("length", "use YYYYMMDD, e.g. 20261207")


@pytest.mark.parametrize(("name", "picked", "customs"), [
    ("leaveTime", "2026-12-07T23:05", "20261207230500"), ("leaveTime", "2026-12-07T23:05:09", "20261207230509"),
    ("payTime", "2026-12-07 23:05", "20261207230500"), ("ieDate", "2026-12-07", "20261207"),
    ("leaveTime", "2026-12-07T23:", "2026-12-07T23:"), ("leaveTime", "07/12/2026 23:05", "07/12/2026 23:05"),
    ("ieDate", "2026-12-07T23:05", "2026-12-07T23:05"), ("orderNo", "2026-12-07", "2026-12-07")])
def test_what_a_picker_sends_becomes_the_customs_format_and_nothing_else_is_guessed(name, picked, customs):
    assert formats.from_picker(name, picked) == customs


def test_a_customs_value_is_shown_in_the_picker_and_a_malformed_one_is_not():
    assert formats.to_picker("leaveTime", "20261207230509") == "2026-12-07T23:05:09"
    assert formats.to_picker("ieDate", "20261207") == "2026-12-07"
    assert formats.to_picker("leaveTime", "2026-12-07 23:") == ""


def test_the_valid_documents_pass_their_field_checks():
    """The baseline of the table below: each message's document is refused for nothing but what a test breaks."""
    documents = valid_documents()
    assert set(documents) == {t.message for t in ALL_TYPES}
    for message, document in documents.items():
        assert fields_refused(message, document) == {}, message


@pytest.mark.parametrize(("message", "name", "list_key", "spec"), FIELDS,
                         ids=[f"{m}-{k + '.' if k else ''}{n}" for m, n, k, _ in FIELDS])
def test_each_malformed_value_of_each_field_of_each_type_is_refused_naming_it(message, name, list_key, spec):
    """For each declared type, each date, date-time, number and code field: every malformed value is refused with
    that field named (its path as the consoles and the API show it) by a rule of its shape."""
    for value in malformed(spec):
        document = valid_documents()[message]
        if list_key:
            document[list_key][0][name] = value
            path = f"{list_key}[1].{name}"
        else:
            document[name] = value
            path = name
        refused = fields_refused(message, document)
        assert path in refused, f"{message} {path} = {value!r} was accepted"
        assert re.fullmatch(r"format\.\w+|length|max_length|number|non_negative|fraction_digits|total_digits",
                            refused[path]), (path, value, refused[path])


def test_the_table_covers_dates_times_numbers_and_codes_of_every_declared_type():
    covered = {(m, n) for m, n, _, _ in FIELDS}
    assert {("CEB509", "leaveTime"), ("CEB621", "declTime"), ("CEB621", "ieDate"), ("CEB603", "ieDate"),
            ("CEB411", "payTime"), ("CEB513", "logisticsTime"), ("CEB403", "accountingDate"),
            ("CEB701", "startTime"), ("CEB701", "endTime"), ("CEB621", "gcode"), ("CEB311", "acturalPaid")} <= covered
    assert {m for m, _ in covered} == {t.message for t in ALL_TYPES}
