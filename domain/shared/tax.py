"""跨境电商零售进口税收政策 (I4, I7): the tax of a retail import inventory, as the declarant sees it before declaring
and as customs issues it in the electronic tax bill (CEB816).

Policy (财关税〔2016〕18号, limits raised by 财关税〔2018〕49号): within the single-transaction limit (5,000 CNY) and
the annual limit (26,000 CNY per person), the customs duty rate is 0 and import VAT and consumption tax are levied at
70 % of the statutory amount. The dutiable value (完税价格) is the actual transaction price: goods, freight and
insurance, so freight and insurance are spread over the lines in proportion to their value. Consumption tax is
computed on the composite base (dutiable value + duty) / (1 - consumption rate); VAT on dutiable value + duty +
consumption tax. Rates are the HS code's statutory rates of the reference data (I1: hs_codes duty_rate, vat_rate,
consumption_rate, in percent).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

SINGLE_LIMIT = Decimal(5000)  # 单次交易限值 (CNY)
ANNUAL_LIMIT = Decimal(26000)  # 年度交易限值 (CNY), per buyer ID number and calendar year
RETAIL_SHARE = Decimal("0.7")  # 按法定应纳税额的70%征收
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Rates:
    """Statutory rates of one HS code, in percent (13 means 13 %)."""

    duty: Decimal = Decimal(0)
    vat: Decimal = Decimal(0)
    consumption: Decimal = Decimal(0)


@dataclass(frozen=True)
class LineTax:
    gnum: int
    gcode: str
    tax_price: Decimal  # 完税总价格: the line's value with its share of freight and insurance
    customs_tax: Decimal
    value_added_tax: Decimal
    consumption_tax: Decimal
    rates: Rates | None  # None: the HS code has no rates in the reference data; its taxes are 0 and flagged


@dataclass(frozen=True)
class TaxResult:
    lines: list[LineTax]
    customs_tax: Decimal
    value_added_tax: Decimal
    consumption_tax: Decimal
    missing_rates: list[str]  # HS codes without rates

    @property
    def total(self) -> Decimal:
        return self.customs_tax + self.value_added_tax + self.consumption_tax

    def as_dict(self) -> dict[str, Any]:
        return {"customsTax": str(self.customs_tax), "valueAddedTax": str(self.value_added_tax),
                "consumptionTax": str(self.consumption_tax), "total": str(self.total),
                "missingRates": self.missing_rates,
                "lines": [{"gnum": t.gnum, "gcode": t.gcode, "taxPrice": str(t.tax_price),
                           "customsTax": str(t.customs_tax), "valueAddedTax": str(t.value_added_tax),
                           "consumptionTax": str(t.consumption_tax)} for t in self.lines]}


def _dec(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal(0)
    except ArithmeticError:
        return Decimal(0)


def transaction_value(inventory: Mapping[str, Any]) -> Decimal:
    """实际交易价格: goods (sum of line totals) + freight + insurance, what the personal limits are measured on."""
    goods = sum((_dec(line.get("totalPrice")) for line in inventory.get("inventoryList") or []), Decimal(0))
    return goods + _dec(inventory.get("freight")) + _dec(inventory.get("insuredFee"))


def returned_value(inventory: Mapping[str, Any], refund: Mapping[str, Any]) -> Decimal:
    """What an approved return (CEB625 field names) gives back to the buyer's annual amount: each returned line's
    share of its inventory line's total (qty returned / qty bought), at most the whole line. Freight and insurance
    stay counted. (财关税〔2016〕18号: goods returned after release get their tax refunded and the personal annual
    total adjusted.)"""
    lines = {str(line.get("gnum")): line for line in inventory.get("inventoryList") or []}
    value = Decimal(0)
    for returned in refund.get("invtRefundList") or []:
        line = lines.get(str(returned.get("gnum")))
        bought = _dec(line.get("qty")) if line is not None else Decimal(0)
        if line is not None and bought > 0:
            value += (_dec(line.get("totalPrice")) * min(_dec(returned.get("qty")), bought) / bought).quantize(CENT)
    return value


def retail_import_tax(inventory: Mapping[str, Any], rates: Callable[[str], Rates | None]) -> TaxResult:
    """The tax of an inventory (CEB621 field names) within the personal limits."""
    lines = list(inventory.get("inventoryList") or [])
    goods = sum((_dec(line.get("totalPrice")) for line in lines), Decimal(0))
    extra = _dec(inventory.get("freight")) + _dec(inventory.get("insuredFee"))
    taxed: list[LineTax] = []
    spread = Decimal(0)
    for index, line in enumerate(lines):
        value = _dec(line.get("totalPrice"))
        share = extra - spread if index == len(lines) - 1 else (extra * value / goods).quantize(CENT) if goods else 0
        spread += share
        gcode = str(line.get("gcode") or "")
        taxed.append(_line(int(_dec(line.get("gnum")) or index + 1), gcode, (value + share).quantize(CENT),
                           rates(gcode)))
    missing = sorted({t.gcode for t in taxed if t.rates is None})
    return TaxResult(taxed, sum((t.customs_tax for t in taxed), Decimal(0)),
                     sum((t.value_added_tax for t in taxed), Decimal(0)),
                     sum((t.consumption_tax for t in taxed), Decimal(0)), missing_rates=missing)


def _line(gnum: int, gcode: str, tax_price: Decimal, rates: Rates | None) -> LineTax:
    if rates is None:
        zero = Decimal("0.00")
        return LineTax(gnum, gcode, tax_price, zero, zero, zero, None)
    duty = Decimal(0)  # 关税税率暂设为0% within the limits
    crate, vrate = rates.consumption / 100, rates.vat / 100
    consumption = (tax_price + duty) / (1 - crate) * crate if crate < 1 else Decimal(0)
    vat = (tax_price + duty + consumption) * vrate
    return LineTax(gnum, gcode, tax_price, duty.quantize(CENT), _retail(vat), _retail(consumption), rates)


def _retail(amount: Decimal) -> Decimal:
    return (amount * RETAIL_SHARE).quantize(CENT, rounding=ROUND_HALF_UP)


def rates_from(entry_attrs: Mapping[str, str] | None) -> Rates | None:
    """Rates from an hs_codes reference entry's columns; None when it carries no VAT rate (unknown, not zero)."""
    if not entry_attrs or not entry_attrs.get("vat_rate"):
        return None
    return Rates(_dec(entry_attrs.get("duty_rate")), _dec(entry_attrs.get("vat_rate")),
                 _dec(entry_attrs.get("consumption_rate")))
