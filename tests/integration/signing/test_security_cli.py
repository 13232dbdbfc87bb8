"""#16 item 14: `cbec sign` on an already signed file, on a file with a DTD, or with a missing key says what is wrong
in zh and en and exits 1 (a missing file: 2, as every command), without a traceback."""

from __future__ import annotations

import pytest

from adapters.signing import generate_identity, verify_bytes
from engine.cli.main import main
from engine.customs.message_examples import example_message


@pytest.fixture
def key(tmp_path):
    return generate_identity(tmp_path / "keys", "RSA-SHA1")[0]


def test_signing_a_signed_file_is_refused_with_exit_1(tmp_path, capsys, key):
    unsigned, signed = tmp_path / "order.xml", tmp_path / "signed.xml"
    unsigned.write_bytes(example_message("CEB311", signed=False, data_dir=tmp_path / "data"))
    assert main(["sign", "--key", str(key), str(unsigned), str(signed)]) == 0
    assert verify_bytes(signed.read_bytes()).ok
    capsys.readouterr()
    assert main(["sign", "--key", str(key), str(signed), str(tmp_path / "twice.xml")]) == 1
    out = capsys.readouterr()
    assert "Traceback" not in out.err and "已经签名" in out.err and "already signed" in out.err
    assert not (tmp_path / "twice.xml").exists()


def test_signing_a_file_with_a_dtd_is_refused_with_exit_1(tmp_path, capsys, key):
    hostile = tmp_path / "hostile.xml"
    hostile.write_bytes(b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>')
    assert main(["sign", "--key", str(key), str(hostile), str(tmp_path / "out.xml")]) == 1
    out = capsys.readouterr()
    assert "DTD" in out.err and "Traceback" not in out.err and not (tmp_path / "out.xml").exists()


def test_signing_with_a_missing_key_or_file_is_a_clear_error(tmp_path, capsys, key):
    message = tmp_path / "m.xml"
    message.write_bytes(b"<a/>")
    assert main(["sign", "--key", str(tmp_path / "nokey.pem"), str(message), str(tmp_path / "o.xml")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["sign", "--key", str(key), str(tmp_path / "none.xml"), str(tmp_path / "o.xml")]) == 2
    assert "no such file" in capsys.readouterr().err
