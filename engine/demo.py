"""Demo data of the embedded default: one organisation per role with a user each (README lists the logins), and the
documents a first `cbec serve` declares."""

from __future__ import annotations

from typing import Any

from domain.identity.rules import uscc_check_digit
from engine.customs import examples
from engine.identity.enterprises import DEMO, Enterprises
from engine.identity.service import Identity
from engine.reference.service import ReferenceData

DEMO_PASSWORD = "Cbec-Demo-2026"


def _uscc(base: str) -> str:
    return base + uscc_check_digit(base)


# organisation code, name, [(enterprise code, name, kinds, dxp id, uscc)], [(user, name, roles)]
Firm = tuple[str, str, list[str], str, str]
ORGANISATIONS: list[tuple[str, str, list[Firm], list[tuple[str, str, list[str]]]]] = [
    ("PLATFORM", "平台运营方", [], [("admin", "平台管理员", ["platform_admin"]), ("auditor", "审计员", ["auditor"]),
                                  ("bi", "BI读取", ["bi_reader"])]),
    ("ECOM-DEMO", DEMO["name"], [(DEMO["code"], DEMO["name"], DEMO["kinds"], DEMO["dxp_id"], DEMO["uscc"])],
     [("ecom", "电商申报员", ["declarant_ecommerce"]), ("ecomadmin", "电商企业管理员", ["enterprise_admin"])]),
    ("LOGI-DEMO", "示范国际物流有限公司",
     [("3301980001", "示范国际物流有限公司", ["logistics"], "DXPENT0000000002", _uscc("91330106MA2H00002"))],
     [("logistics", "物流申报员", ["declarant_logistics"])]),
    ("PAY-DEMO", "示范支付有限公司",
     [("3301960002", "示范支付有限公司", ["payment"], "DXPENT0000000003", _uscc("91330106MA2H00003"))],
     [("payment", "支付申报员", ["declarant_payment"])]),
    ("SITE-DEMO", "示范监管场所",
     [("3301990001", "示范保税物流中心监管场所", ["site"], "DXPENT0000000004", _uscc("91330106MA2H00004"))],
     [("site", "监管场所申报员", ["declarant_site"])]),
]


# 演示税率: the shipped hs_codes rows carry no rates (no public official tariff with rates is shipped). These DEMO
# values (VAT, consumption tax in %) let the demo issue real tax bills: the milk powders of the examples at VAT 13 %
# (13 % x 70 % = the 9.1 % of engine/customs/examples.py) and no consumption tax, one cosmetics line with consumption
# tax 15 %.
# Importing the official tariff replaces them.
DEMO_RATES = {"0402100000": ("13", "0"), "0402210000": ("13", "0"), "1901101000": ("13", "0"),
              "3304990099": ("13", "15")}


def ensure_demo_rates(reference: ReferenceData) -> None:
    """Idempotent: an HS code that has a VAT rate already (the official tariff imported, an edit) keeps it."""
    for code, (vat, consumption) in DEMO_RATES.items():
        entry = reference.entry("hs_codes", code)
        if entry is None or entry.get("vat_rate"):
            continue
        note = "; ".join(filter(None, (entry.get("note"), "税率为演示值 DEMO rates, not the official tariff")))
        reference.edit("hs_codes", {"code": code, "vat_rate": vat, "consumption_rate": consumption, "note": note},
                       by="demo", reason=f"演示税率 DEMO values, not the official tariff: 增值税 VAT {vat}%, "
                                         f"消费税 consumption tax {consumption}%")


def ensure_demo_enterprises(enterprises: Enterprises) -> None:
    """The demo enterprise of every role with its test key: what declaring needs, without the logins."""
    for code, _, firms, _ in ORGANISATIONS:
        for firm_code, firm_name, kinds, dxp_id, uscc in firms:
            enterprises.ensure(firm_code, firm_name, kinds, dxp_id, uscc, organisation=code)


def ensure_demo(identity: Identity, enterprises: Enterprises, reference: ReferenceData | None = None) -> None:
    """Idempotent: what exists is left as it is. With the reference data, the demo HS rates too."""
    if reference is not None:
        ensure_demo_rates(reference)
    ensure_demo_enterprises(enterprises)
    existing_orgs = {o.code for o in identity.organisations()}
    existing_users = {u.username for u in identity.users()}
    for code, name, firms, users in ORGANISATIONS:
        if code not in existing_orgs:
            identity.register_organisation(code, name, by="demo")
        for firm_code, *_ in firms:
            if firm_code not in identity.organisation(code).enterprise_codes:
                identity.assign_enterprise(code, firm_code, by="demo")
        for username, display, roles in users:
            if username not in existing_users:
                identity.register_user(username, display, code, roles, DEMO_PASSWORD, by="demo")


IMPORT_ROLES = {"order": "CEB311", "payment": "CEB411", "waybill": "CEB511", "inventory": "CEB621"}
EXPORT_ROLES = {"order": "CEB303", "collection": "CEB403", "waybill": "CEB505", "inventory": "CEB603"}
DEMO_PURCHASES = ("DEMOP0000000000001", "DEMOP0000000000002")  # 9610 and 1210
DEMO_SHIPMENTS = ("DEMOE0000000000001", "DEMOE0000000000002")  # 9610 export parcels
DEMO_ORDERS = 3 + len(DEMO_PURCHASES)  # the CEB311 orders a fresh `cbec serve` declares


def ensure_demo_documents(declarations: dict[str, Any], enterprise_code: str) -> None:
    """On a first start (the first demo order is the mark): three orders, two complete retail import purchases
    (9610 direct and 1210 bonded: order, payment, waybill, inventory) and two export parcels (order, receipt of
    payment, waybill, inventory), so every console has something to show once the simulator answered."""
    if declarations["CEB311"].get(enterprise_code, "DEMO00000000000001") is not None:
        return
    declarations["CEB311"].declare_many([examples.import_order(f"DEMO{i:014d}") for i in range(1, 4)], "demo")
    purchases = [examples.purchase(no, mode=mode) for no, mode in zip(DEMO_PURCHASES, ("9610", "1210"), strict=True)]
    shipments = [examples.export_purchase(no) for no in DEMO_SHIPMENTS]
    for documents, roles in ((purchases, IMPORT_ROLES), (shipments, EXPORT_ROLES)):
        for role, message in roles.items():
            declarations[message].declare_many([d[role] for d in documents], "demo")
