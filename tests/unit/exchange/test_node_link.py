"""X5 节点配置: the link configuration's rules (DXP IDs as the DxpMsg XSD takes them, transports, the stale-box
threshold), each broken rule named by field in Chinese and English, and the changes between two configurations."""

from __future__ import annotations

import pytest

from domain.exchange.node_link import LinkConfig, changes, check
from domain.shared.rules import DeclarationRejected

BASE = LinkConfig(sender_dxp_id="", import_receiver="DXPEDCCEB0000002", export_receiver="DXPEDCCEB0000003",
                  out_transport="filebox", in_transport="filebox", dxp_envelope=False, stale_after_minutes=30)


def test_x5_values_are_normalised_and_fields_not_given_stay():
    config = check({"sender_dxp_id": " dxpent0000458763 ", "out_transport": "AMQP", "dxp_envelope": "on",
                    "stale_after_minutes": "1440"}, BASE)
    assert config == LinkConfig("DXPENT0000458763", "DXPEDCCEB0000002", "DXPEDCCEB0000003", "amqp", "filebox", True,
                                1440)
    assert check({"sender_dxp_id": "", "dxp_envelope": ""}, config).sender_dxp_id == ""  # blank: own DXP IDs


@pytest.mark.parametrize(("values", "field", "rule"), [
    ({"sender_dxp_id": "DXPENT000045876"}, "sender_dxp_id", "dxp_id"),  # 15 characters
    ({"import_receiver": "DXPEDCCEB00000021"}, "import_receiver", "dxp_id"),  # 17: longer than the XSD allows
    ({"export_receiver": "ABCEDCCEB0000003"}, "export_receiver", "dxp_id"),
    ({"export_receiver": " "}, "export_receiver", "required"),
    ({"in_transport": "ftp"}, "in_transport", "transport"),
    ({"stale_after_minutes": "0"}, "stale_after_minutes", "range"),
    ({"stale_after_minutes": "1441"}, "stale_after_minutes", "range"),
    ({"stale_after_minutes": "ten"}, "stale_after_minutes", "range"),
    ({"colour": "red"}, "colour", "unknown"),
])
def test_x5_a_broken_rule_names_its_field_in_chinese_and_english(values, field, rule):
    with pytest.raises(DeclarationRejected) as refused:
        check(values, BASE)
    [error] = refused.value.errors
    assert (error.field, error.rule) == (field, rule)
    assert error.message_zh and error.message_en and error.message_zh != error.message_en


def test_x5_changes_list_only_what_differs():
    after = check({"dxp_envelope": True, "out_transport": "http"}, BASE)
    assert changes(BASE, after) == {"out_transport": ("filebox", "http"), "dxp_envelope": (False, True)}
    assert changes(BASE, BASE) == {}
