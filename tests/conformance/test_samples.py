"""The official 202205 sample messages parse, validate, and survive a rebuild by our codec."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from adapters import ceb
from schemas import SAMPLES


def _folder(direction: str) -> Path:
    return SAMPLES / direction


def _samples(direction: str) -> list[Path]:
    return sorted(_folder(direction).glob("*.xml"))


def _code(path: Path) -> str:
    return re.match(r"CEB\d{3}", path.name).group(0)  # one export sample is named "CEB214Message .xml"


def _sample(direction: str, name: str) -> bytes:
    return (_folder(direction) / name).read_bytes()


def _without_empty(document: dict) -> dict:
    clean = {}
    for key, value in document.items():
        if isinstance(value, list):
            clean[key] = [_without_empty(item) for item in value]
        elif value != "":
            clean[key] = value
    return clean


@pytest.fixture(params=["import", "export"])
def direction(request: pytest.FixtureRequest) -> str:
    return request.param


def test_the_samples_are_the_official_files_byte_for_byte() -> None:
    """The copies in schemas/samples/ keep the sums their README lists, and every file is listed."""
    readme = (SAMPLES.parent / "README.md").read_text(encoding="utf-8")
    listed = dict(reversed(line.split("  ", 1)) for line in readme.splitlines() if re.match(r"[0-9a-f]{64}  ", line))
    assert set(listed) == {p.relative_to(SAMPLES.parent).as_posix() for p in SAMPLES.glob("*/*.xml")}
    assert len(listed) == 39
    for name, digest in listed.items():
        assert hashlib.sha256((SAMPLES.parent / name).read_bytes()).hexdigest() == digest, name


def test_there_is_an_import_sample_for_every_import_receipt() -> None:
    codes = {_code(p) for p in _samples("import")}
    assert {"CEB312", "CEB412", "CEB512", "CEB514", "CEB622", "CEB624", "CEB626", "CEB712"} <= codes


def test_every_sample_parses_with_its_message_type_and_documents(direction: str) -> None:
    for path in _samples(direction):
        message = ceb.parse(path.read_bytes())
        assert message.message_type == _code(path), path.name
        assert message.documents, path.name
        assert message.guid and message.version == "1.0", path.name


def test_every_import_sample_is_valid_against_our_schemas() -> None:
    for path in _samples("import"):
        assert ceb.validate(path.read_bytes()) == [], path.name


def test_import_samples_rebuilt_from_their_documents_are_valid_and_read_back_the_same() -> None:
    for path in _samples("import"):
        message = ceb.parse(path.read_bytes())
        documents = [_without_empty(d) for d in message.documents]
        rebuilt = ceb.build(message.message_type, documents, message.transfer, message.guid)
        assert ceb.validate(rebuilt, allow_unsigned=True) == [], path.name
        assert ceb.parse(ceb.to_bytes(rebuilt)).documents == documents, path.name


def test_order_receipt_sample_gives_status_time_and_order_number() -> None:
    message = ceb.parse(_sample("import", "CEB312Message.xml"))
    first = message.documents[0]
    assert (message.message_type, message.transfer, message.signed) == ("CEB312", None, False)
    assert first["returnStatus"] == "2"
    assert first["returnTime"] == "20160428182238000"
    assert first["orderNo"] == "order20160321116420545"
    assert first["returnInfo"].startswith("新增申报成功")


def test_order_sample_starts_with_a_bom_and_gives_head_fields_lines_and_transfer() -> None:
    data = _sample("import", "CEB311Message.xml")
    assert data.startswith(b"\xef\xbb\xbf")
    message = ceb.parse(data)
    order = message.documents[0]
    assert order["orderNo"] == "order20160321116421002"
    assert order["acturalPaid"] == "19050"  # amounts stay strings
    assert [line["gnum"] for line in order["orderList"]][:2] == ["1", "2"]
    assert order["orderList"][0]["itemNo"] == "AF001-001"
    assert message.transfer["dxpMode"] == "DXP"
    assert message.signed


def test_inventory_receipt_sample_gives_its_pre_entry_number() -> None:
    receipt = ceb.parse(_sample("import", "CEB622Message.xml")).documents[0]
    assert receipt["preNo"] == "B20160512000001882"
    assert set(receipt) >= {"guid", "copNo", "returnStatus", "returnTime", "returnInfo"}


def test_export_samples_that_repeat_base_transfer_still_parse_with_the_last_one() -> None:
    message = ceb.parse(_sample("export", "CEB303Message.xml"))
    assert message.transfer is not None
    assert [i.code for i in ceb.validate(_sample("export", "CEB303Message.xml"))] == ["xsd.unexpected"]


def test_every_export_receipt_has_a_sample_giving_the_key_the_platform_matches_it_by() -> None:
    """#7: each official export receipt sample (CEB304 ... CEB216) names its document by the key fields of the
    document table, with a status and a time; the summary result CEB792 names its summary application (sumNo)."""
    from domain.customs.documents import BY_RECEIPT, EXPORT_TYPES

    samples = {_code(p): ceb.parse(p.read_bytes()).documents for p in _samples("export")}
    assert {t.receipt for t in EXPORT_TYPES} | {"CEB792"} <= samples.keys()
    for doc_type in EXPORT_TYPES:
        for receipt in samples[doc_type.receipt]:
            assert all(receipt.get(k) for k in BY_RECEIPT[doc_type.receipt].key), doc_type.receipt
            assert receipt["returnStatus"] and len(receipt["returnTime"]) == 17, doc_type.receipt
    assert all(result["sumNo"] and result["declSeqNo"] for result in samples["CEB792"])
