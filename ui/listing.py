"""What every console list shares (#18): page size, jump to page, sorting by a column, several statuses at once, and
whether the buyer's personal data is shown whole. Parsed here once, so every list answers a bad value the same way:
422, naming the parameter and the rule in the user's language, and the page still usable."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import Request

from domain.shared.personal import has_personal, masked

PAGE_SIZES = (20, 50, 100, 200)
MAX_PAGE = 1_000_000
REVEAL = "I3:view-personal"  # domain/identity/roles.py: 查看完整证件号和电话


class ListRefused(ValueError):
    """A list parameter that cannot be used; field and rule name it, zh and en say it."""

    def __init__(self, field: str, rule: str, zh: str, en: str):
        super().__init__(f"{field}: {en}")
        self.field, self.rule, self.zh, self.en = field, rule, zh, en

    def message(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


@dataclass(frozen=True)
class ListQuery:
    """One list request: the page, its size, the sort, the statuses and the query string to keep in links."""

    page: int = 1
    per_page: int = PAGE_SIZES[0]
    sort: str = ""
    descending: bool = True
    statuses: list[str] = field(default_factory=list)
    params: list[tuple[str, str]] = field(default_factory=list)  # the request's, to build links from

    def criteria(self) -> dict[str, Any]:
        """What the read model's listing takes."""
        return {"page": self.page, "per_page": self.per_page, "sort": self.sort, "descending": self.descending,
                "status": self.statuses}

    def pages(self, total: int) -> int:
        return max((total + self.per_page - 1) // self.per_page, 1)

    def query(self, drop: Iterable[str] = ("page",), **changes: Any) -> str:
        """The current query string without `drop` (and without `changes`' names), with `changes` added."""
        gone = set(drop) | set(changes)
        kept = [(k, v) for k, v in self.params if k not in gone and k != "lang"]
        return urlencode(kept + [(k, str(v)) for k, v in changes.items() if v not in (None, "")])

    def sort_link(self, column: str) -> str:
        """The query string of a click on a column's header: ascending first, then descending."""
        ascending_now = self.sort == column and not self.descending
        return self.query(drop=("page", "sort", "dir"), sort=column, dir="desc" if ascending_now else "asc")

    def sorted_by(self, column: str) -> str:
        """aria-sort of a header: ascending, descending or none."""
        if self.sort != column:
            return "none"
        return "descending" if self.descending else "ascending"

    def hidden(self, drop: Iterable[str] = ("page",)) -> list[tuple[str, str]]:
        """The parameters a form (jump to page, page size) carries along, as hidden inputs."""
        gone = set(drop)
        return [(k, v) for k, v in self.params if k not in gone and k != "lang"]


def _whole(request: Request, name: str, default: int) -> int:
    text = request.query_params.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise ListRefused(name, "positive-integer", f"{name} 必须是大于 0 的整数，收到 {text[:20]!r}",
                          f"{name} must be a whole number above 0, got {text[:20]!r}")
    return int(text)


def parse(request: Request, sortable: Iterable[str], statuses: Sequence[str] | None = None) -> ListQuery:
    """The list parameters of a request: page (from 1), per_page (one of PAGE_SIZES), sort (one of `sortable`) and
    dir (asc, desc), status (repeated; each one of `statuses` when given). ListRefused names the first bad one."""
    page = min(_whole(request, "page", 1), MAX_PAGE)
    per_page = _whole(request, "per_page", PAGE_SIZES[0])
    if per_page not in PAGE_SIZES:
        sizes = "/".join(map(str, PAGE_SIZES))
        raise ListRefused("per_page", "one-of", f"per_page 每页条数只能是 {sizes}，收到 {per_page}",
                          f"per_page must be one of {sizes}, got {per_page}")
    sort, direction = request.query_params.get("sort", ""), request.query_params.get("dir", "desc")
    allowed = list(sortable)
    if sort and sort not in allowed:
        raise ListRefused("sort", "sortable-column", f"sort 不能按 {sort[:40]!r} 排序，可排序列：{', '.join(allowed)}",
                          f"sort: cannot sort by {sort[:40]!r}; sortable columns: {', '.join(allowed)}")
    if direction not in ("asc", "desc"):
        raise ListRefused("dir", "one-of", f"dir 排序方向只能是 asc 或 desc，收到 {direction[:20]!r}",
                          f"dir must be asc or desc, got {direction[:20]!r}")
    chosen = [s for s in dict.fromkeys(request.query_params.getlist("status")) if s]
    unknown = [s for s in chosen if statuses is not None and s not in statuses]
    if unknown:
        raise ListRefused("status", "known-status", f"status 状态 {unknown[0][:20]!r} 不存在",
                          f"status {unknown[0][:20]!r} is no status of this list")
    return ListQuery(page, per_page, sort, direction == "desc", chosen, list(request.query_params.multi_items()))


def may_reveal(principal: Any) -> bool:
    """Does the user hold the permission to see buyers' ID numbers and phones whole?"""
    return principal is not None and principal.can(REVEAL)


def reveal_reason(request: Request) -> str | None:
    """The reason a permitted user gave to see personal data whole (reveal=1&reason=...): None when not asked;
    ListRefused when asked without a reason or without the permission (common practice: no reason, no data)."""
    if request.query_params.get("reveal") != "1":
        return None
    if not may_reveal(getattr(request.state, "principal", None)):
        raise ListRefused("reveal", "permission", "无权查看完整证件号和电话（需要权限 I3:view-personal）",
                          "you may not see whole ID numbers and phones (permission I3:view-personal)")
    reason = request.query_params.get("reason", "").strip()
    if not reason:
        raise ListRefused("reason", "required", "reason 查看完整证件号和电话须填写原因",
                          "reason: say why you need to see whole ID numbers and phones")
    return reason[:200]


def personal_rows(request: Request, platform: Any, rows: list[dict[str, Any]], what: str) -> tuple[list[dict], bool]:
    """The rows as the user may see them: buyers' ID numbers and phones masked, unless the user holds the permission
    and asked with a reason (reveal_reason); then whole, and the system log records who saw whose data, where and
    why (PIPL: access to personal data is accountable). `what`: the list or export, for the log."""
    reason = reveal_reason(request)
    if reason is None:
        return [masked(row) for row in rows], False
    shown = [row.get("number") or row.get("document_id") or "" for row in rows if has_personal(row)]
    log_personal(request, platform, what, shown, reason)
    return rows, True


def log_personal(request: Request, platform: Any, what: str, numbers: Sequence[str], reason: str) -> None:
    """One system-log entry for one unmasked view or export: who, which list or document, which numbers, why."""
    principal = request.state.principal
    platform.identity.log("personal", principal.name, principal.organisation,
                          request.client.host if request.client else "", f"查看完整个人信息 view personal data: {what}",
                          ",".join(numbers)[:200], "shown", {"reason": reason, "numbers": list(numbers)[:1000],
                                                              "count": len(numbers), "path": request.url.path})
