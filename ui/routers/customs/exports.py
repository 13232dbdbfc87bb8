"""Export of the order list (B4, I3) to CSV, Excel and Parquet, with the list's filters and tenancy.

Included before the declarant router, so /declarant/orders/export is not taken for an order number."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from engine.audit.exports import ExportRefused, export_list
from ui.deps import PlatformDep
from ui.security import require

router = APIRouter(prefix="/declarant", include_in_schema=False)
ORDER_COLUMNS = ["order_no", "ebp_code", "ebc_code", "ebc_name", "buyer_name", "consignee", "goods_value",
                 "actural_paid", "line_count", "status", "return_info", "return_time", "message_guid", "declared_by",
                 "declared_at", "updated_at"]
EXPORT_LIMIT = 1_000_000


@router.get("/orders/export", dependencies=[require("I3:view")])
def export_orders(request: Request, platform: PlatformDep, q: str = "", status: str = "", date_from: str = "",
                  date_to: str = "", format: str = "csv") -> Response:  # noqa: A002
    rows, _ = platform.customs.queries.search(request.state.principal, q=q, status=status, date_from=date_from,
                                      date_to=date_to, page=1, per_page=EXPORT_LIMIT)
    try:
        exported = export_list(rows, ORDER_COLUMNS, format, "import-orders")
    except ExportRefused as error:
        return Response(str(error), status_code=400)
    return Response(exported.content, media_type=exported.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{exported.filename}"'})
