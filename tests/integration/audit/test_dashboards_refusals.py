"""#18 数据统计 count refusals: an inventory customs refused with -621002 (四单回执解析失败) is 退单 1 and lowers
the 入库率 (it used to leave 退单 0 and 入库率 100 %); each status class has its colour, and a legend says which."""

from __future__ import annotations

import re
import uuid

import pytest
from fastapi.testclient import TestClient

from domain.customs.import_rules import id_check_digit
from engine.customs import examples
from tests.conftest import login
from ui.app import create_app
from ui.statuses import COLORS


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    from engine import bootstrap
    from engine.demo import ensure_demo
    from engine.settings import Settings

    built = bootstrap.build(Settings.from_env(tmp_path_factory.mktemp("dash") / "data",
                                              env={"CBEC_SIM_ACCEPT_DELAY": "0"}), with_simulator=True)
    built.identity.enterprises.ensure_demo()
    ensure_demo(built.identity, built.identity.enterprises)
    built.customs.import_orders.declare(examples.import_order("DASH-OK-1"), declared_by="ecom")
    first17 = f"33010219900101{uuid.uuid4().int % 1000:03d}"
    alone = examples.purchase("DASH-REFUSED", buyer_id=first17 + id_check_digit(first17))["inventory"]
    built.customs.declarations["CEB621"].declare(alone, declared_by="ecom")  # without its order: -621002
    built.runner.run_until_idle()
    built.audit.runner.run_until_idle()
    yield built
    built.close()


def page_for(platform, username: str, lang: str = "zh-CN") -> str:
    client = TestClient(create_app(platform), base_url="https://testserver")
    login(client, username, next_url="/account")
    page = client.get(f"/dashboards?lang={lang}")
    assert page.status_code == 200
    return page.text


def kpi(page: str, name: str) -> str:
    return re.search(rf'<dd id="kpi-{name}">(?:<span[^>]*>)?([^<]*)<', page).group(1)


def test_a_refused_inventory_is_counted_and_lowers_the_release_rate(platform):
    page = page_for(platform, "auditor")
    assert kpi(page, "total") == "2" and kpi(page, "sent") == "2"
    assert kpi(page, "accepted") == "1" and kpi(page, "rejected") == "1"
    assert kpi(page, "rate") == "50.0%"
    assert "四单回执解析失败" in page.split('id="chart-rejections"')[1].split("</svg>")[0]


def test_each_status_class_has_its_colour_and_a_legend(platform):
    page = page_for(platform, "bi")
    refused = re.search(r'<rect class="bar"[^>]*fill="([^"]+)"[^>]*data-series="海关处理失败 -621002"', page)
    accepted = re.search(r'<rect class="bar"[^>]*fill="([^"]+)"[^>]*data-series="120 海关入库"', page)
    assert refused and accepted and refused.group(1) == COLORS["refused"] != accepted.group(1)
    legend = page.split('id="status-legend"')[1].split("</p>")[0]
    for word in ("海关入库/审结", "放行/结关", "退单", "报文格式错误", "处理中"):
        assert word in legend


def test_the_figures_speak_english(platform):
    page = page_for(platform, "admin", "en")
    assert "Format errors" in page and "Status legend" in page and "Refused" in page


def test_a_declarant_may_not_open_the_dashboards(platform):
    client = TestClient(create_app(platform), base_url="https://testserver")
    login(client, "ecom", next_url="/account")
    assert client.get("/dashboards").status_code == 403
