"""CEB codec: the customs cross-border e-commerce messages (海关跨境电商统一版报文, 202205 edition).

Driven by the official XSDs in ``schemas/xsd/``: every import and export message is built and
read without per-message code. Documents are JSON-shaped dicts whose keys are the XSD element
names; a head (``OrderHead``) is merged into the document, repeated lines become a list named
in lower camel case (``orderList``).

    build(message_type, documents, transfer, guid, version="1.0", *, prefix=None) -> _Element
    to_bytes(root) -> bytes
    validate(root_or_bytes, *, allow_unsigned=False) -> list[SchemaIssue]
    parse(data) -> Message
    wrap_dxp(business_xml, *, sender_id, receiver_id, msg_type, cop_msg_id, created) -> bytes
    unwrap_dxp(data) -> (Envelope, bytes); is_dxp(data) -> bool
    describe(message_type) / field_specs(message_type) / message_info / message_types

Errors: CodecError (a ValueError) for input that is not a readable CEB message; schema problems
are returned by ``validate`` as SchemaIssue values, never raised.
"""

from .builder import build, build_bytes, render, to_bytes
from .dxp import EXPORT_RECEIVER, IMPORT_RECEIVER, Envelope, is_dxp, receiver_for, unwrap_dxp, wrap_dxp
from .errors import CodecError
from .introspect import describe, field_specs, message_info, message_types
from .model import CEB_NS, FieldSpec, MessageSpec, NodeSpec, lower_camel, normalize_type
from .parser import Message, parse
from .validation import SchemaIssue, validate

__all__ = [
    "CEB_NS",
    "EXPORT_RECEIVER",
    "IMPORT_RECEIVER",
    "CodecError",
    "Envelope",
    "FieldSpec",
    "Message",
    "MessageSpec",
    "NodeSpec",
    "SchemaIssue",
    "build",
    "build_bytes",
    "describe",
    "field_specs",
    "is_dxp",
    "lower_camel",
    "message_info",
    "message_types",
    "normalize_type",
    "parse",
    "receiver_for",
    "render",
    "to_bytes",
    "unwrap_dxp",
    "validate",
    "wrap_dxp",
]
