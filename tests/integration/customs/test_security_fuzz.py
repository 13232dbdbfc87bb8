"""#16: a bounded fuzz run (hypothesis, fixed max_examples and deadline, part of the normal suite) of the intake paths
that read outside input: the Excel workbook reader, the CEB XML parser and the JSON declare path (`cbec declare`,
the drop folders). Random and hostile bytes end in a clean refusal (the path's own error type, with its message) or a
success, never another exception type."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters import ceb
from engine.cli.output import UserError
from engine.cli.platform import _declare
from engine.customs import drop_folders, examples, workbooks
from engine.customs.api_json import plain
from engine.customs.message_examples import example_message
from tests.unit.customs.test_security_workbooks import SHEET, payments_template, read_payments, rezip

BOUNDED = settings(max_examples=60, deadline=5000, derandomize=True, database=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
HOSTILE_XML = [b'<!DOCTYPE a [<!ENTITY x "y">]>', b'<!DOCTYPE a SYSTEM "http://127.0.0.1:9/x.dtd">',
               b'<!ENTITY x SYSTEM "file:///etc/passwd">', b"&x;", b"<a>" * 300, b"</a>", b"\x00", b"\xff\xfe",
               b'<?xml version="1.0" encoding="UTF-7"?>', b'<?xml version="1.0" encoding="nonsense"?>',
               b"<![CDATA[", b"<!--", b"xmlns:ceb='x'", b"<dimension ref=\"A1:XFD1048576\"/>", b'<row r="99999999">']


def splice(data: bytes, at: int, cut: int, insert: bytes) -> bytes:
    at = at % (len(data) + 1)
    return data[:at] + insert + data[at + cut:]


insertions = st.one_of(st.binary(max_size=64), st.sampled_from(HOSTILE_XML))


# the workbook reader -----------------------------------------------------------------------------------------------

TEMPLATE = payments_template([plain(examples.purchase("FUZZ1")["payment"])])


@BOUNDED
@given(st.binary(max_size=4096))
def test_random_bytes_as_a_workbook(data):
    _read_or_refuse(data)


@BOUNDED
@given(st.integers(0, 10**6), st.integers(0, 64), insertions)
def test_a_workbook_whose_sheet_xml_is_mutated(at, cut, insert):
    _read_or_refuse(rezip(TEMPLATE, lambda name, content: splice(content, at, cut, insert) if name == SHEET
                          else content))


@BOUNDED
@given(st.integers(0, 10**6), st.integers(0, 64), insertions)
def test_a_workbook_file_whose_bytes_are_mutated(at, cut, insert):
    _read_or_refuse(splice(TEMPLATE, at, cut, insert))


def _read_or_refuse(data: bytes) -> None:
    try:
        read = read_payments(data)
    except workbooks.WorkbookRefused as refused:
        assert str(refused)
        return
    assert isinstance(read, workbooks.ImportedWorkbook)


def test_the_fuzzed_template_still_reads():
    assert [d["payTransactionId"] for d in read_payments(TEMPLATE).documents] == ["PAYFUZZ1"]
    assert zipfile.ZipFile(io.BytesIO(TEMPLATE)).read(SHEET)


# the CEB XML parser ------------------------------------------------------------------------------------------------

MESSAGE = example_message("CEB311")


@BOUNDED
@given(st.binary(max_size=4096))
def test_random_bytes_as_a_ceb_message(data):
    _parse_or_refuse(data)


@BOUNDED
@given(st.integers(0, 10**6), st.integers(0, 64), insertions)
def test_a_ceb_message_whose_bytes_are_mutated(at, cut, insert):
    _parse_or_refuse(splice(MESSAGE, at, cut, insert))


@BOUNDED
@given(st.sampled_from(HOSTILE_XML[:3]), st.integers(0, 4))
def test_a_ceb_message_with_a_dtd_is_always_refused(doctype, where):
    declaration, rest = MESSAGE.split(b"?>", 1)
    data = [doctype + MESSAGE, declaration + b"?>" + doctype + rest,
            declaration + b"?>\n" + doctype + b"\n" + rest, declaration + b"?><!-- c -->" + doctype + rest,
            b"\xef\xbb\xbf" + declaration + b"?>" + doctype + rest][where]
    with pytest.raises(ceb.CodecError):
        ceb.parse(data)


def _parse_or_refuse(data: bytes) -> None:
    try:
        message = ceb.parse(data)
    except ceb.CodecError as refused:
        assert str(refused)
        return
    assert message.message_type.startswith("CEB")


# the JSON declare path ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    from engine import bootstrap
    from engine.settings import Settings

    built = bootstrap.build(Settings.from_env(tmp_path_factory.mktemp("fuzz") / "data",
                                              env={"CBEC_SIM_ACCEPT_DELAY": "0"}))
    built.identity.enterprises.ensure_demo()
    yield built
    built.close()


PAYMENT = plain(examples.purchase("FUZZJ1")["payment"])
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                          max_size=3), max_leaves=12)
documents = st.dictionaries(st.sampled_from(sorted(PAYMENT)), values, max_size=6).map(lambda d: PAYMENT | d)
json_texts = st.one_of(
    st.binary(max_size=512),
    values.map(lambda v: json.dumps(v).encode()),
    st.lists(documents, min_size=1, max_size=3).map(lambda d: json.dumps(d).encode()),
    st.integers(1, 3000).map(lambda n: b"[" * n + b"]" * n),
    st.integers(1, 3000).map(lambda n: b'{"a":' * n + b"1" + b"}" * n),
)


@BOUNDED
@given(json_texts)
def test_random_json_through_cbec_declare(platform, tmp_path_factory, text):
    path = tmp_path_factory.mktemp("json") / "payments.json"
    path.write_bytes(text)
    try:
        assert _declare(platform, str(path), "CEB411") in (0, 1)
    except UserError as refused:  # BadInput: not JSON, too deep, no document
        assert str(refused)


@BOUNDED
@given(json_texts)
def test_random_json_through_the_drop_folder_reader(platform, text):
    folders = dict(platform.runner.steps)["drop-folders"].__self__
    try:
        doc_type, raws, _, _ = folders.read("payments-fuzz.json", text)
    except drop_folders.FileProblem as refused:
        assert refused.errors and all(e.message_zh and e.message_en for e in refused.errors)
        return
    assert doc_type.message == "CEB411"
    outcomes = platform.customs.declarations["CEB411"].declare_many(raws, "drop:fuzz", dry_run=True)
    assert len(outcomes) == len(raws)
