"""#18: the tax bill list (I7) takes the lists' shared parameters: page size, jump to page, sortable columns (an
unknown one refused 422 naming `sort`), several statuses at once; the export follows the chosen statuses."""

from __future__ import annotations

import io
import re

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from adapters.excel.documents import HEADS
from domain.customs.model import TaxBill
from tests.conftest import login
from ui.app import create_app


@pytest.fixture(scope="module")
def admin(tmp_path_factory):
    """25 tax bills of one inventory: statuses 1 (已生成), 2 (已汇总) and 3 (作废) in turn."""
    from engine import bootstrap
    from engine.demo import ensure_demo
    from engine.settings import Settings

    platform = bootstrap.build(Settings.from_env(tmp_path_factory.mktemp("taxlist") / "data"))
    platform.identity.enterprises.ensure_demo()
    ensure_demo(platform.identity, platform.identity.enterprises)
    for n in range(25):
        tax_no = f"TL{n:04d}"
        platform.store.save(TaxBill(invt_no="INVTL0001", tax_no=tax_no, source="CEB816_test.xml", document={
            "invtNo": "INVTL0001", "taxNo": tax_no, "customsTax": "0", "valueAddedTax": "1", "consumptionTax": "0",
            "status": str(n % 3 + 1), "returnTime": "20991231000000000", "taxListRd": []}))
    platform.customs.documents_view.run_once()
    client = TestClient(create_app(platform), base_url="https://testserver")
    login(client, "admin")
    yield client
    platform.close()


def bills(page) -> list[str]:
    assert page.status_code == 200, page.text[:300]
    return re.findall(r'href="/declarant/tax-bills/INVTL0001/(TL\d+)"', page.text)


def test_page_size_and_jump_to_page(admin):
    assert len(bills(admin.get("/declarant/tax-bills"))) == 20
    assert len(bills(admin.get("/declarant/tax-bills?per_page=50"))) == 25
    second = admin.get("/declarant/tax-bills?page=2")
    assert len(bills(second)) == 5 and 'id="page-of">2 / 2<' in second.text and 'id="jump"' in second.text


def test_columns_sort_both_ways(admin):
    ascending = bills(admin.get("/declarant/tax-bills?sort=tax_no&dir=asc&per_page=50"))
    assert ascending == sorted(ascending) and len(ascending) == 25
    assert bills(admin.get("/declarant/tax-bills?sort=tax_no&dir=desc&per_page=50")) == ascending[::-1]


@pytest.mark.parametrize(("query", "field"), [("sort=total_tax_secret", "sort"), ("per_page=7", "per_page"),
                                              ("status=9", "status")])
def test_a_bad_parameter_is_refused_naming_it(admin, query, field):
    page = admin.get(f"/declarant/tax-bills?{query}")
    assert page.status_code == 422 and f'data-field="{field}"' in page.text


def test_several_statuses_at_once_and_the_export_follows_them(admin):
    voided = bills(admin.get("/declarant/tax-bills?status=3&per_page=50"))
    both = bills(admin.get("/declarant/tax-bills?status=1&status=3&per_page=50"))
    assert len(voided) == 8 and len(both) == 17 and set(voided) < set(both)
    book = load_workbook(io.BytesIO(admin.get("/declarant/tax-bills/export.xlsx?status=1&status=3").content))
    assert book[HEADS].max_row == 1 + 17
