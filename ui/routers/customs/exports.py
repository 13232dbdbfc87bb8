"""List exports (B4, #18) of every document type, orders included: the list as it is searched, filtered and sorted
(tenancy included) as CSV, Excel or Parquet. CSV and Excel are for people: headers in the user's language, amounts as
numbers, times as Asia/Shanghai dates, each status code with its name beside it, buyers' ID numbers and phones masked
unless shown whole with a reason (logged). Parquet is for machines: column names, same typed values.

Included before the document pages and the order pages, so /declarant/orders/export is no order number."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from domain.customs.documents import ALL_TYPES, DocumentType
from domain.shared import statuses
from engine.audit.exports import ExportRefused, export_list, typed
from ui.deps import PlatformDep
from ui.i18n import lang_of, translator
from ui.listing import ListRefused, personal_rows
from ui.routers.customs.documents import base_url, listing_of
from ui.security import require

router = APIRouter(include_in_schema=False)  # the paths are whole: base_url()
COLUMNS = ["number", "order_no", "logistics_no", "invt_no", "ebp_code", "buyer_name", "buyer_id_number",
           "buyer_telephone", "consignee", "amount", "status", "status_name", "return_info", "declared_by",
           "declared_at"]
EXPORT_LIMIT = 100_000  # rows of one export: more is refused, the user narrows the search
FILE_NAMES = {"orders": "import-orders"}  # the name the order export had before #18


def _export(doc_type: DocumentType) -> Any:
    def export(request: Request, platform: PlatformDep, q: str = "", date_from: str = "", date_to: str = "",
               buyer: str = "", format: str = "csv") -> Response:  # noqa: A002
        lang = lang_of(request, platform.settings.lang)
        try:
            lq = listing_of(request)
            rows, total = platform.customs.drafts.listing(
                doc_type, request.state.principal, q=q, date_from=date_from, date_to=date_to, buyer=buyer,
                **lq.criteria() | {"page": 1, "per_page": EXPORT_LIMIT})
            if total > EXPORT_LIMIT:
                raise ListRefused("limit", "export-limit",
                                  f"共 {total} 条，超过导出上限 {EXPORT_LIMIT} 条，请缩小查询范围",
                                  f"{total} rows: more than an export holds ({EXPORT_LIMIT}); narrow the search")
            rows, _ = personal_rows(request, platform, rows, f"{doc_type.name_zh} {doc_type.slug} export {format}")
            exported = export_list(described(rows, lang), COLUMNS, format, FILE_NAMES.get(doc_type.slug, doc_type.slug),
                                   headers(lang))
        except ListRefused as refused:
            return Response(refused.message(lang), status_code=422, media_type="text/plain; charset=utf-8")
        except ExportRefused as error:
            return Response(str(error), status_code=400, media_type="text/plain; charset=utf-8")
        return Response(exported.content, media_type=exported.media_type,
                        headers={"Content-Disposition": f'attachment; filename="{exported.filename}"'})
    return export


def described(rows: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """Typed values, and the status's name beside its code (code and name side by side, as customs' lists do)."""
    return [row | {"status_name": statuses.label(row["status"], lang)}
            for row in typed(rows, numbers=["amount"])]


def headers(lang: str) -> list[str]:
    """The header row in the user's language (ui/i18n/lists.py)."""
    t = translator(lang)
    return [t(f"col_{column}") for column in COLUMNS]


def _register() -> None:
    for doc_type in ALL_TYPES:
        router.add_api_route(f"{base_url(doc_type)}/export", _export(doc_type), methods=["GET"],
                             dependencies=[require(doc_type.permission("view"))], name=f"export {doc_type.slug}")


_register()
