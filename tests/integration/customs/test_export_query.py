"""E11 出口综合查询: one search across the export documents (kept apart from the import query), tenancy, the Excel
file, and the page of one export shipment: its order, receipt of payment, waybill and inventory with the export three
documents' state, then the bag, arrival, departure, summary application (and customs' summary result), cancellation
and return that name its parcel.

Customs is played by hand here (the simulator's step is taken out), so each test says exactly what customs answered."""

from __future__ import annotations

import io
import uuid
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from adapters import ceb
from engine.customs import examples
from engine.identity.enterprises import DEMO
from tests.integration.customs.test_general_query import answer, client_for, quiet_customs

EBP = DEMO["code"]
PARTS = {"order": "CEB303", "collection": "CEB403", "waybill": "CEB505", "inventory": "CEB603"}
INVT_NO, SUM_NO = "29282026E000000201", "S29282026000000031"


@pytest.fixture
def platform(make_platform):
    return quiet_customs(make_platform(demo_users=True))


def ship(platform, order_no: str) -> dict:
    """One 9610 export shipment declared: order, receipt of payment, waybill, inventory."""
    shipment = examples.export_purchase(order_no)
    for kind, message in PARTS.items():
        platform.customs.declarations[message].declare(shipment[kind], "test")
    platform.runner.run_until_idle()
    return shipment


def accept(platform, shipment: dict, invt_no: str = INVT_NO, inventory: tuple[str, ...] = ("120",)) -> None:
    """Customs accepts the order, the collection and the waybill, and takes the inventory through `inventory`."""
    order, collection, waybill, invt = (shipment[k] for k in PARTS)
    answer(platform, "CEB304", {k: order[k] for k in ("ebpCode", "ebcCode", "orderNo")})
    answer(platform, "CEB404", {k: collection[k] for k in ("ebcCode", "orderNo")})
    answer(platform, "CEB506", {k: waybill[k] for k in ("logisticsCode", "logisticsNo")}, "399")
    for status in inventory:
        answer(platform, "CEB604", {k: invt[k] for k in ("copNo", "agentCode", "ebcCode", "ebpCode", "orderNo",
                                                         "statisticsFlag")}, status, preNo="B20261126000000201",
               invtNo=invt_no)


def follow_parcel(platform, shipment: dict, invt_no: str = INVT_NO) -> None:
    """The parcel bagged, arrived at the site and departed; its inventory put into a summary application."""
    parcel = [shipment["waybill"]["logisticsNo"]]
    for message, document in (("CEB607", examples.bag(parcel, invt_nos=[invt_no])),
                              ("CEB507", examples.arrival(parcel)), ("CEB509", examples.departure(parcel)),
                              ("CEB701", examples.summary([invt_no]))):
        platform.customs.declarations[message].declare(document, "test")
    platform.runner.run_until_idle()


def found(client, **params) -> set[tuple[str, str]]:
    response = client.get("/api/export/query", params=params | {"per_page": 100})
    assert response.status_code == 200, response.text
    return {(item["message_type"], item["number"]) for item in response.json()["items"]}


def test_the_export_query_finds_export_documents_by_their_numbers_and_leaves_imports_to_i12(platform):
    """E11: by order No., waybill No. and the invtNo customs gave; a type filter; the import query (I12) lists none
    of them, the export query no import document."""
    shipment = ship(platform, "EQ20260001")
    ship(platform, "EQ20260002")
    accept(platform, shipment)
    platform.customs.declarations["CEB311"].declare(examples.purchase("EQ20260003")["order"], "test")
    platform.runner.run_until_idle()
    admin = client_for(platform, "admin")
    waybill, cop_no = shipment["waybill"]["logisticsNo"], shipment["inventory"]["copNo"]

    assert found(admin, q="EQ20260001") == {("CEB303", "EQ20260001"), ("CEB403", "EQ20260001"),
                                            ("CEB505", waybill), ("CEB603", cop_no)}  # EX + the order No.
    assert found(admin, q=waybill) == {("CEB505", waybill), ("CEB603", cop_no)}
    assert found(admin, q=INVT_NO) == {("CEB603", cop_no)}
    assert {t for t, _ in found(admin, q="EQ2026", messageType="CEB303")} == {"CEB303"}
    assert len(found(admin, q="EQ2026", messageType="CEB303")) == 2
    assert found(admin, q="EQ2026", status="120") == {("CEB303", "EQ20260001"), ("CEB403", "EQ20260001"),
                                                      ("CEB603", cop_no)}
    assert found(admin, q="EQ20260003") == set()
    imported = admin.get("/api/import/query", params={"q": "EQ2026"}).json()["items"]
    assert {item["message_type"] for item in imported} == {"CEB311"}

    page = admin.get("/export-query", params={"q": waybill})
    assert page.status_code == 200 and f'data-type="CEB505" data-number="{waybill}"' in page.text
    assert 'href="/export-query/shipment-of/' in page.text and 'href="/export-query"' in page.text


def test_the_shipment_page_follows_the_parcel_through_bag_arrival_departure_and_summary(make_platform, database_url):
    """E11: one export shipment with every document naming its order, its parcel or its inventory number; the export
    three documents accepted, the comparisons a match, the inventory's customs number and status."""
    platform = quiet_customs(make_platform(database_url, demo_users=True))
    shipment = ship(platform, "EQ20260011")
    accept(platform, shipment, inventory=("120", "399", "800"))
    follow_parcel(platform, shipment)
    other = ship(platform, "EQ20260012")  # another parcel, in no document of the first
    follow_parcel(platform, other, "29282026E000000299")
    admin = client_for(platform, "admin")

    seen = admin.get(f"/api/export/shipments/{EBP}/EQ20260011").json()
    assert {p["document"]: p["state"] for p in seen["threeDocuments"]} == {
        "export-orders": "accepted", "collections": "accepted", "export-waybills": "accepted"}
    assert [c["what"] for c in seen["comparisons"]] == ["order_ebc", "collection_ebc", "export_goods", "export_goods",
                                                       "logistics_no"]
    assert {c["state"] for c in seen["comparisons"]} == {"match"}
    assert seen["inventory"] == {"invtNo": INVT_NO, "status": "800", "statusLabel": "放行", "returnInfo": "ok"}
    assert {slug: len(held) for slug, held in seen["documents"].items()} == {
        "export-orders": 1, "collections": 1, "export-waybills": 1, "export-inventories": 1, "bags": 1,
        "arrivals": 1, "departures": 1, "summaries": 1}
    [inventory] = seen["documents"]["export-inventories"]
    assert inventory["numbers"] == {"preNo": "B20261126000000201", "invtNo": INVT_NO}
    assert [r["returnStatus"] for r in inventory["receipts"]] == ["120", "399", "800"]
    assert seen["summaryResults"] == [] and "taxBills" not in seen

    page = admin.get(f"/export-query/shipments/{EBP}/EQ20260011")
    assert page.status_code == 200 and page.text.count('data-state="accepted"') == 3
    assert 'data-state="mismatch"' not in page.text
    for slug in ("bags", "arrivals", "departures", "summaries"):
        assert f'data-document="{slug}"' in page.text


def test_a_cancellation_and_a_return_show_on_their_shipment_with_customs_answers(platform):
    """E11: the cancellation (CEB605) names only the invtNo, the return (CEB213) and its tally (CEB215) the invtNo
    and the parcel; each is found, with its receipts, and leads back to its shipment."""
    cancelled, returned = ship(platform, "EQ20260021"), ship(platform, "EQ20260022")
    accept(platform, cancelled, "29282026E000000221")
    accept(platform, returned, "29282026E000000222", ("120", "399", "800", "899"))
    cancellations = platform.customs.declarations["CEB605"]
    cancellation = cancellations.declare(examples.export_cancellation("29282026E000000221"), "t")
    refund = examples.export_return(returned["inventory"], "29282026E000000222")
    platform.customs.declarations["CEB213"].declare(refund, "test")
    platform.customs.declarations["CEB215"].declare(examples.tally(refund["logisticsNo"], "29282026E000000222"), "test")
    platform.runner.run_until_idle()
    answer(platform, "CEB606", {"copNo": cancellation.document["copNo"], "agentCode": EBP}, "399", "撤单审核通过",
           invtNo="29282026E000000221")
    admin = client_for(platform, "admin")

    first = admin.get(f"/api/export/shipments/{EBP}/EQ20260021").json()
    [held] = first["documents"]["export-cancellations"]
    assert held["status"] == "399" and held["receipts"][0]["returnInfo"] == "撤单审核通过"
    second = admin.get(f"/api/export/shipments/{EBP}/EQ20260022").json()
    assert {"export-returns", "export-tallies"} <= set(second["documents"])
    assert "export-cancellations" not in second["documents"]
    assert second["inventory"]["status"] == "899"

    [row] = admin.get("/api/export/query", params={"messageType": "CEB605"}).json()["items"]
    followed = admin.get(f"/export-query/shipment-of/{row['document_id']}", follow_redirects=False)
    assert followed.status_code == 303 and followed.headers["location"] == f"/export-query/shipments/{EBP}/EQ20260021"
    [waybill] = admin.get("/api/export/query", params={"q": returned["waybill"]["logisticsNo"],
                                                       "messageType": "CEB505"}).json()["items"]
    followed = admin.get(f"/export-query/shipment-of/{waybill['document_id']}", follow_redirects=False)
    assert followed.headers["location"] == f"/export-query/shipments/{EBP}/EQ20260022"


def test_customs_summary_result_shows_on_the_shipment_of_the_summarised_inventory(platform):
    """E11, E3: a summary application by time window (it lists no inventory), numbered by customs (CEB702 sumNo),
    and the 汇总结果单 (CEB792) that maps it to a customs declaration (declSeqNo) listing the shipment's inventory
    lines: from then on the shipment shows both."""
    shipment = ship(platform, "EQ20260031")
    accept(platform, shipment, inventory=("120", "399", "800", "899"))
    platform.customs.declarations["CEB701"].declare(examples.summary([], "20261101000000", "20261130235959"), "test")
    platform.runner.run_until_idle()
    [row] = platform.customs.documents_view.search(message_type="CEB701")[0]
    admin = client_for(platform, "admin")
    assert "summaries" not in admin.get(f"/api/export/shipments/{EBP}/EQ20260031").json()["documents"]
    answer(platform, "CEB702", {"copNo": row["cop_no"], "agentCode": EBP, "ebcCode": EBP, "msgSeqNo": 1}, "399",
           sumNo=SUM_NO, preNo="B20261201000000031")
    result = {"guid": str(uuid.uuid4()).upper(), "customsCode": "2928", "sumNo": SUM_NO, "opDate": "20261201100000000",
              "declSeqNo": "292820261000000031", "decState": "A", "agentCode": EBP, "agentName": DEMO["name"],
              "ebcCode": EBP, "ebcName": DEMO["name"], "declAgentCode": EBP, "declAgentName": DEMO["name"],
              "grossWeight": Decimal("0.9"), "netWeight": Decimal("0.8"), "msgCount": 1, "msgSeqNo": 1,
              "summaryResultList": [{"invtNo": INVT_NO, "logisticsNo": shipment["waybill"]["logisticsNo"],
                                     "gseqno": n, "gnum": n, "gcode": "6109100021"} for n in (1, 2)]}
    data = ceb.to_bytes(ceb.build("CEB792", [result], {}, str(uuid.uuid4()).upper()))
    assert platform.exchange.receipts.handle([("CEB792_test.xml", data)]) == {}
    platform.runner.run_until_idle()

    seen = admin.get(f"/api/export/shipments/{EBP}/EQ20260031").json()
    [found_result] = seen["summaryResults"]
    assert (found_result["summary"], found_result["sumNo"]) == (row["number"], SUM_NO)
    declaration = found_result["declaration"]
    assert (declaration["declSeqNo"], declaration["decState"]) == ("292820261000000031", "A")
    assert [line["gnum"] for line in declaration["summaryResultList"]] == ["1", "2"]
    page = admin.get(f"/export-query/shipments/{EBP}/EQ20260031")
    assert 'data-decl="292820261000000031"' in page.text


def test_each_enterprise_sees_only_the_export_documents_naming_it(platform):
    """E11, A6: the payment enterprise finds its collection only; the logistics enterprise its waybill, the
    inventory naming it, the bag and the departure; on the shipment page the others are there but hidden. Who has no
    E11 permission gets no export query."""
    shipment = ship(platform, "EQ20260041")
    accept(platform, shipment)
    follow_parcel(platform, shipment)
    payment, logistics = client_for(platform, "payment"), client_for(platform, "logistics")

    assert {t for t, _ in found(payment, q="EQ20260041")} == {"CEB403"}
    assert {t for t, _ in found(logistics, messageType="")} == {"CEB505", "CEB603", "CEB607", "CEB507", "CEB509"}
    seen = payment.get(f"/api/export/shipments/{EBP}/EQ20260041").json()
    assert {p["document"]: p["state"] for p in seen["threeDocuments"]} == {
        "export-orders": "hidden", "collections": "accepted", "export-waybills": "hidden"}
    assert {c["state"] for c in seen["comparisons"]} == {"unknown"}
    assert all("document" not in held for held in seen["documents"]["export-orders"])
    assert seen["inventory"] is None
    assert client_for(platform, "bi").get("/api/export/query").status_code == 403
    assert payment.get(f"/api/export/shipments/{EBP}/EQ20269999").status_code == 404


def test_the_export_result_goes_to_excel_with_the_search_and_tenancy_of_the_page(platform):
    """E11: the file holds the rows the search shows, for the user who asks."""
    ship(platform, "EQ20260051")
    export = client_for(platform, "payment").get("/export-query/download", params={"q": "EQ20260051",
                                                                                  "format": "xlsx"})

    assert export.status_code == 200 and export.headers["content-disposition"].endswith('export-general-query.xlsx"')
    rows = list(load_workbook(io.BytesIO(export.content)).active.values)
    assert rows[0][:3] == ("报文类型", "单证类型", "单证编号") and [row[0] for row in rows[1:]] == ["CEB403"]
