"""Benchmark of the signing service (`cbec bench sign`): customs XML signatures, raw RSA-2048 and SM2
signatures as a module and over HTTP, one core and all cores, against `openssl speed` and `xmlsec1`.

The customs figures are the full path a message takes: parse, C14N digest, sign SignedInfo, serialize
(and the reverse for verify), on a realistic ~3 KB CEB311 order. The raw figures go through
engine.signing.service.SigningService (bench/sign_service.py) and a local `cbec signer` (bench/sign_http.py);
`*_vs_openssl` lines give the module rates as a percentage of `openssl speed` (`-multi` for all cores), per call
and through the batch calls (`module_batch_vs_openssl_*`); `paired_batch_vs_openssl_*` measure the batch calls and
`openssl speed` in alternating rounds, each pair seconds apart, which is the fair comparison on a machine whose speed
drifts.
Throwaway keys live in a temporary directory.
"""

import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from adapters.signing import Signer, generate_identity, load_signer, verify_bytes
from bench import sign_http, sign_service, sign_tools

Metric = tuple[str, float, str]

_ITEM = (
    "<ceb:OrderList><ceb:gnum>{n}</ceb:gnum><ceb:itemNo>AF001-00{n}</ceb:itemNo>"
    "<ceb:itemName>婴儿配方奶粉 900g 第{n}段</ceb:itemName><ceb:gmodel>900g/罐</ceb:gmodel>"
    "<ceb:itemDescribe>进口婴幼儿配方乳粉</ceb:itemDescribe><ceb:barCode>9300633603{n}12</ceb:barCode>"
    "<ceb:unit>122</ceb:unit><ceb:qty>2</ceb:qty><ceb:price>198.5</ceb:price><ceb:totalPrice>397</ceb:totalPrice>"
    "<ceb:currency>142</ceb:currency><ceb:country>601</ceb:country><ceb:note>test</ceb:note></ceb:OrderList>"
)


def ceb311_document(items: int = 3) -> bytes:
    """An unsigned 电子订单 CEB311 of about 3 KB."""
    head = (
        "<ceb:OrderHead><ceb:guid>4CDE1CFD-EDED-46B1-946C-B8022E42FC94</ceb:guid><ceb:appType>1</ceb:appType>"
        "<ceb:appTime>20240308112701</ceb:appTime><ceb:appStatus>2</ceb:appStatus><ceb:orderType>I</ceb:orderType>"
        "<ceb:orderNo>order20240321116421002</ceb:orderNo><ceb:ebpCode>1105910159</ceb:ebpCode>"
        "<ceb:ebpName>东方物通科技(北京)有限公司</ceb:ebpName><ceb:ebcCode>1105910159</ceb:ebcCode>"
        "<ceb:ebcName>东方物通科技(北京)有限公司</ceb:ebcName><ceb:goodsValue>1985</ceb:goodsValue>"
        "<ceb:freight>0</ceb:freight><ceb:discount>0</ceb:discount><ceb:taxTotal>180.64</ceb:taxTotal>"
        "<ceb:acturalPaid>2165.64</ceb:acturalPaid><ceb:currency>142</ceb:currency>"
        "<ceb:buyerRegNo>ID20160001</ceb:buyerRegNo><ceb:buyerName>焦洪宇</ceb:buyerName>"
        "<ceb:buyerTelephone>18813025940</ceb:buyerTelephone><ceb:buyerIdType>1</ceb:buyerIdType>"
        "<ceb:buyerIdNumber>130681136250023332</ceb:buyerIdNumber><ceb:payCode>1105910159</ceb:payCode>"
        "<ceb:payName>东方物通科技(北京)有限公司</ceb:payName><ceb:payTransactionId>2016000163422600</ceb:payTransactionId>"
        "<ceb:consignee>焦洪宇</ceb:consignee><ceb:consigneeTelephone>13522652231</ceb:consigneeTelephone>"
        "<ceb:consigneeAddress>北京市海淀区中关村大街1号</ceb:consigneeAddress></ceb:OrderHead>"
    )
    body = head + "".join(_ITEM.format(n=n) for n in range(1, items + 1))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<ceb:CEB311Message xmlns:ceb="http://www.chinaport.gov.cn/ceb"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" guid="4CDE1CFD-EDED-46B1-946C-B8022E42FC94"'
        f' version="1.0"><ceb:Order>{body}</ceb:Order><ceb:BaseTransfer><ceb:copCode>1105910159</ceb:copCode>'
        "<ceb:copName>东方物通科技(北京)有限公司</ceb:copName><ceb:dxpMode>DXP</ceb:dxpMode>"
        "<ceb:dxpId>DXPENT0000458763</ceb:dxpId></ceb:BaseTransfer></ceb:CEB311Message>"
    ).encode()


def run(n: int = 2000) -> list[Metric]:
    """Customs XML signs/verifies per second (RSA-SHA1, SM2-SM3 OpenSSL and gmssl; ``n`` each), then the
    service figures (module and HTTP, one core and all cores) and the openssl/xmlsec1 reference points."""
    document = ceb311_document()
    with tempfile.TemporaryDirectory() as scratch:
        rsa = generate_identity(Path(scratch) / "rsa", "RSA-SHA1")
        sm2 = generate_identity(Path(scratch) / "sm2", "SM2-SM3")
        lines = _measure("rsa_sha1", load_signer(*rsa), document, n, None)
        lines += _measure("sm2_sm3", load_signer(*sm2, sm2_backend="openssl"), document, n, "openssl")
        slow = max(10, n // 50)
        lines += _measure("sm2_sm3_gmssl", load_signer(*sm2, sm2_backend="gmssl"), document, slow, "gmssl")
        lines += [("ceb311_document", float(len(document)), "bytes")]
        lines += _service_metrics(Path(scratch), document)
    return lines


def _service_metrics(scratch: Path, document: bytes, seconds: float = 2.0) -> list[Metric]:
    sign_service.make_keystore(scratch / "data" / "keystore")
    lines = sign_service.run(scratch / "data" / "keystore", seconds)
    lines += sign_http.run(scratch / "data", seconds)
    lines += sign_tools.xmlsec1_sign(document)
    speed = sign_tools.openssl_speed()
    paired = sign_service.paired(scratch / "data" / "keystore")
    return lines + speed + _versus_openssl(lines, speed) + paired


def _versus_openssl(lines: list[Metric], speed: list[Metric]) -> list[Metric]:
    """Our module rates as a percentage of `openssl speed` for the same operation and core count: per call
    (``module_vs_openssl_*``) and batched (``module_batch_vs_openssl_*``, ``*_threads`` for one process's threads)."""
    limits = {name.removeprefix("openssl_speed_"): value for name, value, _ in speed}
    found = []
    for name, value, _ in lines:
        ours = name.removeprefix("module_")
        same = re.sub(r"_batch\d+", "", ours).replace("threads", "cores")
        if not name.startswith("module_") or same not in limits:
            continue
        prefix = "module_batch_vs_openssl" if "_batch" in ours else "module_vs_openssl"
        suffix = "_threads" if ours.endswith("threads") else ""
        found.append((f"{prefix}_{same}{suffix}", round(100 * value / limits[same], 1), "%"))
    return found


def _measure(label: str, signer: Signer, document: bytes, n: int, backend: str | None) -> list[Metric]:
    signed = signer.sign_bytes(document)
    if not verify_bytes(signed, sm2_backend=backend).ok:
        raise RuntimeError(f"{label}: the benchmark signature does not verify")
    return [
        (f"{label}_sign", _rate(lambda: signer.sign_bytes(document), n), "signs/s"),
        (f"{label}_verify", _rate(lambda: verify_bytes(signed, sm2_backend=backend), n), "verifies/s"),
    ]


def _rate(operation: Callable[[], object], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        operation()
    return round(n / (time.perf_counter() - start), 1)


if __name__ == "__main__":
    for name, value, unit in run():
        print(f"{name:24} {value:>10} {unit}")
