"""I13 海关179: customs asks for an order's payment data (platDataOpen), the platform answers 10000 at once and
uploads the signed data in the background; the customs simulator checks fields, certificate and signature (RSA and
SM2); unknown orders and malformed requests get 20000; failed uploads are shown and sent again."""

from __future__ import annotations

import base64
import json
from decimal import Decimal

from fastapi.testclient import TestClient

from adapters.customs import payment179
from adapters.customs_node import payment179 as customs_side
from engine.customs import examples
from engine.identity.enterprises import DEMO
from tests.conftest import login
from ui.app import create_app
from ui.routers.customs.payment179 import SIM_UPLOAD

RAW = {"initalRequest": "<xml><out_trade_no>O1</out_trade_no></xml>",
       "initalResponse": "<xml><return_code>SUCCESS</return_code></xml>", "verDept": "3", "payType": "1",
       "recpAccount": "6222020000000000001", "recpName": "杭州示范跨境电商有限公司"}
LINKS = ["https://shop.example.cn/item/1", "https://shop.example.cn/item/2"]


def client_for(platform, username: str | None = None) -> TestClient:
    # from loopback: CBEC_CUSTOMS179_SOURCES admits only customs' registered addresses, loopback by default (#16)
    client = TestClient(create_app(platform), base_url="https://testserver", client=("127.0.0.1", 50000))
    if username:
        login(client, username, next_url="/query")
    return client


def bought(platform, order_no: str, ebp: dict[str, str] = DEMO) -> dict:
    """An order and its payment declared on the platform (platform enterprise `ebp`)."""
    purchase = examples.purchase(order_no)
    for kind in ("order", "payment"):
        purchase[kind] |= {"ebpCode": ebp["code"], "ebpName": ebp["name"]}
    platform.customs.declarations["CEB311"].declare(purchase["order"], "test")
    platform.customs.declarations["CEB411"].declare(purchase["payment"], "test")
    platform.runner.run_until_idle()
    return purchase


def supply(client, order_no: str, ebp_code: str = DEMO["code"], **changes):
    return client.post("/api/import/payment-raw", json=RAW | {"orderNo": order_no, "ebpCode": ebp_code,
                                                              "itemLinks": LINKS} | changes)


def customs_asks(platform, client, order_no: str) -> tuple[str, dict]:
    """The simulated customs posts openReq to the platform's platDataOpen over HTTP."""
    return platform.customs.payment179.customs.request(order_no, customs_side.http_platform("/platDataOpen", client))


def requests_of(platform) -> list[dict]:
    platform.customs.payment179_view.run_once()
    return platform.customs.payment179_view.search(per_page=100)[0]


def test_the_signature_string_is_byte_exact():
    """I13 (NOTES.md §7): first-level members joined by ||, head and lists JSON inserted verbatim, and the upload
    carries exactly the JSON that was signed; a verifier rebuilds the same string from the uploaded text."""
    head = {"guid": "G-1", "initalRequest": '<xml a="1"/>', "totalAmount": Decimal("5.0"), "note": "备注"}
    lists = [{"orderNo": "O1", "goodsInfo": [{"gname": "奶粉", "itemLink": "https://x.cn/1?a=1&b=2"}]}]
    signed: list[bytes] = []

    upload = payment179.signed_upload("S-1", head, lists, "1533271903898", lambda d: signed.append(d) or b"\x01\x02",
                                  "cde6f")

    head_json = '{"guid":"G-1","initalRequest":"<xml a=\\"1\\"/>","totalAmount":5.0,"note":"备注"}'
    lists_json = '[{"orderNo":"O1","goodsInfo":[{"gname":"奶粉","itemLink":"https://x.cn/1?a=1&b=2"}]}]'
    expected = (f'"sessionID":"S-1"||"payExchangeInfoHead":"{head_json}"||"payExchangeInfoLists":"{lists_json}"'
                '||"serviceTime":"1533271903898"')
    assert signed == [expected.encode("utf-8")]
    assert upload == (f'{{"sessionID":"S-1","payExchangeInfoHead":{head_json},"payExchangeInfoLists":{lists_json},'
                      '"serviceTime":"1533271903898","certNo":"cde6f","signValue":"AQI="}')
    assert payment179.signed_text_of(payment179.members_of(upload)) == expected
    spaced = upload.replace('"sessionID":', '"sessionID" : ').replace(',"payExchangeInfoLists"',
                                                                      ' ,\n "payExchangeInfoLists"')
    assert payment179.signed_text_of(payment179.members_of(spaced)) == expected


def test_customs_asks_the_platform_answers_10000_and_uploads_signed_data(make_platform, database_url):
    """I13: the whole exchange over HTTP; the upload names the session customs opened, carries the order, the
    payment and the raw data, and the simulator verifies the RSA signature with the platform's certificate."""
    platform = make_platform(database_url, demo_users=True)
    purchase = bought(platform, "P179A0001")
    assert supply(client_for(platform, "payment"), "P179A0001").status_code == 201
    customs = client_for(platform)

    session_id, answer = customs_asks(platform, customs, "P179A0001")
    assert (answer["code"], answer["message"]) == ("10000", "") and isinstance(answer["serviceTime"], int)
    platform.runner.run_until_idle()

    [received] = platform.customs.payment179.customs.received
    assert received["answer"]["code"] == "10000" and received["answer"]["message"] == "上传成功"
    sent = json.loads(received["payExInfoStr"], parse_float=Decimal)
    head, [item] = sent["payExchangeInfoHead"], sent["payExchangeInfoLists"]
    assert sent["sessionID"] == session_id and len(base64.b64decode(sent["signValue"])) == 256
    assert (head["ebpCode"], head["payCode"], head["payTransactionId"]) == (
        DEMO["code"], "3301960002", purchase["order"]["payTransactionId"])
    assert head["totalAmount"] == purchase["payment"]["amountPaid"] and head["tradingTime"] == "20261125093000"
    assert head["initalRequest"] == RAW["initalRequest"] and head["verDept"] == "3"
    assert [g["itemLink"] for g in item["goodsInfo"]] == LINKS and item["orderNo"] == "P179A0001"
    [request] = requests_of(platform)
    assert (request["status"], request["attempts"], request["code"]) == ("uploaded", 1, "10000")

    assert customs_asks(platform, customs, "P179A0001")[1]["code"] == "10000"  # a new session, a new upload
    platform.runner.run_until_idle()
    assert len(platform.customs.payment179.customs.received) == 2
    log = platform.identity.log_view
    log.run_once()
    assert any("platDataOpen" in row["action"] and row["outcome"] == "10000" for row in log.search()[0])


def test_an_sm2_platform_signs_its_upload_with_sm2(make_platform):
    """I13: the platform enterprise's own algorithm: SM2-SM3, a 64-byte r||s signature the simulator verifies."""
    platform = make_platform(demo_users=True)
    sm2 = {"code": "3301960009", "name": "国密示范电商平台"}
    platform.identity.enterprises.ensure(sm2["code"], sm2["name"], ["ecommerce", "platform"], "DXPENT0000000009", "",
                                algorithm="SM2-SM3")
    bought(platform, "P179S0001", sm2)
    assert supply(client_for(platform, "admin"), "P179S0001", sm2["code"]).status_code == 201

    _, answer = platform.customs.payment179.ask_as_customs("P179S0001")
    platform.runner.run_until_idle()

    assert answer["code"] == "10000"
    [received] = platform.customs.payment179.customs.received
    assert received["answer"]["code"] == "10000", received["answer"]
    assert len(base64.b64decode(json.loads(received["payExInfoStr"])["signValue"])) == 64


def test_an_unknown_order_or_a_malformed_request_is_answered_20000(make_platform):
    """I13: platDataOpen needs no login but takes only well-formed requests for orders on the platform."""
    platform = make_platform(demo_users=True)
    customs = client_for(platform)

    unknown = customs.post("/platDataOpen", data={"openReq": payment179.open_request("NO-SUCH-ORDER", "S1", 1)}).json()
    missing = customs.post("/platDataOpen", data={}).json()
    broken = customs.post("/platDataOpen", data={"openReq": '{"orderNo": "X"'}).json()
    no_session = customs.post("/platDataOpen", data={"openReq": '{"orderNo":"X","serviceTime":1}'}).json()

    assert [a["code"] for a in (unknown, missing, broken, no_session)] == ["20000"] * 4
    assert "NO-SUCH-ORDER" in unknown["message"] and "sessionID" in no_session["message"]
    platform.runner.run_until_idle()
    assert requests_of(platform) == [] and platform.customs.payment179.customs.received == []


def test_a_tampered_upload_fails_verification_in_the_simulator(make_platform):
    """I13: customs' side refuses changed content (signature), a certificate that is not the platform's, and a
    broken field rule, each with its code and reason."""
    platform = make_platform(demo_users=True)
    bought(platform, "P179T0001")
    supply(client_for(platform, "admin"), "P179T0001")
    platform.customs.payment179.ask_as_customs("P179T0001")
    platform.runner.run_until_idle()
    good = platform.customs.payment179.customs.received[0]["payExInfoStr"]
    customs = client_for(platform)

    def upload(text: str) -> dict:
        return customs.post(SIM_UPLOAD, data={"payExInfoStr": text}).json()

    assert upload(good)["code"] == "10000"
    tampered = upload(good.replace('"recpAccount":"6222020000000000001"', '"recpAccount":"6222020000000000002"'))
    assert (tampered["code"], tampered["message"]) == ("20004", "验签失败 signature does not verify")
    assert upload(good.replace('"certNo":"', '"certNo":"ff'))["code"] == "20003"
    unfilled = upload(good.replace('"verDept":"3"', '"verDept":"9"'))
    assert unfilled["code"] == "20002" and "verDept" in unfilled["message"]
    assert upload("not json")["code"] == "20001"


def test_a_failed_upload_is_listed_resent_and_not_repeated_after_a_restart(make_platform):
    """I13: without raw data the upload fails with the reason; the payment company supplies it in the console and
    sends again (I13:manage); a platform started again on the same data does not upload anything twice."""
    platform = make_platform(demo_users=True)
    bought(platform, "P179R0001")
    platform.customs.payment179.ask_as_customs("P179R0001")
    platform.runner.run_until_idle()
    [request] = requests_of(platform)
    assert request["status"] == "failed" and "支付原始数据未提供" in request["message"]
    payment = client_for(platform, "payment")
    page = payment.get("/payments179")
    assert 'data-status="failed"' in page.text and "/resend" in page.text

    refused = payment.post("/payments179/raw", data=RAW | {"ebpCode": DEMO["code"], "orderNo": "P179R0001",
                                                           "itemLinks": LINKS[0]})
    assert refused.status_code == 422 and 'data-field="itemLinks"' in refused.text
    supplied = payment.post("/payments179/raw", data=RAW | {"ebpCode": DEMO["code"], "orderNo": "P179R0001",
                                                            "itemLinks": "\n".join(LINKS)})
    assert supplied.status_code == 200
    assert payment.post(f"/payments179/{request['request_id']}/resend").status_code == 200
    platform.runner.run_until_idle()
    [request] = requests_of(platform)
    assert (request["status"], request["attempts"]) == ("uploaded", 2)
    assert client_for(platform, "logistics").get("/payments179").status_code == 403

    again = make_platform(demo_users=True)
    again.runner.run_until_idle()
    assert again.customs.payment179.customs.received == [] and requests_of(again)[0]["attempts"] == 2


def test_with_the_customs_url_set_an_unreachable_customs_is_a_failed_upload(make_platform):
    """I13: CBEC_CUSTOMS179_URL sends uploads over HTTP; a refused connection is recorded with its reason."""
    platform = make_platform(demo_users=True, CBEC_CUSTOMS179_URL="http://127.0.0.1:9/ceb2grab/grab/realTimeDataUpload")
    bought(platform, "P179U0001")
    supply(client_for(platform, "admin"), "P179U0001")
    platform.customs.payment179.ask_as_customs("P179U0001")
    platform.runner.run_until_idle()
    [request] = requests_of(platform)
    assert request["status"] == "failed" and "ConnectError" in request["message"]
    assert platform.customs.payment179.customs.received == []


def test_raw_data_is_refused_field_by_field(make_platform):
    """I13: POST /api/import/payment-raw names the field and the rule, in Chinese and English; nothing is kept."""
    platform = make_platform(demo_users=True)
    bought(platform, "P179V0001")
    payment = client_for(platform, "payment")
    for changes, field, rule in [({"verDept": "7"}, "verDept", "code"), ({"initalRequest": ""}, "initalRequest",
                                 "required"), ({"orderNo": "NOT-HERE"}, "orderNo", "exists")]:
        refused = supply(payment, "P179V0001", **changes)
        assert refused.status_code == 422
        [error] = refused.json()["errors"]
        assert (error["field"], error["rule"]) == (field, rule) and error["message_zh"] and error["message_en"]
    assert supply(client_for(platform, "logistics"), "P179V0001").status_code == 403
    platform.customs.payment179_view.run_once()
    assert platform.customs.payment179_view.raw_supplied([(DEMO["code"], "P179V0001")]) == set()
