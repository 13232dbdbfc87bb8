"""Search conditions shared by the read models' list queries: filters, date ranges, paging."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from projections.db import Database

MAX_PAGE = 1_000_000


class Where:
    """Conditions joined by AND; empty filter values add nothing."""

    def __init__(self) -> None:
        self.parts: list[str] = ["1 = 1"]
        self.params: list[Any] = []

    def equals(self, column: str, value: Any) -> Where:
        if value:
            self.parts.append(f"{column} = ?")
            self.params.append(value)
        return self

    def contains(self, columns: Sequence[str], text: str) -> Where:
        """Any of the columns contains the text."""
        if text:
            self.parts.append("(" + " OR ".join(f"{c} LIKE ?" for c in columns) + ")")
            self.params += [f"%{text}%"] * len(columns)
        return self

    def between_dates(self, column: str, date_from: str, date_to: str) -> Where:
        """ISO timestamps from the start of date_from to the end of date_to (both YYYY-MM-DD)."""
        if date_from:
            self.parts.append(f"{column} >= ?")
            self.params.append(date_from)
        if date_to:
            self.parts.append(f"{column} < ?")
            self.params.append(date_to + "T99")
        return self

    def one_of(self, column: str, values: Sequence[str] | None) -> Where:
        """None: no condition; an empty list matches nothing."""
        if values is not None:
            self.parts.append(f"{column} IN ({', '.join('?' * len(values)) or 'NULL'})")
            self.params.extend(values)
        return self

    def any_of_tokens(self, column: str, values: Sequence[str] | None) -> Where:
        """The column holds "|a|b|" token lists; one of the values is among them. None: no condition; an empty
        list matches nothing."""
        if values is not None:
            self.parts.append("(" + (" OR ".join(f"{column} LIKE ?" for _ in values) or "1 = 0") + ")")
            self.params.extend(f"%|{v}|%" for v in values)
        return self

    def page(self, db: Database, table: str, order_by: str, page: int,
             per_page: int) -> tuple[list[dict[str, Any]], int]:
        """One page of rows (page numbers from 1) and the total count."""
        clause = " AND ".join(self.parts)
        total = db.query(f"SELECT COUNT(*) AS n FROM {table} WHERE {clause}", self.params)[0]["n"]
        offset = (min(max(page, 1), MAX_PAGE) - 1) * per_page
        rows = db.query(f"SELECT * FROM {table} WHERE {clause} ORDER BY {order_by} LIMIT ? OFFSET ?",
                        [*self.params, per_page, offset])
        return rows, int(total)
