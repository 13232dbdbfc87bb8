"""The reference console's words about lists' completeness (#18) and times (北京时间), zh-CN and English; merged
into ui.i18n.TEXT."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    "ref_source": ("来源", "Source"),
    "ref_completeness": ("完整性", "Complete"),
    "ref_complete": ("完整（表外代码拒绝）", "complete (codes outside it are refused)"),
    "ref_partial": ("不完整（表外代码仅警告）", "incomplete (codes outside it are only warned about)"),
    "ref_last_import": ("最近导入", "Last import"),
    "ref_marked_by": ("{by} 于 {at} 标记", "marked by {by} at {at}"),
    "ref_official": ("这是海关发布的完整官方代码表（导入后，表外代码将被拒绝）",
                     "this is customs' complete official list (after the import, codes outside it are refused)"),
    "ref_now_complete": ("已标记为完整代码表：表外代码将被拒绝。",
                         "Marked complete: codes outside it are now refused."),
    "ref_completeness_help": ("不完整的代码表无法区分真实代码和错误代码：申报中不在表内的代码只提示警告，单证照常接受；"
                              "管理员导入官方完整代码表后，表外代码将被拒绝。",
                              "An incomplete list cannot tell a real code from a wrong one: a declared code outside "
                              "it is only warned about and the document is accepted. Once an administrator imports "
                              "the official complete list, codes outside it are refused."),
    "code_warnings": ("单证已接受，但请核对以下代码", "Accepted, but check these codes"),
    "beijing_time": ("北京时间", "Beijing time, UTC+8"),
}
