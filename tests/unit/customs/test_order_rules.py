"""I3: the rules an import order (CEB311) must meet before it is sent."""

from decimal import Decimal

from domain.shared.rules import check_import_order, to_decimal


def order(**changes):
    base = {
        "orderType": "I", "currency": "142", "buyerIdType": "1",
        "goodsValue": "100", "freight": "10", "taxTotal": "9.1", "discount": "5", "acturalPaid": "114.1",
        "orderList": [{"gnum": 1, "qty": "2", "price": "30", "totalPrice": "60", "currency": "142"},
                      {"gnum": 2, "qty": "1", "price": "40", "totalPrice": "40", "currency": "142"}],
    }
    return base | changes


def fields(errors):
    return {e.field: e.rule for e in errors}


def test_a_consistent_order_breaks_no_rule():
    assert check_import_order(order()) == []


def test_paid_must_be_goods_plus_freight_plus_tax_minus_discount():
    errors = check_import_order(order(acturalPaid="124.1"))
    assert fields(errors) == {"acturalPaid": "paid_arithmetic"}
    assert "114.1" in errors[0].message_zh and "114.1" in errors[0].message_en


def test_amounts_with_different_scales_are_equal_values():
    assert check_import_order(order(acturalPaid="114.10000")) == []


def test_currency_is_fixed_to_142_on_head_and_lines():
    bad_line = order()["orderList"][0] | {"currency": "502"}
    errors = check_import_order(order(currency="502", orderList=[bad_line, order()["orderList"][1]]))
    assert fields(errors) == {"currency": "fixed_value", "orderList[1].currency": "fixed_value"}


def test_line_total_must_be_qty_times_price():
    line = {"gnum": 1, "qty": "3", "price": "33.33", "totalPrice": "100", "currency": "142"}
    errors = check_import_order(order(orderList=[line]))
    assert fields(errors) == {"orderList[1].totalPrice": "line_total"}
    assert "99.99" in errors[0].message_zh


def test_lines_are_numbered_one_to_n():
    lines = order()["orderList"]
    errors = check_import_order(order(orderList=[lines[0], lines[1] | {"gnum": 3}]))
    assert fields(errors) == {"orderList[2].gnum": "sequence"}


def test_an_order_needs_lines_and_at_most_99():
    assert fields(check_import_order(order(orderList=[]))) == {"orderList": "required"}
    line = {"qty": "1", "price": "1", "totalPrice": "1", "currency": "142"}
    many = [line | {"gnum": i} for i in range(1, 101)]
    assert fields(check_import_order(order(orderList=many))) == {"orderList": "max_items"}


def test_buyer_id_type_and_order_type_are_fixed():
    errors = check_import_order(order(buyerIdType="2", orderType="E"))
    assert fields(errors) == {"buyerIdType": "fixed_value", "orderType": "fixed_value"}


def test_decimals_never_pass_through_binary_floats():
    assert to_decimal(0.1) == Decimal("0.1")
    assert to_decimal("1e3") == Decimal("1000")
    assert to_decimal("abc") is None and to_decimal(True) is None and to_decimal("NaN") is None
