"""The actions bar of a document's page (#18): what the user may do next with the document, as links. Only what the
user may use is offered: its permission held, the document one its organisation acts on, and a state customs takes
the action in (the UI never offers a link the user may not follow)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.customs import documents as types
from domain.customs.documents import DocumentType
from domain.identity.roles import Principal
from domain.shared import statuses
from engine.customs.amend import BUILDS_INVENTORY, customs_actions, may_act, modifiable


@dataclass(frozen=True)
class Action:
    name: str  # the element id (action-<name>) and the word's key (ui/i18n/amend.py)
    url: str


def base_of(doc_type: DocumentType) -> str:
    return f"/declarant/{doc_type.slug}"


def document_actions(doc_type: DocumentType, document: Any, status: str, principal: Principal) -> list[Action]:
    """修改重报, 复制新增, the customs requests an inventory's state allows, and the inventory built from it."""
    if not may_act(principal, doc_type, document.document):
        return []
    here = f"{base_of(doc_type)}/{document.id}"
    actions: list[Action] = []
    if principal.can(doc_type.permission("declare")):
        if modifiable(document):
            actions.append(Action("modify", f"{here}/modify"))
        actions.append(Action("copy", f"{here}/copy"))
    actions += [Action(f"make_{target.slug}", f"{here}/{target.slug}")
                for target in customs_actions(doc_type, status, principal)]
    built = BUILDS_INVENTORY.get(doc_type.message)
    if built is not None and doc_type is not types.EXPORT_WAYBILL and not statuses.is_refused(status) \
            and principal.can(built.permission("declare")):
        actions.append(Action(f"make_{built.slug}", f"{here}/{built.slug}"))
    return actions


def versions_of(document: Any) -> list[dict[str, Any]]:
    """The document's versions, newest first, once it has more than one (修改重报)."""
    versions = list(getattr(document, "versions", []) or [])
    return list(reversed(versions)) if len(versions) > 1 else []
