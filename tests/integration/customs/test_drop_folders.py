"""X1: watched drop folders per enterprise: JSON, Excel and CSV files declared for the folder's enterprise, ready-made
CEB XML passed through (validated, its documents declared and checked by the platform's rules, signed, sent, their
receipts applied), each file moved to done/ or failed/ with a result file beside it."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from uuid import UUID

import pytest

from adapters import ceb
from adapters.customs.dropbox import DropBox
from adapters.excel import documents as workbook
from adapters.signing import verify_bytes
from domain.customs.documents import BY_MESSAGE, INVENTORY
from domain.exchange.model import CustomsMessage
from engine import clock
from engine.customs import examples
from engine.customs.catalog import Catalog
from engine.customs.message_examples import example_message
from engine.customs.service import complete, to_values
from engine.demo import ensure_demo_rates
from engine.identity.enterprises import DEMO
from ui.routers.customs.documents import form_of
from ui.routers.customs.documents_batch import excel_fields

PAYER = examples.PAYMENT["code"]
LOGISTICS = examples.LOGISTICS["code"]


@pytest.fixture
def platform(make_platform):
    return make_platform(demo_users=True, CBEC_DROP_SETTLE="0")


def drop(platform, code: str, name: str, data: bytes) -> Path:
    """Write aside and rename into place, as the documented convention asks."""
    folder = platform.settings.drop_dir / code / "in"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.part").write_bytes(data)
    return (folder / f"{name}.part").rename(folder / name)


def result_of(platform, code: str, folder: str, name: str) -> dict:
    return json.loads((platform.settings.drop_dir / code / folder / f"{name}.result.json").read_text("utf-8"))


def payments_json(*order_nos: str) -> bytes:
    payments = [examples.purchase(no)["payment"] for no in order_nos]
    payments[-1]["payerName"] = ""
    return json.dumps({"type": "payments", "documents": payments}, ensure_ascii=False, default=str).encode("utf-8")


def test_folders_exist_for_every_registered_enterprise(platform):
    """X1: the folders are made at start for each registered enterprise."""
    platform.runner.run_until_idle()
    for code in (DEMO["code"], PAYER, "3301980001", "3301990001"):
        assert all((platform.settings.drop_dir / code / f).is_dir() for f in ("in", "done", "failed"))


def test_a_json_file_of_payments_stores_the_good_ones_and_lists_the_bad_one(platform):
    """X1, I10: 3 payments, 1 without payer name -> 2 stored, the file in failed/ with the refusal in zh and en."""
    drop(platform, PAYER, "pay-batch.json", payments_json("DROPP1", "DROPP2", "DROPP3"))
    platform.runner.run_until_idle()

    _, total = platform.customs.documents_view.search("CEB411", q="DROPP")
    assert total == 2
    result = result_of(platform, PAYER, "failed", "pay-batch.json")
    assert (result["accepted"], result["refused"]) == (2, 1)
    bad = result["documents"][2]
    assert bad["number"] == "PAYDROPP3" and not bad["accepted"]
    [error] = bad["errors"]
    assert error["field"] == "payerName" and error["message_zh"] and error["message_en"]
    assert (platform.settings.drop_dir / PAYER / "failed" / "pay-batch.json").exists()
    assert not list((platform.settings.drop_dir / PAYER / "in").iterdir())


def test_documents_are_declared_only_for_the_folders_enterprise(platform):
    """X1, A6: payments of the payment enterprise dropped in the e-commerce enterprise's folder are refused."""
    drop(platform, DEMO["code"], "payments-1.json", payments_json("DROPT1", "DROPT2"))
    platform.runner.run_until_idle()

    result = result_of(platform, DEMO["code"], "failed", "payments-1.json")
    assert result["accepted"] == 0
    assert {e["rule"] for d in result["documents"] for e in d["errors"]} >= {"tenancy"}


def test_an_excel_template_of_inventories_is_declared(platform):
    """X1, I4: the platform's inventory template, filled and named inventories-*.xlsx, is declared."""
    head, lines = excel_fields(INVENTORY)
    filled = [examples.purchase(f"DROPX{i}")["inventory"] for i in range(2)]
    data = workbook.template(head, lines, INVENTORY.number, form_of(INVENTORY).list_key, filled)
    drop(platform, DEMO["code"], "inventories-today.xlsx", data)
    platform.runner.run_until_idle()

    result = result_of(platform, DEMO["code"], "done", "inventories-today.xlsx")
    assert [(d["number"], d["accepted"], d["row"]) for d in result["documents"]] == [("CDROPX0", True, 2),
                                                                                    ("CDROPX1", True, 3)]
    _, total = platform.customs.documents_view.search("CEB621", q="CDROPX")
    assert total == 2


def test_dropdown_values_in_a_dropped_workbook_are_read_as_their_codes(platform):
    """#18: a template filled from its dropdowns ("142-人民币", "502-美国") declares the bare codes from a drop folder
    as from the console's import."""
    head, lines = excel_fields(INVENTORY)
    filled = examples.purchase("DROPDD")["inventory"]
    unit, country = filled["inventoryList"][0]["unit"], filled["inventoryList"][0]["country"]
    filled["inventoryList"][0] |= {"unit": f"{unit}-件", "country": f"{country}-某国"}
    data = workbook.template(head, lines, INVENTORY.number, form_of(INVENTORY).list_key, [filled])
    drop(platform, DEMO["code"], "inventories-dropdown.xlsx", data)
    platform.runner.run_until_idle()

    result = result_of(platform, DEMO["code"], "done", "inventories-dropdown.xlsx")
    assert [(d["number"], d["accepted"]) for d in result["documents"]] == [("CDROPDD", True)], result
    rows, _ = platform.customs.documents_view.search("CEB621", q="CDROPDD")
    stored = platform.store.repository.get(UUID(rows[0]["document_id"]))
    line = stored.document["inventoryList"][0]
    assert (line["unit"], line["country"]) == (unit, country)


def test_a_ceb311_message_is_passed_through_signed_sent_and_answered(platform):
    """X1, X3, X4: a ready-made unsigned CEB311 of the demo enterprise is validated, signed with its key, delivered
    through the file box and answered by the customs simulator."""
    drop(platform, DEMO["code"], "order-message.xml", example_message("CEB311"))
    platform.runner.run_until_idle()

    result = result_of(platform, DEMO["code"], "done", "order-message.xml")
    guid = result["messageGuid"]
    sent = (platform.box.folder("sent") / f"CEB311Message_{guid}.xml").read_bytes()
    assert verify_bytes(sent).ok and ceb.validate(sent) == []
    assert ceb.parse(sent).transfer["copCode"] == DEMO["code"]
    [row], _ = platform.exchange.messages_view.search(q=guid)
    assert row["status"] == "delivered"
    answers = [ceb.parse(p.read_bytes()) for p in platform.box.folder("handled").glob("*.xml")]
    assert any(a.message_type == "CEB312" and a.documents[0]["orderNo"] == result["documents"][0] for a in answers)


def test_a_message_of_another_enterprise_fails_with_the_reason(platform):
    """X1, A6: the demo enterprise's message dropped in the payment enterprise's folder is not sent."""
    drop(platform, PAYER, "order-message.xml", example_message("CEB311"))
    platform.runner.run_until_idle()

    [error] = result_of(platform, PAYER, "failed", "order-message.xml")["errors"]
    assert error["field"] == "BaseTransfer/copCode" and DEMO["code"] in error["message_en"]
    assert not list(platform.box.folder("sent").glob("CEB311*"))


def test_an_unknown_enterprises_folder_is_ignored(platform, caplog):
    """X1: files of a folder no registered enterprise owns stay where they are."""
    dropped = drop(platform, "9999999999", "payments-1.json", payments_json("DROPU1"))
    with caplog.at_level("WARNING"):
        platform.runner.run_until_idle()
    assert dropped.exists() and "9999999999" in caplog.text
    assert not (platform.settings.drop_dir / "9999999999" / "done").exists()


def test_a_crash_before_the_move_does_not_declare_twice(make_platform, monkeypatch):
    """X1: the documents were stored but the process died before moving the file: after a restart the file is
    recognised, moved with its result, and nothing is declared twice."""
    first = make_platform(demo_users=True, CBEC_DROP_SETTLE="0")
    dropped = drop(first, PAYER, "payments-crash.json", payments_json("DROPC1", "DROPC2", "DROPC3"))
    def killed(*_):
        raise SystemExit("killed between recording and moving")

    with monkeypatch.context() as crash:
        crash.setattr(DropBox, "finish", killed)
        with pytest.raises(SystemExit):
            first.runner.run_once()
    assert dropped.exists()
    first.close()

    again = make_platform(demo_users=True, CBEC_DROP_SETTLE="0")
    again.runner.run_until_idle()
    result = result_of(again, PAYER, "failed", "payments-crash.json")
    assert (result["accepted"], result["refused"]) == (2, 1)
    _, total = again.customs.documents_view.search("CEB411", q="DROPC")
    assert total == 2
    assert not dropped.exists()


def test_partial_files_and_unsettled_files_are_not_taken(platform):
    """X1: *.part / *.tmp are never taken; a file is taken only once unchanged for the settle time."""
    folder = platform.settings.drop_dir / PAYER / "in"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "payments-2.json.part").write_bytes(payments_json("DROPS1"))
    (folder / "ready.json").write_bytes(b"{}")
    assert DropBox(platform.settings.drop_dir, settle=3600).waiting(PAYER, 10) == []
    assert DropBox(platform.settings.drop_dir, settle=0).waiting(PAYER, 10) == [folder / "ready.json"]


def test_a_csv_of_payments_named_by_its_type_is_declared(platform):
    """X1, I10: a CSV with the template's column titles, its type in the file name, is declared row by row."""
    payments = [examples.purchase(f"DROPV{i}")["payment"] for i in range(2)]
    names = list(payments[0])
    rows = [",".join(f"支付 {n}" for n in names)] + [",".join(str(p[n]) for n in names) for p in payments]
    drop(platform, PAYER, "CEB411_today.csv", "\n".join(rows).encode("gb18030"))
    platform.runner.run_until_idle()

    result = result_of(platform, PAYER, "done", "CEB411_today.csv")
    assert [(d["number"], d["row"]) for d in result["documents"]] == [("PAYDROPV0", 2), ("PAYDROPV1", 3)]
    assert platform.customs.documents_view.search("CEB411", q="DROPV")[1] == 2


# --- passthrough documents become platform declarations (X1, issue #9) -------------------------------------------

def ceb_file(platform, message_type: str, raws: list[dict]) -> bytes:
    """A ready-made, unsigned CEB message of the sending enterprise's own system, built from raw documents."""
    catalog, doc_type = Catalog(), BY_MESSAGE[message_type]
    documents = [to_values(complete(raw, clock.now(), catalog, doc_type), catalog, message_type) for raw in raws]
    sender = platform.signing.enterprise(str(documents[0][doc_type.sender]))
    transfer = {"copCode": sender.code, "copName": sender.name, "dxpMode": "DXP", "dxpId": sender.dxp_id}
    return ceb.to_bytes(ceb.build(message_type, documents, transfer, str(uuid.uuid4()).upper()))


def test_passthrough_documents_are_declarations_answered_by_customs(platform, caplog):
    """X1, X4, X5, I3, I4: a purchase sent as ready-made XML files (order, payment, waybill, then inventory): each
    document is a platform declaration packed in its message, customs' receipts apply to it (order 120, inventory
    800 with its numbers), it shows in the read models and the message tracking, no receipt is unmatched, and the
    documents are neither packed nor sent a second time."""
    ensure_demo_rates(platform.reference)
    purchase = examples.purchase("PASSTHRU000001")
    drop(platform, DEMO["code"], "order.xml", ceb_file(platform, "CEB311", [purchase["order"]]))
    drop(platform, PAYER, "payment.xml", ceb_file(platform, "CEB411", [purchase["payment"]]))
    drop(platform, LOGISTICS, "waybill.xml", ceb_file(platform, "CEB511", [purchase["waybill"]]))
    with caplog.at_level("WARNING", logger="engine.exchange.processors"):
        platform.runner.run_until_idle()
        drop(platform, DEMO["code"], "inventory.xml", ceb_file(platform, "CEB621", [purchase["inventory"]]))
        platform.runner.run_until_idle()
    assert "not packing" not in caplog.text
    assert platform.runner.stats["prepare"].errors == 0

    order = platform.customs.import_orders.get(DEMO["code"], "PASSTHRU000001")
    result = result_of(platform, DEMO["code"], "done", "order.xml")
    assert order.passthrough and order.declared_by == f"drop:{DEMO['code']}"
    assert order.message_id == CustomsMessage.create_id(result["messageGuid"]) and order.status == "120"
    inventory = platform.customs.declarations["CEB621"].get_by_key((purchase["inventory"]["copNo"],))
    assert [r["returnStatus"] for r in inventory.receipts] == ["2", "120", "399", "800"]
    assert inventory.status == "800" and inventory.numbers["invtNo"]
    for message_type, key in (("CEB411", (PAYER, "PAYPASSTHRU000001")), ("CEB511", (LOGISTICS, "YTPASSTHRU000001"))):
        assert platform.customs.declarations[message_type].get_by_key(key).status == "120"

    [row], _ = platform.customs.documents_view.search("CEB621", q=purchase["inventory"]["copNo"])
    assert (row["status"], row["invt_no"]) == ("800", inventory.numbers["invtNo"])
    [row], _ = platform.customs.documents_view.search("CEB311", q="PASSTHRU000001")
    assert (row["status"], row["message_guid"]) == ("120", result["messageGuid"])
    inventory_guid = result_of(platform, DEMO["code"], "done", "inventory.xml")["messageGuid"]
    [tracked], _ = platform.exchange.messages_view.search(q=inventory_guid)
    assert (tracked["doc_count"], tracked["customs_status"], tracked["status"]) == (1, "800", "delivered")
    stages = platform.exchange.messages_view.stages(tracked["message_id"])
    assert [s["detail"].split()[1] for s in stages if s["stage"] == "receipt"] == ["2", "120", "399", "800"]
    assert platform.exchange.alerts_view.unmatched() == []
    sent = [p.name.split("Message_")[0] for p in platform.box.folder("sent").glob("*.xml")]
    assert sorted(sent) == ["CEB311", "CEB411", "CEB511", "CEB621"]  # each once, as dropped


def test_a_passthrough_document_declared_before_refuses_the_whole_file(platform):
    """X1: a message repeating an order already declared (with a new one) is refused naming the order number, in zh
    and en; nothing of it is stored or sent."""
    first = examples.purchase("PASSDUP0000001")["order"]
    drop(platform, DEMO["code"], "order-1.xml", ceb_file(platform, "CEB311", [first]))
    platform.runner.run_until_idle()
    again = ceb_file(platform, "CEB311", [examples.purchase("PASSDUP0000002")["order"], first])
    drop(platform, DEMO["code"], "order-2.xml", again)
    platform.runner.run_until_idle()

    result = result_of(platform, DEMO["code"], "failed", "order-2.xml")
    [error] = result["errors"]
    assert error["field"] == "orderNo" and error["rule"] == "unique"
    assert "PASSDUP0000001" in error["message_zh"] and "PASSDUP0000001" in error["message_en"]
    assert [(d["number"], d["accepted"]) for d in result["documents"]] == [("PASSDUP0000002", True),
                                                                          ("PASSDUP0000001", False)]
    assert platform.customs.import_orders.get(DEMO["code"], "PASSDUP0000002") is None
    assert platform.exchange.messages_view.search(q="PASSDUP0000002")[1] == 0
    assert len(list(platform.box.folder("sent").glob("CEB311*"))) == 1


def test_a_passthrough_document_the_platform_rules_refuse_fails_the_file(platform):
    """X1, X2: an inventory whose buyer ID fails its check digit is valid for the XSD but refused by the platform's
    rules (I4): the file fails with the field errors, naming the document; nothing is stored or sent."""
    inventory = examples.purchase("PASSBAD0000001")["inventory"] | {"buyerIdNumber": "330102199001011235"}
    drop(platform, DEMO["code"], "inventory-bad.xml", ceb_file(platform, "CEB621", [inventory]))
    platform.runner.run_until_idle()

    result = result_of(platform, DEMO["code"], "failed", "inventory-bad.xml")
    [document] = result["documents"]
    assert document["number"] == inventory["copNo"] and not document["accepted"]
    assert {(e["field"], e["rule"]) for e in document["errors"]} == {("buyerIdNumber", "id_check_digit")}
    assert all(inventory["copNo"] in e["message_en"] and e["message_zh"] for e in result["errors"])
    assert platform.customs.declarations["CEB621"].get_by_key((inventory["copNo"],)) is None
    assert not list(platform.box.folder("sent").glob("CEB621*"))
    assert platform.exchange.messages_view.search(message_type="CEB621")[1] == 0
