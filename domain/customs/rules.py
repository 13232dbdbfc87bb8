"""The rules a declaration must meet before it is sent, by document type: the import documents' (import_rules) and
the export documents' (export_rules, which build on the import rules' helpers). Each rule needs nothing but the
document; the checks against other documents (an order, an inventory, a buyer's year) are in import_rules."""

from __future__ import annotations

from typing import Any

from domain.customs import export_rules, import_rules
from domain.shared.rules import FieldError


def check(message_type: str, document: dict[str, Any]) -> list[FieldError]:
    """Every rule of the document's own type that needs nothing but the document."""
    rules = import_rules.RULES.get(message_type) or export_rules.RULES.get(message_type, [])
    return [e for rule in rules for e in rule(document)]
