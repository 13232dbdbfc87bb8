"""#16 item 5: one bad file in a drop folder stopped intake for every enterprise (an XML with an external entity, a
100,000-deep JSON raised on every pass, stayed in in/ without a result and held up the other folders). Each file is
now handled alone: a bad one goes to failed/ with its reason, the others go on; folders of an enterprise registered
after start are made on the next pass; a missing done/ is made again; a file that cannot be moved is reported once,
not retried in a hot loop."""

from __future__ import annotations

import json
import logging

import pytest

from engine.customs import drop_folders, examples
from engine.customs.drop_folders import DropFolders
from tests.integration.customs.test_drop_folders import LOGISTICS, PAYER, drop, payments_json, result_of
from tests.unit.customs.test_security_workbooks import payments_template, with_dimension, with_doctype

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE ceb:CEB411Message [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<ceb:CEB411Message xmlns:ceb="http://www.chinaport.gov.cn/ceb" guid="4CDE1CFD-EDED-46B1-946C-B8022E42FC94"
 version="1.0"><ceb:Payment><ceb:PaymentHead><ceb:guid>&x;</ceb:guid></ceb:PaymentHead></ceb:Payment>
</ceb:CEB411Message>"""
DEEP_JSON = b"[" * 100_000 + b"]" * 100_000


@pytest.fixture
def platform(make_platform):
    return make_platform(demo_users=True, CBEC_DROP_SETTLE="0")


def folders_of(platform) -> DropFolders:
    return dict(platform.runner.steps)["drop-folders"].__self__


def waybill_json(order_no: str) -> bytes:
    return json.dumps({"type": "waybills", "documents": [examples.purchase(order_no)["waybill"]]},
                      ensure_ascii=False, default=str).encode("utf-8")


def errors_of(platform, code: str, name: str) -> list[dict]:
    return result_of(platform, code, "failed", name)["errors"]


def test_hostile_files_fail_alone_and_every_other_file_goes_on(platform):
    platform.runner.run_until_idle()
    drop(platform, PAYER, "payments-xxe.xml", EXTERNAL_ENTITY)
    drop(platform, PAYER, "payments-deep.json", DEEP_JSON)
    drop(platform, PAYER, "payments-dtd.xlsx", with_doctype(payments_template()))
    drop(platform, PAYER, "payments-nul.csv", b"payTransactionId\n" + b"x" * 200_000 + b"\n")
    drop(platform, PAYER, "payments-bytes.csv", b"payTransactionId\n\x81\x20\xff\xfe\n")
    drop(platform, PAYER, "payments-wide.xlsx", with_dimension(payments_template(
        [examples.purchase("DROPW1")["payment"]]), "A1:XFD1048576"))
    drop(platform, LOGISTICS, "waybills-good.json", waybill_json("DROPG1"))
    platform.runner.run_until_idle()

    assert platform.runner.stats["drop-folders"].errors == 0  # no pass raised: no 503, no traceback
    assert not list((platform.settings.drop_dir / PAYER / "in").iterdir())
    assert "DTD" in errors_of(platform, PAYER, "payments-xxe.xml")[0]["message_en"]
    [deep] = errors_of(platform, PAYER, "payments-deep.json")
    assert deep["rule"] == "max_depth" and "32" in deep["message_zh"] and "32" in deep["message_en"]
    assert "DTD" in errors_of(platform, PAYER, "payments-dtd.xlsx")[0]["message_en"]
    assert errors_of(platform, PAYER, "payments-nul.csv")[0]["rule"] == "csv"
    assert "GB18030" in errors_of(platform, PAYER, "payments-bytes.csv")[0]["message_en"]
    assert result_of(platform, PAYER, "done", "payments-wide.xlsx")["accepted"] == 1  # read in its used range
    assert result_of(platform, LOGISTICS, "done", "waybills-good.json")["accepted"] == 1


def test_an_error_no_rule_names_fails_that_file_only(platform, monkeypatch):
    """A file that makes the code raise anything (a bug, a parser's surprise) is recorded failed with the kind of
    error and moved; it is not taken again, and the other files are declared."""
    platform.runner.run_until_idle()
    original = DropFolders.read_json

    def surprising(self, name, data):
        if "boom" in name:
            raise RuntimeError("a surprise")
        return original(self, name, data)

    monkeypatch.setattr(DropFolders, "read_json", surprising)
    drop(platform, PAYER, "payments-boom.json", payments_json("DROPB1"))
    drop(platform, PAYER, "payments-fine.json", payments_json("DROPF1", "DROPF2"))
    platform.runner.run_until_idle()

    assert platform.runner.stats["drop-folders"].errors == 0
    [error] = errors_of(platform, PAYER, "payments-boom.json")
    assert error["rule"] == "unprocessable" and "RuntimeError" in error["message_en"] and error["message_zh"]
    assert result_of(platform, PAYER, "failed", "payments-fine.json")["accepted"] == 1


def test_an_enterprise_registered_after_start_gets_its_folders_without_a_restart(platform):
    platform.runner.run_until_idle()
    folder = platform.settings.drop_dir / "3301960009"
    assert not folder.exists()
    platform.identity.enterprises.ensure("3301960009", "另一家电商有限公司", ["ecommerce", "platform"],
                                         "DXPENT0000000009", "")
    platform.runner.run_once()
    assert all((folder / name).is_dir() for name in ("in", "done", "failed"))


def test_a_missing_done_folder_is_made_again(platform):
    platform.runner.run_until_idle()
    done = platform.settings.drop_dir / LOGISTICS / "done"
    done.rmdir()
    drop(platform, LOGISTICS, "waybills-1.json", waybill_json("DROPM1"))
    platform.runner.run_until_idle()
    assert result_of(platform, LOGISTICS, "done", "waybills-1.json")["accepted"] == 1
    assert not list((platform.settings.drop_dir / LOGISTICS / "in").iterdir())


def test_a_file_that_cannot_be_moved_is_reported_once_and_not_retried_in_a_hot_loop(platform, caplog):
    """failed/ replaced by a plain file: the bad file cannot move. Before, every pass took it again (thousands of
    times, run_until_idle never idle); now it is logged once and left alone, and the next files still go on."""
    platform.runner.run_until_idle()
    failed = platform.settings.drop_dir / PAYER / "failed"
    failed.rmdir()
    failed.write_text("not a folder")
    stuck = drop(platform, PAYER, "payments-stuck.json", DEEP_JSON)
    with caplog.at_level(logging.ERROR, logger=drop_folders.__name__):
        platform.runner.run_until_idle(max_passes=50)
        for _ in range(5):
            assert platform.runner.run_once() == 0
    assert stuck.exists()
    assert sum("payments-stuck.json" in r.getMessage() for r in caplog.records) == 1
    assert platform.runner.stats["drop-folders"].errors == 0

    drop(platform, LOGISTICS, "waybills-after.json", waybill_json("DROPA1"))
    platform.runner.run_until_idle(max_passes=50)
    assert result_of(platform, LOGISTICS, "done", "waybills-after.json")["accepted"] == 1


def test_json_depth_is_bounded_before_anything_recurses_on_it():
    shallow = {"documents": [{"orderList": [{"gnum": "1"}]}]}
    assert drop_folders.load_json(json.dumps(shallow).encode()) == shallow
    for text in (b"[" * 33 + b"]" * 33, DEEP_JSON, b'{"a":' * 5000 + b"1" + b"}" * 5000):
        with pytest.raises(drop_folders.JsonRefused) as refused:
            drop_folders.load_json(text)
        assert refused.value.rule == "max_depth"
    with pytest.raises(drop_folders.JsonRefused, match="not valid JSON"):
        drop_folders.load_json(b"\xff{")
