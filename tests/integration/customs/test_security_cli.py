"""#16 item 14: `cbec validate`, `cbec inspect` and `cbec declare` on hostile input (a DOCTYPE with an internal or an
external entity, a 100,000-deep JSON) say what is wrong in zh and en and exit 1, without a traceback."""

from __future__ import annotations

import pytest

from engine.cli.main import main

DOCTYPES = {
    "internal": '<!DOCTYPE ceb:CEB311Message [<!ENTITY x "hello">]>',
    "external": '<!DOCTYPE ceb:CEB311Message [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
    "billion-laughs": '<!DOCTYPE ceb:CEB311Message [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
                      '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>',
}


def hostile_xml(doctype: str, entity: str = "x") -> bytes:
    return (f'<?xml version="1.0"?>\n{doctype}\n<ceb:CEB311Message xmlns:ceb="http://www.chinaport.gov.cn/ceb" '
            f'guid="4CDE1CFD-EDED-46B1-946C-B8022E42FC94" version="1.0"><ceb:Order><ceb:OrderHead>'
            f'<ceb:guid>&{entity};</ceb:guid></ceb:OrderHead></ceb:Order></ceb:CEB311Message>').encode()


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CBEC_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


@pytest.mark.parametrize("kind", sorted(DOCTYPES))
@pytest.mark.parametrize("command", ["validate", "inspect"])
def test_a_message_with_a_dtd_is_refused_with_exit_1(tmp_path, capsys, kind, command):
    path = tmp_path / "hostile.xml"
    path.write_bytes(hostile_xml(DOCTYPES[kind], "d" if kind == "billion-laughs" else "x"))
    assert main([command, str(path)]) == 1
    out = capsys.readouterr()
    assert "Traceback" not in out.err + out.out and "passwd" not in out.out
    assert "DTD" in out.err and "不得包含DTD" in out.err


def test_a_100000_deep_json_is_refused_with_exit_1(tmp_path, capsys, data_dir):
    assert main(["init", "--data", str(data_dir)]) == 0
    capsys.readouterr()
    path = tmp_path / "deep.json"
    path.write_bytes(b"[" * 100_000 + b"]" * 100_000)
    for argv in (["declare", "payments", str(path)], ["order", "declare", str(path)]):
        assert main(argv) == 1
        out = capsys.readouterr()
        assert "Traceback" not in out.err and "JSON嵌套超过32层" in out.err and "deeper than 32 levels" in out.err
