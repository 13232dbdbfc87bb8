"""The monthly summary console's words (汇总申报 E3), zh-CN and English; merged into ui.i18n.TEXT."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    "nav_summary_proposals": ("汇总申报", "Monthly summary"),
    "sum_nav_due": ("待汇总申报 {n} 个月", "Summary due: {n} month(s)"),
    "sum_title": ("出口汇总申报", "Export monthly summary"),
    "sum_results_title": ("汇总申报结果", "Summary results"),
    "sum_month": ("结关月份", "Month of departure"),
    "sum_show": ("查看", "Show"),
    "sum_previous": ("上个月", "Previous month"),
    "sum_next": ("下个月", "Next month"),
    "sum_to_results": ("查看汇总结果", "See the results"),
    "sum_to_proposals": ("返回汇总申报建议", "Back to the proposals"),
    "sum_reminder": ("{month} 尚有 {n} 票已结关的出口清单未汇总申报，请于 {deadline}（含当日）前申报",
                     "{n} export inventories that departed in {month} still await their summary application: "
                     "declare them by {deadline}"),
    "sum_overdue": ("已超过申报期限", "past the deadline"),
    "sum_deadline": ("申报截止日期", "Deadline"),
    "sum_not_over": ("本月尚未结束：本月结关的清单还会增加，申报期为下月1日至10日。",
                     "The month is not over: more inventories may still depart in it; the summary is due from the "
                     "1st to the 10th of the next month."),
    "sum_rules": ("汇总规则：同一收发货人、贸易方式、运抵国、出境口岸、10位商品编码、计量单位、币制的"
                  "清单商品归并为一张报关单。汇总申请单列出整票清单（9610、汇总申报B、已结关899、尚未汇总），"
                  "按申报海关、收发货人、贸易方式、运抵国、出境口岸各申报一张；海关按上述规则生成报关单（CEB792）。",
                  "Summary rules: the lines of inventories with the same consignor, trade mode, destination country, "
                  "exit port, 10-digit HS code, unit and currency make one customs declaration. A summary "
                  "application lists whole inventories (9610, statisticsFlag B, departed 899, not yet summarised), "
                  "one per customs office, consignor, trade mode, destination country and exit port; customs makes "
                  "the declarations (CEB792) by the rules above."),
    "sum_none": ("本月没有待汇总申报的清单", "Nothing left to summarise for this month"),
    "sum_proposed": ("建议申报的汇总申请单", "Summary applications to declare"),
    "sum_application": ("汇总申请单", "Summary application"),
    "sum_customs": ("申报海关", "Customs office"),
    "sum_ebc": ("收发货人", "Consignor"),
    "sum_trade_mode": ("贸易方式", "Trade mode"),
    "sum_country": ("运抵国", "Destination country"),
    "sum_port": ("出境口岸", "Exit port"),
    "sum_agent": ("申报企业", "Declarant"),
    "sum_inventories": ("清单编号", "Inventories"),
    "sum_inventory_count": ("清单票数", "Inventories"),
    "sum_line_count": ("商品项数", "Lines"),
    "sum_value": ("货值", "Value"),
    "sum_gross": ("毛重(千克)", "Gross weight (kg)"),
    "sum_net": ("净重(千克)", "Net weight (kg)"),
    "sum_declarations": ("海关将生成的报关单（按汇总规则）", "The declarations customs will make (summary rules)"),
    "sum_gcode": ("商品编码", "HS code"),
    "sum_unit": ("计量单位", "Unit"),
    "sum_currency": ("币制", "Currency"),
    "sum_qty": ("数量", "Quantity"),
    "sum_declare": ("申报所选汇总申请单", "Declare the selected applications"),
    "sum_declared": ("本月已申报的汇总申请单", "Summary applications declared for this month"),
    "sum_declared_now": ("已申报 {n} 张汇总申请单", "{n} summary applications declared"),
    "sum_none_declared": ("本月尚未申报汇总申请单", "No summary application declared for this month yet"),
    "sum_cop_no": ("企业内部编号", "copNo"),
    "sum_sum_no": ("汇总申请编号", "Summary No. (sumNo)"),
    "sum_results": ("汇总结果（报关单）", "Results (customs declarations)"),
    "sum_decl_seq": ("汇总统一编号", "declSeqNo"),
    "sum_entry_id": ("报关单号", "Declaration No. (entryId)"),
    "sum_dec_state": ("报关单状态", "Declaration status"),
    "sum_no_results": ("海关尚未返回汇总结果", "No result from customs yet"),
    "sum_select": ("选择", "Select"),
}
