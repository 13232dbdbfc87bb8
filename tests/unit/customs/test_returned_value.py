"""I4, I6: what an approved return gives back to the buyer's annual amount (domain/customs/tax.returned_value)."""

from decimal import Decimal

from domain.shared.tax import returned_value

INVENTORY = {"freight": "10", "insuredFee": "0",
             "inventoryList": [{"gnum": 1, "qty": "4", "totalPrice": "100.00"},
                               {"gnum": 2, "qty": "3", "totalPrice": "10.00"}]}


def test_a_partial_return_gives_back_its_share_of_the_line_and_never_the_freight():
    refund = {"invtRefundList": [{"gnum": 1, "qty": "1"}, {"gnum": 2, "qty": "1"}]}
    assert returned_value(INVENTORY, refund) == Decimal("28.33")  # 25.00 + 3.33


def test_more_than_bought_or_an_unknown_line_gives_back_no_more_than_the_line():
    refund = {"invtRefundList": [{"gnum": 1, "qty": "9"}, {"gnum": 7, "qty": "1"}]}
    assert returned_value(INVENTORY, refund) == Decimal("100.00")
