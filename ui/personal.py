"""Buyers' ID numbers and phones on the pages and API answers that show whole documents (#18), beside the lists'
ui/listing.py: masked (domain/shared/personal.py, first 3 + last 4) unless the viewer may see them whole, and every
whole view written to the system log (kind `personal`).

Who sees them whole: on a page, a holder of I3:view-personal who asks with a reason (reveal=1&reason=..., as on the
lists); in the JSON API, a client whose roles hold I3:view-personal (a program cannot type a reason on each call: its
permission is its reason, and each answer is logged).

Why pages are masked as sent rather than field by field: a document shows its buyer in many places (its fields, the
signed XML, the purchase page's comparisons, the amend and copy forms) in templates several people change; replacing
the document's own values in the page as rendered leaves no place forgotten. The API answers are data, masked as
data (their field names kept)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from fastapi import Request
from starlette.responses import Response

from domain.customs.documents import BY_MESSAGE, ORDER
from domain.shared.personal import PERSONAL_FIELDS, XML_FIELD, mask, masked_xml
from engine.customs.amend import amendments
from ui.listing import ListQuery, ListRefused, log_personal, may_reveal, reveal_reason


def masked_deep(value: Any) -> Any:
    """A JSON answer with every personal field masked wherever it sits (documents in lists, nested documents, the
    purchase's comparisons {field, value}, message XML); field names and everything else as they were."""
    if isinstance(value, Mapping):
        compared = value.get("field") in PERSONAL_FIELDS
        return {k: mask(v) if k in PERSONAL_FIELDS or (compared and k == "value") else masked_deep(v)
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [masked_deep(item) for item in value]
    if isinstance(value, str) and "<" in value:
        return masked_xml(value)
    return value


def personal_values(*documents: Any) -> set[str]:
    """The whole ID numbers and phones the documents carry (head, lines, nested documents, a message's XML: an earlier
    version's may name another buyer), to mask on a page."""
    found: set[str] = set()
    for document in documents:
        if isinstance(document, str):
            found |= {m.group(2) for m in XML_FIELD.finditer(document) if m.group(2)}
        elif isinstance(document, Mapping):
            found |= {str(v) for k, v in document.items() if k in PERSONAL_FIELDS and v not in (None, "")}
            found |= personal_values(*(v for v in document.values() if isinstance(v, Mapping | list | tuple | str)))
        elif isinstance(document, list | tuple):
            found |= personal_values(*document)
    return {value for value in found if len(value) > 2}


def scrubbed(text: str, values: Iterable[str]) -> str:
    """The text with each value replaced by its mask; the longest first, so a value inside another goes with it."""
    for value in sorted(set(values), key=len, reverse=True):
        text = text.replace(value, str(mask(value)))
    return text


def page_reveal(request: Request) -> tuple[ListQuery, str | None]:
    """The page's reveal request: the query to build the reveal form from, and the reason (None: masked). A request
    to reveal without the permission or without a reason is answered masked, as if not asked."""
    query = ListQuery(params=list(request.query_params.multi_items()))
    try:
        return query, reveal_reason(request)
    except ListRefused:
        return query, None


def reveal_context(request: Request) -> dict[str, Any]:
    """What a document page needs for its reveal form (templates: _list.html reveal_form)."""
    query, reason = page_reveal(request)
    return {"lq": query, "revealed": reason is not None, "may_reveal": may_reveal(request.state.principal)}


def personal_page(request: Request, platform: Any, response: Response, documents: Iterable[Any], what: str,
                  numbers: Iterable[str]) -> Response:
    """The rendered page with the documents' ID numbers and phones masked; whole for a permitted user who gave a
    reason, and then logged (who, which page, which documents, why)."""
    values = personal_values(*documents)
    if not values:
        return response
    _, reason = page_reveal(request)
    if reason is not None:
        log_personal(request, platform, what, [n for n in numbers if n], reason)
        return response
    body = scrubbed(bytes(response.body).decode(), values).encode()
    response.body = body
    response.headers["content-length"] = str(len(body))
    return response


def personal_file(request: Request, platform: Any, text: str, what: str, numbers: Iterable[str]) -> str:
    """A file's text (an XML download) as the user may take it: its ID numbers and phones masked, or whole for a
    permitted user who gave a reason (reveal=1&reason=..., the link of a revealed page), and then logged."""
    values = personal_values(text)
    if not values:
        return text
    _, reason = page_reveal(request)
    if reason is None:
        return scrubbed(text, values)
    log_personal(request, platform, what, [n for n in numbers if n], reason)
    return text


def personal_answer(request: Request, platform: Any, answer: Any, what: str, numbers: Iterable[str]) -> Any:
    """A JSON answer as its API client may see it: masked, or whole for a client holding I3:view-personal (logged
    with the path as its reason, since a program gives none per call)."""
    if not may_reveal(request.state.principal):
        return masked_deep(answer)
    shown = [n for n in numbers if n]
    if personal_values(answer):
        log_personal(request, platform, what, shown, f"API {request.method} {request.url.path}")
    return answer


def kept_personal(submitted: Mapping[str, Any], *sources: Mapping[str, Any]) -> dict[str, Any]:
    """A document as posted from a form prefilled from `sources` (the document modified, copied, or those a new one
    is built from): a personal field that comes back as the mask of a source's value (the form showed it masked to a
    user who may not see it whole) takes that value, the same field's first; any other value is the user's."""
    kept = dict(submitted)
    by_mask = {str(mask(value)): value for value in sorted(personal_values(*sources))}
    for name in PERSONAL_FIELDS & set(kept):
        same = [s.get(name) for s in sources if s.get(name) not in (None, "")]
        whole = next((str(v) for v in same if str(mask(str(v))) == kept[name]), by_mask.get(str(kept[name])))
        if whole is not None:
            kept[name] = whole
    return kept


def sources_field(document_ids: Iterable[Any]) -> str:
    """The hidden form field (_personal_from) naming the documents a form was prefilled from, read back on submit."""
    return ",".join(str(document_id) for document_id in document_ids)


def restored(request: Request, platform: Any, submitted: Mapping[str, Any], field: str) -> dict[str, Any]:
    """A new document posted from a form prefilled from others (复制新增, 撤销/退货申请, 生成清单): the masked ID
    numbers and phones it shows come back whole from those documents, when the user's organisation may see them
    (the same tenancy as their pages); a document it may not see gives nothing."""
    found = [_visible(platform, request.state.principal, part.strip()) for part in field.split(",")[:5] if part]
    sources = [document.document for document in found if document is not None]
    return kept_personal(submitted, *sources) if sources else dict(submitted)


def _visible(platform: Any, principal: Any, document_id: str) -> Any:
    try:
        aggregate = platform.store.repository.get(UUID(document_id))
    except (AggregateNotFoundError, ValueError):
        return None
    message = getattr(aggregate, "message_type", ORDER.message)
    doc_type = ORDER if message == ORDER.message else BY_MESSAGE.get(message)
    return None if doc_type is None else amendments(platform).find(doc_type, document_id, principal)
