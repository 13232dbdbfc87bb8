"""The words of the Excel import pages (#18): the error report, the documents created, the drafts option."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    "import_error_report": ("下载错误报告", "Download the error report"),
    "import_error_report_help": ("错误报告列出有错误的行（与模板相同的列，末列为错误原因，错误单元格已标红并附批注）。"
                                 "更正后可直接重新导入该文件。",
                                 "The error report holds the rows with errors (the template's columns, the reasons in "
                                 "the last column, bad cells in red with a comment). Fix them and import that file "
                                 "again."),
    "import_created": ("已创建的单证", "Documents created"),
    "import_created_drafts": ("已保存的暂存单", "Drafts saved"),
    "import_mode_draft": ("存为草稿（暂存，稍后批量申报）", "Save as drafts (declare later)"),
    "import_template_help": ("模板中带下拉列表的列可选择“代码-名称”，也可直接填写代码；表头批注说明每列的填写规则。",
                             "Columns with a dropdown take 'code-name' or the bare code; each header's comment gives "
                             "the column's rule."),
}
