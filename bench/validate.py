"""cbec bench validate: code-rule validations per second of a 10-line order, with a full-size HS table loaded.

The HS table is the shipped demo subset plus N SYNTHETIC rows (codes 99xxxxxxxx: chapter 99 is not used by
the HS nomenclature, so they can never be mistaken for real codes), imported through the same import path as
an administrator's Excel file, with synthetic positive-list (1,500) and negative-list (100) entries. They
exist only in the benchmark's temporary data folder."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine import bootstrap, clock
from engine.customs import examples
from engine.customs.service import complete
from engine.settings import Settings

Result = list[tuple[str, float | int, str]]
SYNTHETIC = "SYNTHETIC bench row, not a customs code"


def run(hs_rows: int = 10_000, seconds: float = 2.0) -> Result:
    with tempfile.TemporaryDirectory(prefix="cbec-bench-validate-") as tmp:
        platform = bootstrap.build(Settings.from_env(Path(tmp), env={}))
        try:
            return _measure(platform, hs_rows, seconds)
        finally:
            platform.close()


def synthetic_hs(n: int) -> list[tuple[int, dict[str, str]]]:
    return [(i + 2, {"code": f"99{i:08d}", "name_zh": f"合成测试商品 {i}", "name_en": SYNTHETIC, "unit1": "035",
                     "unit2": "007" if i % 2 else "", "source": "SYNTHETIC"}) for i in range(n)]


def _measure(platform: bootstrap.Platform, hs_rows: int, seconds: float) -> Result:
    reference = platform.reference
    assert reference is not None
    started = time.perf_counter()
    report = reference.import_rows("hs_codes", synthetic_hs(hs_rows), ["code", "name_zh", "name_en", "unit1", "unit2",
                                                                      "source"], "bench", SYNTHETIC)
    import_seconds = time.perf_counter() - started
    goods = [(i + 2, {"code": f"99{i:06d}", "name_zh": f"合成清单 {i}", "source": "SYNTHETIC"}) for i in range(1600)]
    reference.import_rows("positive_list", goods[:1500], ["code", "name_zh", "source"], "bench", SYNTHETIC)
    reference.import_rows("negative_list", goods[1500:], ["code", "name_zh", "source"], "bench", SYNTHETIC)
    reference.invalidate()
    started = time.perf_counter()
    index = reference.index()
    index_seconds = time.perf_counter() - started
    order = complete(examples.import_order("BENCH-VALIDATE", lines=10), clock.now())
    inventory = _inventory(order, hs_rows)
    assert not reference.check("CEB311", order) and not reference.check("CEB621", inventory)
    return [
        ("hs_rows", index.count("hs_codes"), "rows"), ("hs_rows_imported", len(report.added), "rows"),
        ("import_hs_rows", len(report.added) / import_seconds, "rows/s"), ("index_refresh", index_seconds, "s"),
        ("validate_ceb311_10_lines", _rate(lambda: reference.check("CEB311", order), seconds), "validations/s"),
        ("validate_ceb621_10_lines", _rate(lambda: reference.check("CEB621", inventory), seconds), "validations/s"),
        ("declare_check_ceb311_10_lines", _rate(lambda: platform.customs.import_orders.check(order), seconds),
         "validations/s"),
        ("lookup_hs_prefix", _rate(lambda: reference.search("hs_codes", "99004", 20), seconds), "lookups/s"),
        ("lookup_country_alias", _rate(lambda: reference.search("countries", "日", 20), seconds), "lookups/s"),
    ]


def _inventory(order: dict[str, Any], hs_rows: int) -> dict[str, Any]:
    """A CEB621-like document with 10 lines of synthetic HS codes, every code rule applying."""
    head = {"customsCode": "2900", "portCode": "2991", "agentCode": "3301960001", "tradeMode": "1210",
            "trafMode": "5", "country": "142", "currency": "142", "buyerIdType": "1", "declTime": order["appTime"][:8]}
    step = max(hs_rows // 10, 1)
    lines = [{"gnum": n, "gcode": f"99{(n * step) % max(hs_rows, 1):08d}", "country": "601", "tradeCountry": "601",
              "currency": "142", "unit": "122", "unit1": "035"} for n in range(1, 11)]
    return head | {"inventoryList": lines}


def _rate(call: Callable[[], Any], seconds: float) -> float:
    count, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        for _ in range(100):
            call()
        count += 100
    return count / elapsed
