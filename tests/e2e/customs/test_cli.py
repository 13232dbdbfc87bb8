"""P6, S1, X2: the command line operators and integrators script against (INTERFACES.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from adapters.signing import generate_identity
from engine.customs import examples
from engine.customs.api_json import plain
from schemas import sample


def cbec(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "engine.cli", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, timeout=120)


def test_example_sign_verify_and_one_changed_byte(tmp_path):
    unsigned = tmp_path / "order.xml"
    unsigned.write_text(cbec("example", "CEB311").stdout, "utf-8")
    for algorithm in ("RSA-SHA1", "SM2-SM3"):
        key, cert = generate_identity(tmp_path / algorithm, algorithm)
        signed = tmp_path / f"signed-{algorithm}.xml"
        assert cbec("sign", "--key", key, "--cert", cert, unsigned, signed).returncode == 0
        result = cbec("verify", signed, "--trust", cert, "--data", tmp_path / "no-data")
        assert (result.returncode, result.stdout.splitlines()[-1]) == (0, "OK")
        untrusted = cbec("verify", signed, "--data", tmp_path / "no-data")  # #17 item 1: whose certificate is it?
        assert untrusted.returncode == 1 and "FAILED: untrusted-certificate" in untrusted.stdout
        tampered = tmp_path / "tampered.xml"
        tampered.write_bytes(signed.read_bytes().replace(b"<ceb:qty>2<", b"<ceb:qty>3<", 1))
        result = cbec("verify", tampered, "--trust", cert)
        assert result.returncode == 1 and "digest" in result.stdout


def test_validate_reports_field_code_and_message(tmp_path):
    good = tmp_path / "good.xml"
    good.write_text(cbec("example", "CEB311", "--signed").stdout, "utf-8")
    assert cbec("validate", good).returncode == 0
    bad = tmp_path / "bad.xml"
    bad.write_bytes(good.read_bytes().replace(b"<ceb:acturalPaid>871.25<", b"<ceb:acturalPaid>9<"))
    result = cbec("validate", bad)
    assert result.returncode == 1
    assert result.stdout.split("\t")[:2] == ["Order[1].acturalPaid", "paid_arithmetic"]


def test_inspect_prints_the_message_as_json(tmp_path):
    message = tmp_path / "m.xml"
    message.write_text(cbec("example", "CEB311").stdout, "utf-8")
    data = json.loads(cbec("inspect", message).stdout)
    assert data["message_type"] == "CEB311" and len(data["guid"]) == 36
    assert data["documents"][0]["orderList"][0]["gnum"] == "1"


def test_inspect_reads_an_official_receipt():
    data = json.loads(cbec("inspect", sample("import", "CEB312Message.xml")).stdout)
    assert data["message_type"] == "CEB312" and data["documents"][0]["returnStatus"] == "2"


def test_declaring_from_a_file_names_the_bad_fields(tmp_path):
    data = tmp_path / "data"
    orders = tmp_path / "orders.json"
    good, bad = plain(examples.import_order("CLI-1")), plain(examples.import_order("CLI-2")) | {"buyerName": ""}
    orders.write_text(json.dumps([good, bad]), "utf-8")
    assert "not registered" in cbec("order", "declare", orders, "--data", data).stdout
    assert cbec("init", "--data", data).returncode == 0
    result = cbec("order", "declare", orders, "--data", data)
    assert result.returncode == 1
    missing_name = "  buyerName\trequired\t订购人姓名(buyerName)为必填项 / buyerName is required"
    assert result.stdout.splitlines()[:3] == ["CLI-1\tOK", "CLI-2\tREJECTED", missing_name]
    shown = json.loads(cbec("order", "show", "CLI-1", "--data", data).stdout)
    assert shown["status"] == "declared" and shown["timeline"][0]["event"] == "Declared"


def test_a_missing_file_is_a_clear_error():
    result = cbec("verify", "/no/such/file.xml")
    assert result.returncode == 2 and "no such file" in result.stderr


def test_example_signed_with_the_demo_key_of_the_data_folder(tmp_path):
    from adapters.signing.certificate import load_certificate

    data = tmp_path / "data"
    assert cbec("init", "--data", data).returncode == 0
    signed = tmp_path / "signed.xml"
    signed.write_text(cbec("example", "CEB311", "--signed", "--data", data).stdout, "utf-8")
    assert cbec("verify", signed, "--data", data).stdout.splitlines()[-1] == "OK"  # the enterprise's registered cert
    (certificate,) = (data / "keystore" / "3301960001").glob("*/cert.pem")  # #17: one sealed key store
    serial = load_certificate(certificate.read_bytes()).key_name
    assert f"<ds:KeyName>{serial}</ds:KeyName>" in signed.read_text("utf-8")


def test_any_import_document_type_is_declared_from_a_file(tmp_path):
    """I8, I10, X2: `cbec declare TYPE FILE` for every document type, by slug or by message."""
    data = tmp_path / "data"
    assert cbec("init", "--data", data).returncode == 0
    purchase = examples.purchase("CLI-P1")
    waybill, payments = tmp_path / "waybill.json", tmp_path / "payments.json"
    waybill.write_text(json.dumps(plain(purchase["waybill"])), "utf-8")
    payments.write_text(json.dumps([plain(purchase["payment"]),
                                    plain(purchase["payment"]) | {"payTransactionId": "P2", "amountPaid": "-1"}]))
    assert cbec("declare", "waybills", waybill, "--data", data).stdout.splitlines() == ["YTCLI-P1\tOK"]
    result = cbec("declare", "CEB411", payments, "--data", data)
    assert result.returncode == 1
    assert result.stdout.splitlines()[:3] == ["PAYCLI-P1\tOK", "P2\tREJECTED",
                                              "  amountPaid\tnon_negative\t支付金额(amountPaid)不能为负数 / "
                                              "amountPaid must not be negative"]
    unknown = cbec("declare", "parcels", waybill, "--data", data)
    assert unknown.returncode == 2 and "inventories" in unknown.stderr


def test_a_document_is_declared_from_standard_input(tmp_path):
    """P6: `cbec declare TYPE -` reads the documents from standard input, as its help says."""
    data = tmp_path / "data"
    assert cbec("init", "--data", data).returncode == 0
    waybill = json.dumps(plain(examples.purchase("CLI-STDIN")["waybill"]))
    result = subprocess.run([sys.executable, "-m", "engine.cli", "declare", "waybills", "-", "--data", str(data)],
                            input=waybill, capture_output=True, text=True, timeout=120)
    assert (result.returncode, result.stdout.splitlines()) == (0, ["YTCLI-STDIN\tOK"])
